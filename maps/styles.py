"""How projects look: one place for the colours and symbols the map, its legend, the tables and
the badges share. Colours and line weights come from tracker.vocab and the drawing constants
from tracker.symbology (which the KML export and the QGIS styles read too); this module only
adds what pages need (readable text on a coloured badge, labels)."""

from __future__ import annotations

from typing import Any

from tracker import vocab
from tracker.symbology import (  # one look for the map, KML and QGIS styles  # noqa: F401
    APPROXIMATE_OPACITY,
    BRIDGE_OUTLINE,
    BRIDGE_RADIUS,
    OPACITY,
    UNKNOWN_COLOUR,
    WATER_BLUE,
    kind_symbol,
    status_colour,
)


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


def status_styles(lang: str) -> dict[str, dict[str, str]]:
    """{code: {label, colour, text}} in vocabulary order."""
    return {s.code: {"label": s.label(lang), "colour": s.colour, "text": text_colour(s.colour)}
            for s in vocab.STATUSES}


def kind_styles(lang: str) -> dict[str, dict[str, Any]]:
    """{code: {label, weight, dash, symbol}}: symbol is line, water, or marker."""
    out: dict[str, dict[str, Any]] = {}
    for k in vocab.KINDS:
        out[k.code] = {"label": k.label(lang), "weight": k.weight or 3, "dash": k.dash,
                       "symbol": kind_symbol(k)}
    return out


def accuracy_labels(lang: str) -> dict[str, str]:
    return {t.code: t.label(lang) for t in vocab.GEOMETRY_ACCURACY}
