"""What the OGC API – Features service declares about itself: its path, conformance classes,
collections and accepted parameters. Plain constants, so the OpenAPI document can describe the
service without importing the service."""

from __future__ import annotations

PREFIX = "/ogc"


CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"


GREGORIAN = "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian"


CONFORMANCE = (
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
)


PROPERTY_FILTERS = ("status", "kind", "province", "owner", "q")


CRS_PARAMS = ("crs", "bbox-crs")  # accepted for clients that send them; only CRS84


ITEMS_PARAMS = ("bbox", "limit", "offset", "datetime", "f", *CRS_PARAMS, *PROPERTY_FILTERS)


COLLECTIONS = {
    "projects": {
        "title": {"vi": "Dự án hạ tầng Cần Thơ – Hậu Giang",
                  "en": "Cần Thơ – Hậu Giang infrastructure projects"},
        "description": {
            "vi": "Các dự án hạ tầng dùng chung của Cần Thơ và Hậu Giang (chương trình "
                  "2021–2025): trạng thái, tiến độ, vốn, vị trí.",
            "en": "The shared infrastructure projects of Cần Thơ and Hậu Giang (2021–2025 "
                  "programme): status, progress, money, location."},
    },
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
