"""Project selections to files other tools read. GeoJSON follows RFC 7946: WGS 84 lon/lat,
at most 7 decimals, numbers as numbers, ISO dates, `id` = code, no `crs` member."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import date
from typing import Any

import numpy as np
import orjson
import shapely

from .geo import MAX_DECIMALS, round_coordinates
from .models import Project
from .queries import RECORD_FIELDS, project_record


def geometry_fragments(geoms: Sequence[Any]) -> list[orjson.Fragment | None]:
    """GeoJSON geometry text for many geometries at once (vectorised in GEOS)."""
    arr = np.array(list(geoms), dtype=object)
    present = np.array([g is not None for g in arr], dtype=bool)
    out: list[orjson.Fragment | None] = [None] * len(arr)
    if present.any():
        rounded = shapely.transform(arr[present], lambda xy: np.round(xy, MAX_DECIMALS))
        rounded = shapely.orient_polygons(rounded)  # RFC 7946 right-hand rule
        texts = shapely.to_geojson(rounded)
        for idx, text in zip(np.flatnonzero(present), texts, strict=True):
            out[idx] = orjson.Fragment(text)
    return out


def feature_collection(projects: Sequence[Project], today: date,
                       extra: dict[str, Any] | None = None) -> dict[str, Any]:
    geoms = geometry_fragments([p.geometry for p in projects])
    features = [{"type": "Feature", "id": p.code, "geometry": g,
                 "properties": project_record(p, today)} for p, g in zip(projects, geoms,
                                                                        strict=True)]
    return {"type": "FeatureCollection", **(extra or {}), "features": features}


def to_geojson(projects: Sequence[Project], today: date) -> bytes:
    return orjson.dumps(feature_collection(projects, today))


def geometry_geojson(geom: Any) -> dict[str, Any] | None:
    if geom is None:
        return None
    result: dict[str, Any] = orjson.loads(shapely.to_geojson(
        shapely.orient_polygons(round_coordinates(geom))))
    return result


def records_to_csv(records: Sequence[dict[str, Any]], fields: Sequence[str] = RECORD_FIELDS,
                   bom: bool = False) -> str:
    buf = io.StringIO()
    if bom:
        buf.write("\ufeff")
    writer = csv.DictWriter(buf, fieldnames=list(fields), extrasaction="ignore",
                            lineterminator="\r\n")
    writer.writeheader()
    for r in records:
        writer.writerow({k: ("" if r.get(k) is None else r.get(k)) for k in fields})
    return buf.getvalue()
