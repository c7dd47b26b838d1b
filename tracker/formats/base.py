"""What every file format shares: the formats and their media types, the names files and
layers carry, and WKB parsed once."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import numpy as np
import shapely

FILE_STEM = "du-an"  # "projects": du-an-2026-11-21.gpkg
LAYER = "du_an"


def geometries(wkbs: Sequence[bytes | None]) -> np.ndarray:
    """Shapely geometries (None where missing), parsed in one vectorised call."""
    arr = np.array(list(wkbs) + [None], dtype=object)[:-1]  # keep bytes as objects
    return shapely.from_wkb(arr)


FORMATS = ("geojson", "gpkg", "shp.zip", "kml", "csv", "xlsx")


CRS_FORMATS = ("gpkg", "shp.zip")


MEDIA_TYPES = {
    "geojson": "application/geo+json",
    "gpkg": "application/geopackage+sqlite3",
    "shp.zip": "application/zip",
    "kml": "application/vnd.google-earth.kml+xml",
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def export_filename(fmt: str, today: date) -> str:
    return f"{FILE_STEM}-{today.isoformat()}.{fmt}"
