"""The OpenAPI 3.0 document of the read API (/api/v1) and the OGC API – Features (/ogc).

Built from the same tables the endpoints use (filters, formats, fields, vocabularies); a test
checks that it lists exactly the routes the app serves under /api/ and /ogc.
"""

from __future__ import annotations

from typing import Any

from . import exports, vocab
from .fields import FIELDS, json_schema_property
from .params import DEFAULT_LIMIT, MAX_LIMIT, OGC_DEFAULT_LIMIT

OPENAPI_VERSION = "3.0.3"
API_VERSION = "1.0.0"


def _q(name: str, description: str, schema: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "description": description,
            "schema": schema, **extra}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/parameters/{name}"}


def _csv_of(codes: tuple[str, ...]) -> dict[str, Any]:
    return {"type": "array", "items": {"type": "string", "enum": list(codes)}}


PARAMETERS: dict[str, dict[str, Any]] = {
    "status": _q("status", "Only these statuses (comma-separated or repeated).",
                 _csv_of(vocab.codes(vocab.STATUSES)), style="form", explode=False),
    "kind": _q("kind", "Only these kinds (comma-separated or repeated).",
               _csv_of(vocab.codes(vocab.KINDS)), style="form", explode=False),
    "province": _q("province", "Only projects in these programme-era provinces.",
                   _csv_of(vocab.codes(vocab.PROVINCES)), style="form", explode=False),
    "owner": _q("owner", "Owner or investor contains this text (case-insensitive).",
                {"type": "string"}),
    "q": _q("q", "Search code and names; diacritics and case are ignored (bon tong = Bốn Tổng).",
            {"type": "string"}),
    "bboxFilter": _q("bbox", "minLon,minLat,maxLon,maxLat (WGS 84): projects whose geometry "
                     "meets the box.", {"type": "array", "minItems": 4, "maxItems": 4,
                                        "items": {"type": "number"}},
                     style="form", explode=False),
    "updated_since": _q("updated_since", "Only projects updated at or after this ISO 8601 "
                        "date or date-time (UTC).", {"type": "string", "format": "date-time"}),
    "listLimit": _q("limit", f"Page size (1–{MAX_LIMIT:,}).",
                    {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT,
                     "default": DEFAULT_LIMIT}),
    "exportLimit": _q("limit", f"At most this many projects (1–{MAX_LIMIT:,}); default: all.",
                      {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT}),
    "offset": _q("offset", "Skip this many projects (sorted by code).",
                 {"type": "integer", "minimum": 0, "default": 0}),
    "exportCrs": _q("crs", "Reproject to this EPSG code, e.g. EPSG:3405 (VN-2000 / UTM 48N, with "
              "the published 7-parameter shift), EPSG:5897 (VN-2000 / TM-3 482) or "
              "EPSG:32648; the file declares it. Default WGS 84.",
              {"type": "string", "example": "EPSG:3405"}),
    "lang": _q("lang", "Language of HTML pages: vi (default) or en.",
               {"type": "string", "enum": ["vi", "en"]}),
    # OGC API – Features, Part 1 (names as the standard's OpenAPI fragments)
    "limit": _q("limit", f"Features per page (1–{MAX_LIMIT:,}).",
                {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT,
                 "default": OGC_DEFAULT_LIMIT}, style="form", explode=False),
    "bbox": _q("bbox", "minLon,minLat,maxLon,maxLat in WGS 84 (OGC:CRS84).",
               {"type": "array", "minItems": 4, "maxItems": 6, "items": {"type": "number"}},
               style="form", explode=False),
    "datetime": _q("datetime", "A date, date-time or interval (2025-01-01/2026-12-31, "
                   "../2026-12-31, 2026-01-01/..). A project's period runs from its start "
                   "(actual, else planned) to its end (actual, else planned).",
                   {"type": "string"}, style="form", explode=False),
    "crs": _q("crs", "CRS of the response: only OGC:CRS84 (the default) is served.",
              {"type": "string", "format": "uri", "enum": [
                  "http://www.opengis.net/def/crs/OGC/1.3/CRS84"]}),
    "bbox-crs": _q("bbox-crs", "CRS of bbox: only OGC:CRS84 (the default).",
                   {"type": "string", "format": "uri", "enum": [
                       "http://www.opengis.net/def/crs/OGC/1.3/CRS84"]}),
    "f": _q("f", "Representation: json (GeoJSON / JSON) or html.",
            {"type": "string", "enum": ["json", "html"]}, style="form", explode=False),
    "collectionId": {"name": "collectionId", "in": "path", "required": True,
                     "description": "projects or boundaries",
                     "schema": {"type": "string", "enum": ["projects", "boundaries"]}},
    "featureId": {"name": "featureId", "in": "path", "required": True,
                  "description": "The project code (projects) or province code (boundaries).",
                  "schema": {"type": "string"}},
    "code": {"name": "code", "in": "path", "required": True, "description": "Project code.",
             "schema": {"type": "string", "pattern": "^[a-z0-9]+(-[a-z0-9]+)*$"}},
}

FILTERS = ("status", "kind", "province", "owner", "q", "bboxFilter", "updated_since")


def _json(schema: str, description: str, media: str = "application/json") -> dict[str, Any]:
    return {"description": description,
            "content": {media: {"schema": {"$ref": f"#/components/schemas/{schema}"}}}}


def _errors(*codes: int) -> dict[str, Any]:
    text = {400: "A parameter is invalid; `parameter` names it.", 404: "Not found.",
            304: "Not modified (conditional GET with If-None-Match / If-Modified-Since)."}
    out: dict[str, Any] = {}
    for code in codes:
        out[str(code)] = ({"description": text[code]} if code == 304 else
                          _json("Error", text[code]))
    return out


def _op(summary: str, tag: str, params: list[str], responses: dict[str, Any],
        description: str = "", operation_id: str = "") -> dict[str, Any]:
    op: dict[str, Any] = {"summary": summary, "tags": [tag],
                          "parameters": [_ref(p) for p in [*params, "lang"]],
                          "responses": responses}
    if description:
        op["description"] = description
    if operation_id:
        op["operationId"] = operation_id
    return {"get": op}


def _export_path(fmt: str) -> dict[str, Any]:
    params = [*FILTERS, "exportLimit", "offset"] + (["exportCrs"] if fmt in exports.CRS_FORMATS
                                                     else [])
    media = exports.MEDIA_TYPES[fmt].split(";")[0]
    notes = {
        "geojson": "RFC 7946: WGS 84 lon/lat, ≤ 7 decimals, right-hand polygons, id = code.",
        "gpkg": "One layer `du_an` with every attribute; carries its CRS.",
        "shp.zip": "Shapefiles by geometry family (.cpg UTF-8, .prj), README.txt with the "
                   "≤ 10-character field names, and the CSV with the full text.",
        "kml": "WGS 84; every attribute in ExtendedData; the Vietnamese name as the label.",
        "csv": "UTF-8 with BOM (Excel), geometry as WKT (WGS 84) in the last column.",
        "xlsx": "Sheet du_an (geometry as WKT) and a sheet describing every field.",
    }[fmt]
    return _op(f"Export the selection as {fmt}", "exports", params, {
        "200": {"description": f"{notes} File name du-an-YYYY-MM-DD.{fmt}.",
                "content": {media: {"schema": {"type": "string", "format": "binary"}}}},
        **_errors(304, 400)}, operation_id=f"export_{fmt.replace('.', '_')}")


def _record_schema() -> dict[str, Any]:
    return {"type": "object", "properties": {f.name: json_schema_property(f) for f in FIELDS},
            "required": ["code"]}


def document(base_url: str) -> dict[str, Any]:
    """The OpenAPI document; `base_url` (scheme://host) is its server."""
    feature_ops = [*FILTERS[:-2], "bbox", "bbox-crs", "limit", "offset", "datetime", "crs",
                   "f"]
    paths: dict[str, Any] = {
        "/api/v1/": _op("This API, described for people", "api", [], {
            "200": {"description": "HTML page", "content": {"text/html": {}}}}),
        "/api/v1/openapi.json": _op("This OpenAPI document", "api", [], {
            "200": {"description": "OpenAPI 3.0",
                    "content": {"application/vnd.oai.openapi+json;version=3.0": {}}},
            **_errors(304)}),
        "/api/v1/projects": _op("List projects", "projects",
                                [*FILTERS, "listLimit", "offset"], {
            "200": _json("ProjectList", "A page of project records, sorted by code."),
            **_errors(304, 400)}, "Filters combine with AND; values within a filter with OR."),
        **{f"/api/v1/projects.{fmt}": _export_path(fmt) for fmt in exports.FORMATS},
        "/api/v1/projects/{code}": _op("One project", "projects", ["code"], {
            "200": _json("ProjectDetail", "The record, description, geometry, funding, "
                         "sources."), **_errors(304, 404)}),
        "/api/v1/projects/{code}/updates": _op("A project's history", "projects", ["code"], {
            "200": _json("UpdateList", "Dated updates, oldest first."), **_errors(304, 404)}),
        "/api/v1/summary": _op("Key figures by status and kind", "projects", list(FILTERS), {
            "200": _json("Summary", "Counts, km and money (VND); sums cover known amounts."),
            **_errors(304, 400)}),
        "/api/v1/oc4ids.json": _op("OC4IDS project package", "projects", list(FILTERS), {
            "200": {"description": "Open Contracting for Infrastructure Data Standard 0.9 "
                    "project package; fields we do not hold are omitted.",
                    "content": {"application/json": {}}}, **_errors(304, 400)}),
        "/ogc": _op("Landing page", "ogc", ["f"], {
            "200": _json("LandingPage", "Links to the API definition, conformance, "
                         "collections."), **_errors(304, 400)}, operation_id="getLandingPage"),
        "/ogc/conformance": _op("Conformance classes", "ogc", ["f"], {
            "200": _json("Conformance", "The conformance classes implemented."),
            **_errors(304, 400)}, operation_id="getConformanceDeclaration"),
        "/ogc/collections": _op("Feature collections", "ogc", ["f"], {
            "200": _json("Collections", "projects and boundaries."), **_errors(304, 400)},
            operation_id="getCollections"),
        "/ogc/collections/{collectionId}": _op("A collection", "ogc", ["collectionId", "f"], {
            "200": _json("Collection", "Extent (from the data), links."),
            **_errors(304, 400, 404)}, operation_id="describeCollection"),
        "/ogc/collections/{collectionId}/schema": _op(
            "JSON Schema of the collection's features", "ogc", ["collectionId"], {
                "200": {"description": "JSON Schema",
                        "content": {"application/schema+json": {}}},
                **_errors(304, 404)}),
        "/ogc/collections/{collectionId}/items": _op(
            "Features of a collection", "ogc", ["collectionId", *feature_ops], {
                "200": {"description": "GeoJSON FeatureCollection with numberMatched, "
                        "numberReturned, timeStamp and next/prev links (or HTML).",
                        "content": {"application/geo+json": {
                            "schema": {"$ref": "#/components/schemas/FeatureCollection"}},
                            "text/html": {}}},
                **_errors(304, 400, 404)}, "Property filters: status, kind, province, owner "
            "(projects only).", operation_id="getFeatures"),
        "/ogc/collections/{collectionId}/items/{featureId}": _op(
            "One feature", "ogc", ["collectionId", "featureId", "crs", "f"], {
                "200": {"description": "GeoJSON Feature (or HTML).",
                        "content": {"application/geo+json": {}, "text/html": {}}},
                **_errors(304, 400, 404)}, operation_id="getFeature"),
    }
    link = {"type": "object", "required": ["href"], "properties": {
        "href": {"type": "string"}, "rel": {"type": "string"}, "type": {"type": "string"},
        "title": {"type": "string"}}}
    links = {"type": "array", "items": {"$ref": "#/components/schemas/Link"}}
    schemas: dict[str, Any] = {
        "Link": link,
        "Error": {"type": "object", "required": ["error"], "properties": {
            "error": {"type": "string"}, "detail": {"type": "string", "nullable": True},
            "parameter": {"type": "string"}}},
        "Project": _record_schema(),
        "ProjectList": {"type": "object", "properties": {
            "items": {"type": "array", "items": {"allOf": [
                {"$ref": "#/components/schemas/Project"},
                {"type": "object", "properties": {
                    "bbox": {"type": "array", "items": {"type": "number"}, "nullable": True},
                    "url": {"type": "string"}}}]}},
            "total": {"type": "integer"}, "limit": {"type": "integer"},
            "offset": {"type": "integer"}, "links": links}},
        "ProjectDetail": {"allOf": [{"$ref": "#/components/schemas/Project"}, {
            "type": "object", "properties": {
                "description_vi": {"type": "string", "nullable": True},
                "description_en": {"type": "string", "nullable": True},
                "geometry": {"type": "object", "nullable": True},
                "bbox": {"type": "array", "items": {"type": "number"}, "nullable": True},
                "funding": {"type": "array", "items": {"type": "object"}},
                "latest_update": {"type": "object", "nullable": True},
                "sources": {"type": "array", "items": {"type": "object"}},
                "links": links}}]},
        "UpdateList": {"type": "object", "properties": {
            "project": {"type": "string"}, "total": {"type": "integer"},
            "items": {"type": "array", "items": {"type": "object", "properties": {
                "as_of": {"type": "string"}, "status": {"type": "string"},
                "progress_pct": {"type": "number", "nullable": True},
                "disbursed_vnd": {"type": "integer", "nullable": True},
                "note": {"type": "string", "nullable": True},
                "note_en": {"type": "string", "nullable": True},
                "author": {"type": "string", "nullable": True},
                "source": {"type": "string", "nullable": True},
                "recorded_at": {"type": "string", "format": "date-time"}}}},
            "links": links}},
        "Summary": {"type": "object", "properties": {
            "as_of": {"type": "string", "format": "date"}, "total": {"type": "object"},
            "by_status": {"type": "array", "items": {"type": "object"}},
            "by_kind": {"type": "array", "items": {"type": "object"}},
            "late": {"type": "array", "items": {"type": "object"}},
            "without_geometry": {"type": "integer"}}},
        "LandingPage": {"type": "object", "required": ["links"], "properties": {
            "title": {"type": "string"}, "description": {"type": "string"}, "links": links}},
        "Conformance": {"type": "object", "required": ["conformsTo"], "properties": {
            "conformsTo": {"type": "array", "items": {"type": "string"}}}},
        "Collection": {"type": "object", "required": ["id", "links"], "properties": {
            "id": {"type": "string"}, "title": {"type": "string"},
            "description": {"type": "string"}, "extent": {"type": "object"},
            "itemType": {"type": "string"}, "crs": {"type": "array",
                                                    "items": {"type": "string"}},
            "links": links}},
        "Collections": {"type": "object", "required": ["links", "collections"], "properties": {
            "links": links, "collections": {
                "type": "array", "items": {"$ref": "#/components/schemas/Collection"}}}},
        "FeatureCollection": {"type": "object", "required": ["type", "features"], "properties": {
            "type": {"type": "string", "enum": ["FeatureCollection"]},
            "features": {"type": "array", "items": {"type": "object"}},
            "numberMatched": {"type": "integer"}, "numberReturned": {"type": "integer"},
            "timeStamp": {"type": "string", "format": "date-time"}, "links": links}},
    }
    return {
        "openapi": OPENAPI_VERSION,
        "info": {"title": "Cần Thơ – Hậu Giang infrastructure tracker API",
                 "version": API_VERSION,
                 "description": "Read API (/api/v1) and OGC API – Features (/ogc) of the "
                 "shared infrastructure projects of Cần Thơ and Hậu Giang. Unknown values are "
                 "null, never 0. Money in VND (integer đồng); dates ISO 8601 at their stated "
                 "precision (YYYY, YYYY-MM or YYYY-MM-DD). Every response carries ETag and "
                 "Last-Modified and answers a conditional GET with 304; JSON is gzipped when "
                 "the client accepts it; GET is open to other origins (CORS)."},
        "servers": [{"url": base_url}],
        "tags": [{"name": "projects"}, {"name": "exports"}, {"name": "ogc"}, {"name": "api"}],
        "paths": paths,
        "components": {"parameters": PARAMETERS, "schemas": schemas},
    }
