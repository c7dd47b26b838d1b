"""How a project is drawn, wherever it is drawn: the web map (maps/styles.py and
tracker-map.js), the KML export and the QGIS styles (QML, SLD) all take their look from here,
so a planner sees the same colours and symbols in the browser, in Google Earth and in QGIS.

Colour by status and line weight and dash by kind come from tracker.vocab; points are round
markers with a dark outline; a waterway draws its status-coloured dashes over a water-blue
band; an approximate geometry is drawn lighter, never like a survey.
"""

from __future__ import annotations

from dataclasses import dataclass

from tracker import vocab

UNKNOWN_COLOUR = "#555555"
WATER_BLUE = "#3a8dde"  # the band under a waterway's status-coloured dashes
BRIDGE_OUTLINE = "#212529"
OPACITY = 0.95
APPROXIMATE_OPACITY = 0.45
BRIDGE_RADIUS = 7  # pixels
MARKER_OUTLINE_WIDTH = 2  # pixels
WATER_BAND_EXTRA = 4  # the band is this many pixels wider than the dashes
WATER_OPACITY = 0.8
AREA_FILL_OPACITY = 0.3
APPROXIMATE_AREA_FILL_OPACITY = 0.15
APPROXIMATE_OUTLINE_OPACITY = 0.7  # a marker's outline, approximate
APPROXIMATE_OUTLINE_DASH = "3 3"
DEFAULT_WEIGHT = 3
APPROXIMATE = "approximate"

FAMILIES = ("point", "line", "polygon")
_FAMILY_TYPES = {"point": ("Point", "MultiPoint"), "line": ("LineString", "MultiLineString"),
                 "polygon": ("Polygon", "MultiPolygon")}


def status_colour(code: str | None) -> str:
    status = vocab.STATUS_BY_CODE.get(code or "")
    return status.colour if status else UNKNOWN_COLOUR


def kind_symbol(kind: vocab.Kind) -> str:
    """'marker' (a kind that is only ever a point), 'water' or 'line'."""
    if kind.geometry_types == ("Point",):
        return "marker"
    return "water" if kind.code == "waterway" else "line"


def kind_families(kind: vocab.Kind) -> tuple[str, ...]:
    """The geometry families a project of this kind may have (any, when the kind says none)."""
    if not kind.geometry_types:
        return FAMILIES
    return tuple(f for f in FAMILIES if set(_FAMILY_TYPES[f]) & set(kind.geometry_types))


def family_of(geom_type: str | None) -> str | None:
    """'point', 'line' or 'polygon' for a geometry type name; None for none or a collection."""
    for family, types in _FAMILY_TYPES.items():
        if geom_type in types:
            return family
    return None


@dataclass(frozen=True)
class Look:
    """How a project of one status and kind, approximate or not, is drawn (pixels, #rrggbb,
    opacities 0-1)."""

    status: str
    kind: str
    approximate: bool
    colour: str
    opacity: float
    weight: int
    dash: tuple[int, ...] | None
    symbol: str  # marker | water | line
    marker_radius: int
    marker_outline: str
    marker_outline_width: int
    marker_outline_opacity: float
    marker_outline_dash: tuple[int, ...] | None
    water_colour: str
    water_weight: int
    water_opacity: float
    fill_opacity: float

    @property
    def key(self) -> str:
        """A stable name for the look ('under_construction-road', '...-approximate')."""
        return f"{self.status}-{self.kind}" + ("-approximate" if self.approximate else "")


def _dash(text: str | None) -> tuple[int, ...] | None:
    return tuple(int(part) for part in text.split()) if text else None


def look(status: str | None, kind: str | None, accuracy: str | None) -> Look:
    """The look of one project (unknown status or kind: the grey, 3-pixel line)."""
    k = vocab.KIND_BY_CODE.get(kind or "")
    approximate = accuracy == APPROXIMATE
    weight = (k.weight if k else 0) or DEFAULT_WEIGHT
    return Look(
        status=status if status in vocab.STATUS_BY_CODE else "unknown",
        kind=k.code if k else "unknown",
        approximate=approximate,
        colour=status_colour(status),
        opacity=APPROXIMATE_OPACITY if approximate else OPACITY,
        weight=weight,
        dash=_dash(k.dash) if k else None,
        symbol=kind_symbol(k) if k else "line",
        marker_radius=BRIDGE_RADIUS,
        marker_outline=BRIDGE_OUTLINE,
        marker_outline_width=MARKER_OUTLINE_WIDTH,
        marker_outline_opacity=APPROXIMATE_OUTLINE_OPACITY if approximate else 1.0,
        marker_outline_dash=_dash(APPROXIMATE_OUTLINE_DASH) if approximate else None,
        water_colour=WATER_BLUE,
        water_weight=weight + WATER_BAND_EXTRA,
        water_opacity=APPROXIMATE_OPACITY if approximate else WATER_OPACITY,
        fill_opacity=APPROXIMATE_AREA_FILL_OPACITY if approximate else AREA_FILL_OPACITY,
    )


def every_look() -> list[tuple[Look, tuple[str, ...]]]:
    """Every look of the vocabularies with the geometry families it applies to, in
    vocabulary order (status, then kind, exact before approximate): what a style lists."""
    return [(look(s.code, k.code, APPROXIMATE if approximate else None), kind_families(k))
            for s in vocab.STATUSES for k in vocab.KINDS for approximate in (False, True)]
