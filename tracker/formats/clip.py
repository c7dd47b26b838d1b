"""A selection cut to an outline (?clip=hau-giang): each geometry keeps only its part inside,
in its own family (a road stays lines, even where it only touches the outline at a point),
measured again in UTM 48N, and marked with the outline it was cut to. Projects with no
part inside, and projects without a geometry, are left out: they are not in that province's
share of the register. Plain records and WKB in and out; no session.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import shapely

from tracker.formats.base import geometries
from tracker.geo import length_km

_DIMENSION = {"Point": 0, "MultiPoint": 0, "LineString": 1, "MultiLineString": 1,
              "Polygon": 2, "MultiPolygon": 2}
_MULTI = {0: shapely.MultiPoint, 1: shapely.MultiLineString, 2: shapely.MultiPolygon}


def clip_geometry(geom: Any, outline: Any) -> Any | None:
    """The part of `geom` inside `outline`, of the same dimension (single when it is one
    piece, multi when several); None when nothing of that dimension is inside."""
    dimension = _DIMENSION.get(geom.geom_type)
    if dimension is None:
        return None
    part = shapely.intersection(geom, outline)
    pieces = [p for p in shapely.get_parts(part)
              if not p.is_empty and _DIMENSION.get(p.geom_type) == dimension]
    pieces = [q for p in pieces for q in shapely.get_parts(p)]  # flatten multi pieces
    if not pieces:
        return None
    if dimension == 1:  # rejoin the pieces of one line the cut left touching end to end
        merged = shapely.line_merge(_MULTI[1](pieces))
        pieces = list(shapely.get_parts(merged))
    return pieces[0] if len(pieces) == 1 else _MULTI[dimension](pieces)


def clip_records(records: Sequence[dict[str, Any]], wkbs: Sequence[bytes | None],
                 outline: Any, code: str) -> tuple[list[dict[str, Any]], list[bytes | None]]:
    """The records with a part inside `outline`, each with `clipped_to` = `code` and
    `clipped_length_km` (of the part inside; null for points and areas), and that part as
    WKB. `length_km` stays the length of the whole project."""
    out_records: list[dict[str, Any]] = []
    out_wkbs: list[bytes | None] = []
    for record, geom in zip(records, geometries(wkbs), strict=True):
        if geom is None:
            continue
        part = clip_geometry(geom, outline)
        if part is None:
            continue
        out_records.append({**record, "clipped_to": code, "clipped_length_km": length_km(part)})
        out_wkbs.append(shapely.to_wkb(part))
    return out_records, out_wkbs
