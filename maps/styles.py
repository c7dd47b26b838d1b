"""How projects look: one place for the colours and symbols the map, its legend, the tables and
the badges share. Colours and line weights come from tracker.vocab; this module only adds what
drawing needs (readable text on a coloured badge, the water colour, the "approximate" look)."""

from __future__ import annotations

from typing import Any

from tracker import vocab

WATER_BLUE = "#3a8dde"  # the band under a waterway's status-coloured dashes
BRIDGE_OUTLINE = "#212529"
OPACITY = 0.95
APPROXIMATE_OPACITY = 0.45  # an approximate geometry is drawn lighter, never like a survey
BRIDGE_RADIUS = 7
UNKNOWN_COLOUR = "#555555"


def text_colour(background: str) -> str:
    """Black or white, whichever reads better on `background` (#rrggbb), by WCAG luminance."""
    h = background.lstrip("#")
    if len(h) != 6:
        return "#000000"
    channels = []
    for i in (0, 2, 4):
        c = int(h[i:i + 2], 16) / 255
        channels.append(c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4)
    lum = 0.2126 * channels[0] + 0.7152 * channels[1] + 0.0722 * channels[2]
    # contrast with white vs with black
    return "#ffffff" if (1.05 / (lum + 0.05)) >= ((lum + 0.05) / 0.05) else "#000000"


def status_colour(code: str | None) -> str:
    status = vocab.STATUS_BY_CODE.get(code or "")
    return status.colour if status else UNKNOWN_COLOUR


def status_styles(lang: str) -> dict[str, dict[str, str]]:
    """{code: {label, colour, text}} in vocabulary order."""
    return {s.code: {"label": s.label(lang), "colour": s.colour, "text": text_colour(s.colour)}
            for s in vocab.STATUSES}


def kind_styles(lang: str) -> dict[str, dict[str, Any]]:
    """{code: {label, weight, dash, symbol}}: symbol is line, water, or marker."""
    out: dict[str, dict[str, Any]] = {}
    for k in vocab.KINDS:
        symbol = "marker" if k.geometry_types == ("Point",) else (
            "water" if k.code == "waterway" else "line")
        out[k.code] = {"label": k.label(lang), "weight": k.weight or 3, "dash": k.dash,
                       "symbol": symbol}
    return out


def accuracy_labels(lang: str) -> dict[str, str]:
    return {t.code: t.label(lang) for t in vocab.GEOMETRY_ACCURACY}
