"""Text folding so that "bon tong" finds "Bốn Tổng": no diacritics, no case, đ -> d."""

from __future__ import annotations

import re
import unicodedata


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
