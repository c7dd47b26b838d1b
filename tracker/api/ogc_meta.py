"""What the OGC API – Features service declares about itself: its path, conformance classes,
collections and accepted parameters. Plain constants, so the OpenAPI document can describe the
service without importing the service."""

from __future__ import annotations

from tracker.formats.base import FAMILY_BY_KEY, Family

PREFIX = "/ogc"
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
GREGORIAN = "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian"
CONFORMANCE = (
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
)
PROPERTY_FILTERS = ("status", "kind", "province", "programme_role", "owner", "q", "stale")
CRS_PARAMS = ("crs", "bbox-crs")  # accepted for clients that send them; only CRS84
ITEMS_PARAMS = ("bbox", "limit", "offset", "datetime", "f", *CRS_PARAMS, *PROPERTY_FILTERS)
_PROJECTS_TEXT = {
    "title": {"vi": "Dự án hạ tầng Cần Thơ – Hậu Giang",
              "en": "Cần Thơ – Hậu Giang infrastructure projects"},
    "description": {
        "vi": "Các dự án hạ tầng dùng chung của Cần Thơ và Hậu Giang (chương trình "
              "2021–2025): trạng thái, tiến độ, vốn, vị trí, nguồn.",
        "en": "The shared infrastructure projects of Cần Thơ and Hậu Giang (2021–2025 "
              "programme): status, progress, money, location, sources."},
}
# One collection a geometry family: QGIS types an OGC API layer from its features and draws
# only that type, so a bridge (Point) among roads is never drawn in `projects` (which stays,
# for clients that read everything in one go). Projects without a geometry are only there.
FAMILY_COLLECTIONS: dict[str, Family] = {
    "projects-lines": FAMILY_BY_KEY["line"],
    "projects-points": FAMILY_BY_KEY["point"],
    "projects-areas": FAMILY_BY_KEY["polygon"],
}
_FAMILY_WORDS = {"line": ("tuyến: đường, cao tốc, kênh", "lines: roads, expressways, canals"),
                 "point": ("điểm: cầu", "points: bridges"),
                 "polygon": ("vùng", "areas")}


def _family_text(family: Family) -> dict[str, dict[str, str]]:
    vi, en = _FAMILY_WORDS[family.key]
    types = " / ".join(family.types)
    return {
        "title": {"vi": f"{_PROJECTS_TEXT['title']['vi']} ({vi})",
                  "en": f"{_PROJECTS_TEXT['title']['en']} ({en})"},
        "description": {
            "vi": f"Các dự án có hình học {types} (một loại hình học: QGIS vẽ mọi đối tượng). "
                  "Dự án chưa có vị trí chỉ có trong bộ `projects`.",
            "en": f"The projects whose geometry is a {types} (one geometry type, so QGIS "
                  "draws every feature). Projects not located yet are only in `projects`."},
    }


COLLECTIONS: dict[str, dict[str, dict[str, str]]] = {
    "projects": _PROJECTS_TEXT,
    **{cid: _family_text(family) for cid, family in FAMILY_COLLECTIONS.items()},
    "boundaries": {
        "title": {"vi": "Ranh giới tỉnh (trước 01/07/2025)",
                  "en": "Province boundaries (until 30 June 2025)"},
        "description": {
            "vi": "Ranh giới gần đúng của các tỉnh thời kỳ chương trình, chỉ để tham chiếu "
                  "trên bản đồ (không dùng để đo đạc).",
            "en": "Approximate outlines of the programme-era provinces, for map context only "
                  "(not for measurement)."},
    },
}
PROJECT_COLLECTIONS = ("projects", *FAMILY_COLLECTIONS)
# JSON Schema `format` of the primary geometry (OGC API - Features - Part 5: Schemas)
GEOMETRY_FORMATS = {"line": "geometry-linestring-or-multilinestring",
                    "point": "geometry-point-or-multipoint",
                    "polygon": "geometry-polygon-or-multipolygon"}
