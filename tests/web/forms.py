"""Reading a rendered form back as a browser would submit it (for the form tests)."""

from __future__ import annotations

import html
import re
from typing import Any

INPUT = re.compile(r"<input([^>]*)>")
TEXTAREA = re.compile(r'<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', re.S)
SELECT = re.compile(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', re.S)
OPTION = re.compile(r"<option([^>]*)>")


def _attr(attrs: str, name: str) -> str | None:
    m = re.search(rf'\b{name}="([^"]*)"', attrs)
    return html.unescape(m.group(1)) if m else None


def form_values(page: str, action: str) -> dict[str, Any]:
    """The fields of the form posting to `action`, with the values it would send."""
    start = page.index(f'action="{action}"')
    body = page[start:page.index("</form>", start)]
    out: dict[str, Any] = {}
    for m in INPUT.finditer(body):
        attrs = m.group(1)
        name, kind = _attr(attrs, "name"), _attr(attrs, "type") or "text"
        if not name or kind in ("file", "submit"):
            continue
        if kind in ("checkbox", "radio"):
            if re.search(r"\bchecked\b", attrs):
                out.setdefault(name, []).append(_attr(attrs, "value") or "on")
            continue
        out[name] = _attr(attrs, "value") or ""
    for m in TEXTAREA.finditer(body):
        out[m.group(1)] = html.unescape(m.group(2)).removeprefix("\r\n").removeprefix("\n")
    for m in SELECT.finditer(body):
        chosen = [_attr(o.group(1), "value") for o in OPTION.finditer(m.group(2))
                  if re.search(r"\bselected\b", o.group(1))]
        out[m.group(1)] = chosen[0] if chosen else ""
    return out


def field_errors(page: str) -> dict[str, list[str]]:
    """The error messages shown next to each field (data-field names it), as text: the
    reader's sentence, then the register's technical words."""
    out: dict[str, list[str]] = {}
    for m in re.finditer(r'field-error" data-field="([^"]+)">(.*?)</div>', page, re.S):
        text = re.sub(r"<[^>]+>", " ", m.group(2))
        out.setdefault(m.group(1), []).append(" ".join(html.unescape(text).split()))
    return out
