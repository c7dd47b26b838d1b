"""Vietnamese alphabetical order as a plain ASCII key, so SQLite and PostgreSQL sort names alike.

Neither database orders Vietnamese correctly by itself: SQLite compares code points (Đ after Z),
PostgreSQL follows whatever locale the server has. So every project stores `sort_key(name)`,
computed in Python, and ORDER BY uses that column; Python sorts with the same function.

The order is the dictionary's: letters first (a ă â b c d đ e ê g h i k l m n o ô ơ p q r s t u
ư v x y), word by word ("Cà Mau" before "Cái Răng"), and only between names spelled with the
same letters the tone marks decide, in the order ngang, huyền, hỏi, ngã, sắc, nặng.

The key is made of lowercase letters and digits only, two characters per letter, so a
collation that ignores punctuation or case cannot reorder it: each letter becomes its base
letter and a variant digit (a0 ă1 â2, d0 đ1, e0 ê1, o0 ô1 ơ2, u0 ư1), a number "1" and its digit
count then "1" and each digit (so 9 sorts before 10), each run of spaces or punctuation "01";
"00" ends the letters (lower than any of them, so a name sorts before its own continuation),
then one tone digit per letter follows.
"""

from __future__ import annotations

import re
import unicodedata

_VARIANT = {("a", "\u0306"): "1", ("a", "\u0302"): "2", ("e", "\u0302"): "1",
            ("o", "\u0302"): "1", ("o", "\u031b"): "2", ("u", "\u031b"): "1"}
_TONE = {"\u0300": "1", "\u0309": "2", "\u0303": "3", "\u0301": "4", "\u0323": "5"}
_TOKEN = re.compile(r"[0-9]+|.", re.S)
END, GAP = "00", "01"


def _letter(char: str) -> tuple[str, str] | None:
    """(base letter + variant digit, tone digit) of a letter; None for anything else."""
    if char == "đ":
        return "d1", "0"
    decomposed = unicodedata.normalize("NFD", char)
    base, marks = decomposed[:1], decomposed[1:]
    if not "a" <= base <= "z":
        return None
    variant = next((_VARIANT[(base, m)] for m in marks if (base, m) in _VARIANT), "0")
    tone = next((_TONE[m] for m in marks if m in _TONE), "0")
    return base + variant, tone


def _number(digits: str) -> list[str]:
    """A number sorts by value ("số 9" before "số 10"): its digit count first, then digits."""
    digits = digits.lstrip("0") or "0"
    return [f"1{min(len(digits), 9)}"] + [f"1{d}" for d in digits]


def sort_key(text: str | None) -> str:
    """The ordering key of a name (see the module docstring); '' for no name."""
    if not text:
        return ""
    units: list[str] = []
    tones: list[str] = []
    gap = False
    for token in _TOKEN.findall(unicodedata.normalize("NFC", text.lower())):
        letter = _letter(token) if len(token) == 1 else None
        if letter is not None:
            new = [letter[0]]
            tones.append(letter[1])
        elif token[0] in "0123456789":
            new = _number(token)
        else:
            gap = True  # spaces, dashes, brackets: one word boundary however many
            continue
        if gap and units:
            units.append(GAP)
        gap = False
        units.extend(new)
    return "".join(units) + END + "".join(tones)
