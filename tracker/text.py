"""Text folding so that "bon tong" finds "Bốn Tổng": no diacritics, no case, đ -> d."""

from __future__ import annotations

import unicodedata


def fold(text: str | None) -> str:
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(stripped.lower().split())
