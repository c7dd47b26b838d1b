"""The GeoJSON the planners' map draws, and the values its popups show, already formatted the
Vietnamese (or English) way by tracker.formatting, so the browser formats nothing and agrees
with the tables.

Pure: rows in, bytes out (no database, no Flask). Rows are anything with the attributes named
in tracker.queries.MAP_COLUMNS (a Project or a plain result row).

Large selections are lightened for the overview: coordinates rounded to 5 decimals (about
1 m) and, above SIMPLIFY_ABOVE features, lines simplified by SIMPLIFY_TOLERANCE degrees (about
5 m, under one screen pixel up to zoom 15). The project page and the exports always carry the
full geometry.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date
from typing import Any

import numpy as np
import orjson
import shapely

from tracker import formatting
from tracker.dates import display_partial
from tracker.i18n import gettext
from tracker.rules import STALE_DAYS, days_late, disbursement_rate, is_stale, late_confirmed

DECIMALS = 5
SIMPLIFY_ABOVE = 2000
SIMPLIFY_TOLERANCE = 0.0001


def tolerance_for(count: int) -> float:
    """Simplification tolerance (degrees) for a selection of `count` features."""
    return SIMPLIFY_TOLERANCE if count > SIMPLIFY_ABOVE else 0.0


def geometry_texts(geoms: Sequence[Any], tolerance: float = 0.0,
                   decimals: int = DECIMALS) -> list[str]:
    """GeoJSON geometry text for many geometries at once (vectorised in GEOS)."""
    arr = np.array(list(geoms), dtype=object)
    if len(arr) == 0:
        return []
    if tolerance > 0:
        # Points are unchanged; a line keeps its two ends, so it never vanishes.
        arr = shapely.simplify(arr, tolerance, preserve_topology=False)
    arr = shapely.transform(arr, lambda xy: np.round(xy, decimals))
    arr = shapely.orient_polygons(arr)
    return [str(t) for t in shapely.to_geojson(arr)]


def planned_period(row: Any, lang: str) -> str:
    """'2026 – 12/2027', with 'no data' for a missing end of the period."""
    start = display_partial(row.planned_start, row.planned_start_precision)
    end = display_partial(row.planned_end, row.planned_end_precision)
    if start is None and end is None:
        return formatting.no_data(lang)
    return f"{start or formatting.no_data(lang)} – {end or formatting.no_data(lang)}"


def disbursed_text(row: Any, lang: str) -> str:
    """'500 tỷ đồng (12,9 %)': the amount and its share of the total investment."""
    text = formatting.vnd(row.disbursed_vnd, lang)
    rate = disbursement_rate(row)
    if rate is not None:
        text += f" ({formatting.percent(rate, lang)})"
    return text


def base_properties(row: Any) -> dict[str, Any]:
    """What the map needs to draw, label and find a feature (the rest comes on demand)."""
    return {
        "code": row.code,
        "name_vi": row.name_vi,
        "name_en": row.name_en,
        "kind": row.kind,
        "status": row.status,
        "accuracy": row.geometry_accuracy,
    }


def popup_properties(row: Any, lang: str, today: date | None = None,
                     stale_days: int = STALE_DAYS) -> dict[str, Any]:
    """Everything a popup shows, formatted in `lang` by tracker.formatting: with `today`,
    also the date the status is true as of with its age, whether it needs an update
    (`stale`) and whether a lateness is unconfirmed (tracker.rules)."""
    out = {
        **base_properties(row),
        "progress_pct": row.progress_pct,
        "investment": formatting.vnd_qualified(row.total_investment_vnd,
                                               getattr(row, "total_investment_qualifier", None),
                                               lang),
        "disbursed": disbursed_text(row, lang),
        "planned": planned_period(row, lang),
        "governing_body": row.governing_body,
        "project_owner": getattr(row, "project_owner", None),
    }
    if today is not None:
        late = days_late(row, today)
        out.update(
            status_as_of=formatting.status_as_of(row.status_as_of, row.status_as_of_precision,
                                                 today, lang),
            stale=is_stale(row.status, row.status_as_of, today, stale_days),
            stale_text=gettext("status.stale", lang),
            late_unconfirmed=gettext("status.late_unconfirmed_days", lang,
                                     n=formatting.number(late, 0, lang))
            if late is not None and late_confirmed(row.planned_end, row.status_as_of, late)
            is False else None)
    return out


CHUNK = 2000  # features serialised at a time: memory stays flat however large the selection


def map_features_chunks(rows: Sequence[Any], lang: str = "vi", tolerance: float | None = None,
                        details: bool = False, today: date | None = None,
                        stale_days: int = STALE_DAYS) -> Iterator[bytes]:
    """A GeoJSON FeatureCollection (RFC 7946) of the rows that have a geometry, in pieces
    (for a streamed response: the first bytes leave before the last feature is built).

    Without `details` the properties are only what drawing needs; a popup fetches the rest
    for its one project (the overview stays light however many projects are selected)."""
    rows = [r for r in rows if r.geometry is not None]
    tol = tolerance_for(len(rows)) if tolerance is None else tolerance
    yield (b'{"type":"FeatureCollection","count":%d,"simplified_m":%d,"features":['
           % (len(rows), round(tol * 111_000)))
    for start in range(0, len(rows), CHUNK):
        part = rows[start:start + CHUNK]
        texts = geometry_texts([r.geometry for r in part], tol)
        features = [{"type": "Feature", "id": r.code, "geometry": orjson.Fragment(text),
                     "properties": popup_properties(r, lang, today, stale_days) if details
                     else base_properties(r)} for r, text in zip(part, texts, strict=True)]
        body = orjson.dumps(features)[1:-1]  # the items, without the list's brackets
        yield (b"," + body) if start else body
    yield b"]}"


def map_features(rows: Sequence[Any], lang: str = "vi", tolerance: float | None = None,
                 details: bool = False, today: date | None = None,
                 stale_days: int = STALE_DAYS) -> bytes:
    """map_features_chunks() in one piece."""
    return b"".join(map_features_chunks(rows, lang, tolerance, details, today, stale_days))
