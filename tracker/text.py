"""Text rules: folding so that "bon tong" finds "Bốn Tổng" (no diacritics, no case, đ -> d),
slugs, the characters stored text may not hold, and URLs a person may safely follow."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import urlsplit

from tracker.errors import ValidationError
from tracker.urls import is_http_url


def fold(text: str | None) -> str:
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(stripped.lower().split())


SLUG_MAX = 64  # characters of a project code or source key


def is_slug(code: object) -> bool:
    """A stable code for URLs and files: lowercase letters, digits and single hyphens."""
    return isinstance(code, str) and len(code) <= SLUG_MAX and \
        re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", code) is not None


# --------------------------------------------------------------------------- hostile text

# Characters no stored text may hold: C0 and C1 controls (NUL, ESC, CR, ...), DEL, lone
# surrogates (bytes that were not UTF-8, or a JSON "\ud800"), the line and paragraph
# separators, and the bidi embeddings, overrides and isolates (U+202E RLO turns
# "exe.txt" into "txt.exe" on screen). Multi-line text may hold tabs and newlines.
_BIDI = "\u202a-\u202e\u2066-\u2069"
_REFUSED_SINGLE = re.compile(f"[\x00-\x1f\x7f-\x9f\u2028\u2029{_BIDI}\ud800-\udfff]")
_REFUSED_MULTI = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029{_BIDI}\ud800-\udfff]")


def refused_character(text: str, multiline: bool = False) -> tuple[int, str] | None:
    """(position, character) of the first character stored text may not hold, else None."""
    m = (_REFUSED_MULTI if multiline else _REFUSED_SINGLE).search(text)
    return (m.start(), m.group()) if m else None


def describe_character(ch: str) -> str:
    """'U+202E (RIGHT-TO-LEFT OVERRIDE)': how a message names an invisible character."""
    if "\ud800" <= ch <= "\udfff":
        return f"U+{ord(ch):04X} (not UTF-8 text)"
    return f"U+{ord(ch):04X} ({unicodedata.name(ch, 'control character')})"


def shown(value: object, limit: int = 60) -> str:
    """A value as a message may quote it: repr (so controls are escaped), cut to `limit`."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --------------------------------------------------------------------------- URLs




def check_http_url(value: str, field: str) -> str:
    """The URL if a person may safely follow it (http or https, a valid host, no credentials);
    otherwise a ValidationError naming `field`. Checked when a URL is written."""
    def refuse(why: str) -> ValidationError:
        return ValidationError(f"{field} {shown(value)} {why}", field=field)

    if not isinstance(value, str):
        raise refuse("is not text")
    if any(c <= " " or c == "\x7f" or c == "\\" for c in value) or refused_character(value):
        raise refuse("holds a space, a backslash or a control character")
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError as exc:
        raise refuse(f"is not a valid URL ({exc})") from exc
    if parts.scheme not in ("http", "https"):
        raise refuse("is not an http:// or https:// address")
    if "@" in parts.netloc:
        raise refuse("carries a user name or password")
    if not is_http_url(value):  # the render-time test: what is stored can be shown as a link
        raise refuse("has no valid host name")
    return value
