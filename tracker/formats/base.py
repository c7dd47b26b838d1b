"""What every file format shares: the names files and layers carry, the geometry families a
layer may hold, what a file says about itself, and WKB parsed once."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import shapely

from tracker.fields import FIELDS, Field

FILE_STEM = "du-an"  # "projects": du-an-2026-11-21.gpkg
LAYER = "du_an"
TITLE = "Dự án hạ tầng Cần Thơ – Hậu Giang / Cần Thơ – Hậu Giang infrastructure projects"


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


# Where each format carries the file's card (FileInfo).
CARD_PLACES = {
    "geojson": "a top-level `metadata` member",
    "gpkg": "gpkg_metadata (GDAL metadata items, referenced from the whole GeoPackage)",
    "shp.zip": "README.txt",
    "kml": "the Document's description and ExtendedData",
    "csv": "nowhere: CSV has no place for it (each row still carries its sources and page)",
    "xlsx": "the sheet \"Thông tin\"",
}


def export_filename(fmt: str, today: date) -> str:
    return f"{FILE_STEM}-{today.isoformat()}.{fmt}"
# --------------------------------------------------------------------------- families
# QGIS (and ArcGIS) type a layer by one geometry type and do not draw a feature of another:
# a bridge (Point) in a layer of roads is never drawn. So every GIS file and OGC collection
# holds one family, and projects without a geometry go to a table of their own.

@dataclass(frozen=True)
class Family:
    key: str  # the symbology family: point, line, polygon
    suffix: str  # of the layer and file names: du_an_tuyen, du-an-...-tuyen.shp
    types: tuple[str, str]  # (single, multi) geometry type names
    vi: str
    en: str

    @property
    def layer(self) -> str:
        return f"{LAYER}_{self.suffix}"

    def declared_type(self, present: set[str]) -> str:
        """The layer's one type: the single type when every geometry is single, else the
        multi type (singles are then promoted, as GeoPackage requires)."""
        return self.types[0] if present <= {self.types[0]} else self.types[1]


FAMILIES: tuple[Family, ...] = (
    Family("line", "tuyen", ("LineString", "MultiLineString"), "tuyến", "lines"),
    Family("point", "diem", ("Point", "MultiPoint"), "điểm", "points"),
    Family("polygon", "vung", ("Polygon", "MultiPolygon"), "vùng", "areas"),
)
FAMILY_BY_KEY = {f.key: f for f in FAMILIES}
NO_GEOMETRY_LAYER = f"{LAYER}_khong_vi_tri"  # the attributes-only table


def family_of(geom_type: str | None) -> Family | None:
    for family in FAMILIES:
        if geom_type in family.types:
            return family
    return None


def split_by_family(geoms: np.ndarray) -> list[tuple[Family | None, np.ndarray]]:
    """(family, mask) for each family present (None: no geometry), in FAMILIES order; the
    masks cover every position exactly once."""
    types = [g.geom_type if g is not None else None for g in geoms]
    out: list[tuple[Family | None, np.ndarray]] = []
    for family in (*FAMILIES, None):
        wanted = family.types if family else (None,)
        mask = np.array([t in wanted for t in types], dtype=bool)
        if mask.any():
            out.append((family, mask))
    return out


# --------------------------------------------------------------------------- extra columns
# Columns an export adds to the record when it clips to a province (tracker.exports.clip).
CLIP_FIELDS: tuple[Field, ...] = (
    Field("clipped_to", "string", "clip_to", "Đã cắt theo ranh giới tỉnh (mã tỉnh)",
          "Clipped to this province's outline (province code)"),
    Field("clipped_length_km", "number", "clip_km",
          "Chiều dài phần nằm trong ranh giới đã cắt (UTM 48N), km",
          "Length of the part inside the clipping outline (UTM 48N), km"),
)


def record_fields(records: Sequence[dict[str, Any]]) -> tuple[Field, ...]:
    """The fields of these records: every record field, and the clip columns when clipped."""
    if records and "clipped_to" in records[0]:
        return (*FIELDS, *CLIP_FIELDS)
    return FIELDS


# --------------------------------------------------------------------------- the file's card

@dataclass(frozen=True)
class FileInfo:
    """What a file says about itself: when it was exported, what it holds, from where, and
    under which licence and contact (TRACKER_DATA_LICENCE, TRACKER_DATA_CONTACT)."""

    exported_at: str  # UTC, ISO 8601 to the second
    data_as_of: str  # the day days_late and stale flags are counted to
    licence: str
    contact: str | None
    count: int
    filter: str = ""  # the query that selected the projects; empty: every project
    source: str | None = None  # the address it was served from (None: the command line)
    crs: str = "EPSG:4326"
    clipped_to: str | None = None

    def items(self) -> list[tuple[str, str, Any]]:
        """(key, label in both languages, value) in reading order; unknown values left out."""
        rows: list[tuple[str, str, Any]] = [
            ("title", "Dữ liệu / data", TITLE),
            ("exported_at", "Xuất lúc (UTC) / exported at (UTC)", self.exported_at),
            ("data_as_of", "Số ngày chậm tính đến / days late counted to", self.data_as_of),
            ("licence", "Giấy phép / licence", self.licence),
            ("contact", "Liên hệ / contact", self.contact),
            ("projects", "Số dự án / projects", self.count),
            ("filter", "Bộ lọc / filter", self.filter or "—"),
            ("source", "Địa chỉ / served from", self.source),
            ("crs", "Hệ tọa độ / CRS", self.crs),
            ("clipped_to", "Cắt theo ranh giới / clipped to", self.clipped_to),
        ]
        return [row for row in rows if row[2] not in (None, "")]

    def as_dict(self) -> dict[str, Any]:
        return {key: value for key, _label, value in self.items()}

    def text_lines(self) -> list[str]:
        return [f"{label}: {value}" for _key, label, value in self.items()]
