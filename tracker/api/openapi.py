"""The OpenAPI 3.0.3 document of the API (/api/v1: reads, exports, writes) and the OGC API –
Features (/ogc).

Built from the same tables the endpoints use (filters, formats, fields, vocabularies,
collections); tests check that it lists exactly the routes the app serves under /api/ and
/ogc, that openapi-spec-validator finds it valid, and (schemathesis) that every answer the app
gives is one the document describes. Each OGC collection has its own paths, so each lists only
the parameters it accepts. The schemas are in tracker.openapi_schemas.
"""

from __future__ import annotations

from typing import Any

from tracker import vocab
from tracker.api import openapi_imports
from tracker.api.http import GEOJSON, JSON, JSON_SCHEMA, OPENAPI
from tracker.api.ogc_meta import (
    COLLECTIONS,
    CRS84,
    FAMILY_COLLECTIONS,
    PROJECT_COLLECTIONS,
    PROPERTY_FILTERS,
)
from tracker.api.openapi_schemas import CODE_PATTERN, bbox_schema, family_schema, ref, schemas
from tracker.api.openapi_writes import SECURITY_SCHEMES, WRITE_PARAMETERS, write_operations
from tracker.api.openapi_writes import schemas as write_schemas
from tracker.formats.base import CARD_PLACES, CRS_FORMATS, FORMATS, MEDIA_TYPES
from tracker.params import (
    DEFAULT_LIMIT,
    MAX_INT,
    MAX_LIMIT,
    MAX_SEARCH_CHARS,
    MAX_SEARCH_WORDS,
    OGC_DEFAULT_LIMIT,
)
from tracker.periods import EARLIEST, LATEST

OPENAPI_VERSION = "3.0.3"
API_VERSION = "1.0.0"
HTML = "text/html"
EXAMPLE_CODE = "ql61c-phase2"


def _q(name: str, description: str, schema: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "description": description,
            "schema": schema, **extra}


def _param_ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/parameters/{name}"}


def _csv_of(codes: tuple[str, ...]) -> dict[str, Any]:
    return {"type": "array", "minItems": 1, "items": {"type": "string", "enum": list(codes)}}


def _path(name: str, description: str, schema: dict[str, Any], example: str
          ) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "description": description,
            "schema": schema, "example": example}


PARAMETERS: dict[str, dict[str, Any]] = {
    "status": _q("status", "Only these statuses (comma-separated or repeated).",
                 _csv_of(vocab.codes(vocab.STATUSES)), style="form", explode=False),
    "kind": _q("kind", "Only these kinds (comma-separated or repeated).",
               _csv_of(vocab.codes(vocab.KINDS)), style="form", explode=False),
    "province": _q("province", "Only projects in these programme-era provinces.",
                   _csv_of(vocab.codes(vocab.PROVINCES)), style="form", explode=False),
    "programme_role": _q(
        "programme_role", "programme: projects of the 2021–2025 cooperation programme; "
        "related: the related projects the two localities push for; all: both (the summary "
        "then also gives them together). Without it both are listed, and totals stay apart.",
        {"type": "string", "enum": [*vocab.codes(vocab.PROGRAMME_ROLES),
                                    vocab.PROGRAMME_ROLE_ALL]}),
    "owner": _q("owner", "The governing body, project owner or private investor contains "
                "this text (diacritics and case are "
                f"ignored); at most {MAX_SEARCH_CHARS} characters and {MAX_SEARCH_WORDS} "
                "words.", {"type": "string", "maxLength": MAX_SEARCH_CHARS}),
    "q": _q("q", "Search code and names; diacritics and case are ignored (bon tong = Bốn Tổng); "
            f"at most {MAX_SEARCH_CHARS} characters and {MAX_SEARCH_WORDS} words.",
            {"type": "string", "maxLength": MAX_SEARCH_CHARS}),
    "bboxFilter": _q("bbox", "minLon,minLat,maxLon,maxLat (WGS 84; longitudes within ±180, "
                     "latitudes within ±90, minimum ≤ maximum): projects whose geometry "
                     "meets the box.", bbox_schema((4,)), style="form", explode=False),
    "updated_since": _q("updated_since", "Only projects updated at or after this ISO 8601 "
                        f"date-time (UTC unless it has an offset) or date, from {EARLIEST} to "
                        f"{LATEST}.",
                        {"type": "string", "format": "date-time"}),
    "stale": _q("stale", "1: only projects whose status needs an update (cần cập nhật: "
                "dated more than TRACKER_STALE_DAYS days before today, default 180, and not "
                "completed or cancelled); 0: only the others.",
                {"type": "string", "enum": ["1", "0", "true", "false"]}),
    "listLimit": _q("limit", f"Page size from 1; above {MAX_LIMIT:,} the maximum is served.",
                    {"type": "integer", "minimum": 1, "maximum": MAX_INT,
                     "default": DEFAULT_LIMIT}),
    "exportLimit": _q("limit", f"At most this many projects (from 1; above {MAX_LIMIT:,} the "
                      "maximum); default: all.",
                      {"type": "integer", "minimum": 1, "maximum": MAX_INT}),
    "offset": _q("offset", "Skip this many projects (sorted by code).",
                 {"type": "integer", "minimum": 0, "maximum": MAX_INT, "default": 0}),
    "exportCrs": _q("crs", "Reproject to this EPSG code, e.g. EPSG:3405 (VN-2000 / UTM 48N, "
                    "with the published 7-parameter shift), EPSG:5897 (VN-2000 / TM-3 482) or "
                    "EPSG:32648; also 3405 or http://www.opengis.net/def/crs/EPSG/0/3405. "
                    "Only a 2D geographic or projected CRS; the file declares it. "
                    "Default WGS 84.", {"type": "string", "example": "EPSG:3405"}),
    "clip": _q("clip", "Cut the selection to this province's outline (of those loaded in the "
               "boundaries collection; any other code is a 400 naming clip): every geometry "
               "keeps its part inside, projects outside it (or not located) are left out, and "
               "each feature gains clipped_to (the code) and clipped_length_km (the length "
               "inside, measured in UTM 48N; null for points and areas). length_km stays the "
               "whole project's.", {"type": "string",
                                    "enum": list(vocab.codes(vocab.PROVINCES))}),
    "lang": _q("lang", "Language of HTML pages and labels: vi (default) or en.",
               {"type": "string", "enum": ["vi", "en"]}),
    # OGC API – Features, Part 1 (names as in the standard's OpenAPI fragments)
    "limit": _q("limit", f"Features per page, from 1; above {MAX_LIMIT:,} the maximum is "
                "served (OGC API - Features, clause 7.15.3).",
                {"type": "integer", "minimum": 1, "maximum": MAX_INT,
                 "default": OGC_DEFAULT_LIMIT}, style="form", explode=False),
    "bbox": _q("bbox", "minLon,minLat,maxLon,maxLat in WGS 84 (OGC:CRS84), or 6 numbers "
               "minLon,minLat,minHeight,maxLon,maxLat,maxHeight (heights are ignored).",
               bbox_schema((4, 6)), style="form", explode=False),
    "datetime": _q("datetime", "A date, date-time or interval (2025-01-01/2026-12-31, "
                   "../2026-12-31, 2026-01-01/..). A project's period runs from its start "
                   "(actual, else planned) to its end (actual, else planned).",
                   {"type": "string"}, style="form", explode=False),
    "crs": _q("crs", "CRS of the response: only OGC:CRS84 (the default) is served.",
              {"type": "string", "format": "uri", "enum": [CRS84]}),
    "bbox-crs": _q("bbox-crs", "CRS of bbox: only OGC:CRS84 (the default).",
                   {"type": "string", "format": "uri", "enum": [CRS84]}),
    "f": _q("f", "Representation: json (GeoJSON / JSON) or html. Without it the Accept "
            "header decides (a browser gets HTML).",
            {"type": "string", "enum": ["json", "html"]}, style="form", explode=False),
    "projectId": _path("featureId", "The project code.",
                       {"type": "string", "pattern": CODE_PATTERN}, EXAMPLE_CODE),
    "boundaryId": _path("featureId", "The province code.",
                        {"type": "string", "enum": list(vocab.codes(vocab.PROVINCES))},
                        "hau-giang"),
    "code": _path("code", "Project code.", {"type": "string", "pattern": CODE_PATTERN},
                  EXAMPLE_CODE),
    **WRITE_PARAMETERS,
}

FILTERS = ("status", "kind", "province", "programme_role", "owner", "q", "bboxFilter",
           "updated_since", "stale")
# Query parameters of the two collections' items (what tracker.api.ogc_items accepts).
_PROJECT_ITEMS = [*PROPERTY_FILTERS, "bbox", "bbox-crs", "limit", "offset", "datetime", "crs",
                  "f"]
ITEMS_PARAMETERS = {
    **{cid: _PROJECT_ITEMS for cid in PROJECT_COLLECTIONS},
    "boundaries": ["bbox", "bbox-crs", "limit", "offset", "datetime", "crs", "f"],
}
FEATURE_SCHEMAS = {
    "projects": ("ProjectFeaturePage", "ProjectFeature", "projectId"),
    **{cid: (f"{family_schema(family)}Page", family_schema(family), "projectId")
       for cid, family in FAMILY_COLLECTIONS.items()},
    "boundaries": ("BoundaryFeaturePage", "BoundaryFeature", "boundaryId")}
ERROR_TEXT = {400: "A parameter is invalid or unknown; `parameter` names it.",
              404: "Not found."}
EXPORT_NOTES = {
    "geojson": "RFC 7946: WGS 84 lon/lat, ≤ 7 decimals, right-hand polygons, id = code.",
    "gpkg": "GeoPackage 1.2: a layer per geometry family (du_an_tuyen lines, du_an_diem "
            "points, du_an_vung areas; one declared type each, the web map's look as its "
            "default QGIS style in layer_styles) and the attributes-only table "
            "du_an_khong_vi_tri; carries its CRS.",
    "shp.zip": "Shapefiles by geometry family (.cpg UTF-8, .prj), README.txt with the "
               "≤ 10-character field names, and the CSV with the full text.",
    "kml": "WGS 84; every attribute in ExtendedData; the Vietnamese name as the label.",
    "csv": "UTF-8 with BOM (Excel); after the record's fields the geometry as WKT and the "
           "centroid as X/Y (WGS 84), so QGIS's delimited-text import draws every row.",
    "xlsx": "Sheet du_an (geometry as WKT and X/Y) and a sheet \"Thông tin\" saying what the "
            "file is and describing every field.",
}
TEXT_FORMATS = ("csv", "kml")


def _content(media: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {media: {"schema": schema}}


def _ok(description: str, content: dict[str, Any],
        extra_headers: dict[str, Any] | None = None) -> dict[str, Any]:
    headers = {"ETag": {"description": "Weak entity tag; send it back in If-None-Match.",
                        "required": True, "schema": {"type": "string"}},
               "Last-Modified": {"description": "When the data last changed.",
                                 "schema": {"type": "string"}}, **(extra_headers or {})}
    return {"200": {"description": description, "headers": headers, "content": content}}


def _errors(*codes: int) -> dict[str, Any]:
    """304 (a conditional GET whose copy is current) and the JSON errors {error, detail}."""
    out: dict[str, Any] = {"304": {"description": "Not modified: the client's copy (If-None-"
                                   "Match / If-Modified-Since) is current; no body."}}
    for code in codes:
        out[str(code)] = {"description": ERROR_TEXT[code],
                          "content": _content(JSON, ref("Error"))}
    return out


def _op(summary: str, tag: str, params: list[str], responses: dict[str, Any],
        description: str = "", operation_id: str = "") -> dict[str, Any]:
    op: dict[str, Any] = {"summary": summary, "tags": [tag],
                          "parameters": [_param_ref(p) for p in [*params, "lang"]],
                          "responses": responses}
    if description:
        op["description"] = description
    if operation_id:
        op["operationId"] = operation_id
    return {"get": op}


def _json_or_html(schema: str, json_type: str = JSON) -> dict[str, Any]:
    return {**_content(json_type, ref(schema)), **_content(HTML, {"type": "string"})}


def _export_path(fmt: str) -> dict[str, Any]:
    params = [*FILTERS, "exportLimit", "offset", "clip"] + (
        ["exportCrs"] if fmt in CRS_FORMATS else [])
    media = MEDIA_TYPES[fmt].split(";")[0]
    if fmt == "geojson":
        schema = ref("ProjectFeatureCollection")
    elif fmt in TEXT_FORMATS:
        schema = {"type": "string"}
    else:
        schema = {"type": "string", "format": "binary"}
    disposition = {"Content-Disposition": {
        "description": f"attachment; filename=\"du-an-YYYY-MM-DD.{fmt}\"",
        "schema": {"type": "string"}}}
    crs_note = "" if fmt in CRS_FORMATS else " crs is refused (400): always WGS 84."
    return _op(f"Export the selection as {fmt}", "exports", params, {
        **_ok(f"{EXPORT_NOTES[fmt]} File name du-an-YYYY-MM-DD.{fmt}.",
              _content(media, schema), disposition),
        **_errors(400)}, f"Every project of the selection unless limit.{crs_note} Each "
        "feature carries source_keys, source_urls and page_url; the file's metadata (export "
        "time, licence, contact, filter) is in "
        f"{CARD_PLACES[fmt]}.", operation_id=f"export_{fmt.replace('.', '_')}")


def _collection_paths(cid: str) -> dict[str, Any]:
    page, feature, id_param = FEATURE_SCHEMAS[cid]
    base = f"/ogc/collections/{cid}"
    name = "".join(part.capitalize() for part in cid.split("-"))
    return {
        base: _op(f"The {cid} collection", "ogc", ["f"], {
            **_ok("Extent (from the data) and links (JSON or HTML).",
                  _json_or_html("Collection")), **_errors(400)},
            operation_id=f"describe{name}Collection"),
        f"{base}/schema": _op(f"JSON Schema of a {cid} feature", "ogc", [], {
            **_ok("JSON Schema (rel=describedby); GDAL types the layer's fields from it.",
                  _content(JSON_SCHEMA, ref("JsonSchema"))), **_errors(400)},
            operation_id=f"get{name}Schema"),
        f"{base}/items": _op(f"Features of the {cid} collection", "ogc",
                             ITEMS_PARAMETERS[cid], {
            **_ok("GeoJSON FeatureCollection with numberMatched, numberReturned, timeStamp "
                  "and next/prev links (or HTML).", _json_or_html(page, GEOJSON)),
            **_errors(400)}, ("Property filters: status, kind, province, owner, q."
                              if cid in PROJECT_COLLECTIONS else "No property filters."),
            operation_id=f"get{name}Features"),
        f"{base}/items/{{featureId}}": _op(f"One feature of the {cid} collection", "ogc",
                                           [id_param, "crs", "f"], {
            **_ok("GeoJSON Feature (or HTML).", _json_or_html(feature, GEOJSON)),
            **_errors(400, 404)}, operation_id=f"get{name}Feature"),
    }


def _paths() -> dict[str, Any]:
    return {
        "/api/v1/": _op("This API, described for people", "api", [], {
            **_ok("HTML page", _content(HTML, {"type": "string"})), **_errors(400)}),
        "/api/v1/openapi.json": _op("This OpenAPI document", "api", [], {
            # keyed by the bare type: clients (openapi-core) match content without parameters
            **_ok(f"OpenAPI 3.0.3, served as {OPENAPI}",
                  _content(OPENAPI.split(";")[0], ref("OpenApiDocument"))),
            **_errors(400)}),
        "/api/v1/projects": _op("List projects", "projects", [*FILTERS, "listLimit", "offset"], {
            **_ok("A page of project records, sorted by code.",
                  _content(JSON, ref("ProjectList"))), **_errors(400)},
            "Filters combine with AND; values within a filter with OR."),
        **{f"/api/v1/projects.{fmt}": _export_path(fmt) for fmt in FORMATS},
        "/api/v1/projects/{code}": _op("One project", "projects", ["code"], {
            **_ok("The record, description, geometry, funding, sources.",
                  _content(JSON, ref("ProjectDetail"))), **_errors(400, 404)}),
        "/api/v1/projects/{code}/updates": _op("A project's history", "projects", ["code"], {
            **_ok("Dated updates, oldest first.", _content(JSON, ref("UpdateList"))),
            **_errors(400, 404)}),
        "/api/v1/projects/{code}/components": _op(
            "A project's components", "projects", ["code"], {
                **_ok("The parts a source splits the project into (a province's share, a "
                      "named section), in order.", _content(JSON, ref("ComponentList"))),
                **_errors(400, 404)}),
        "/api/v1/projects/{code}/estimates": _op(
            "A project's investment estimates", "projects", ["code"], {
                **_ok("Dated estimates of the total investment in the sources' order (oldest "
                      "first); the last is the current total.",
                      _content(JSON, ref("EstimateList"))), **_errors(400, 404)}),
        "/api/v1/summary": _op("Key figures by status and kind", "projects", list(FILTERS), {
            **_ok("Counts, km and money (VND); sums cover known amounts (null: none known).",
                  _content(JSON, ref("Summary"))), **_errors(400)}),
        "/api/v1/oc4ids.json": _op("OC4IDS project package", "projects", list(FILTERS), {
            **_ok("Open Contracting for Infrastructure Data Standard project package; fields "
                  "we do not hold are omitted.", _content(JSON, ref("Oc4idsPackage"))),
            **_errors(400)}),
        "/ogc": _op("Landing page", "ogc", ["f"], {
            **_ok("Links to the API definition, conformance, collections (JSON or HTML).",
                  _json_or_html("LandingPage")), **_errors(400)},
            operation_id="getLandingPage"),
        "/ogc/conformance": _op("Conformance classes", "ogc", ["f"], {
            **_ok("The conformance classes implemented (JSON or HTML).",
                  _json_or_html("Conformance")), **_errors(400)},
            operation_id="getConformanceDeclaration"),
        "/ogc/collections": _op("Feature collections", "ogc", ["f"], {
            **_ok("projects, the same by geometry family (projects-lines, projects-points, "
                  "projects-areas) and boundaries (JSON or HTML).",
                  _json_or_html("Collections")),
            **_errors(400)}, operation_id="getCollections"),
        **{path: item for cid in COLLECTIONS for path, item in _collection_paths(cid).items()},
    }


def _with_writes(paths: dict[str, Any]) -> dict[str, Any]:
    """The read paths, with the write operations added beside their GET."""
    for path, operations in {**write_operations(), **openapi_imports.operations()}.items():
        paths[path] = {**paths.get(path, {}), **operations}
    return paths


def document(base_url: str) -> dict[str, Any]:
    """The OpenAPI document; `base_url` (scheme://host) is its server."""
    return {
        "openapi": OPENAPI_VERSION,
        "info": {"title": "Cần Thơ – Hậu Giang infrastructure tracker API",
                 "version": API_VERSION,
                 "description": "Read API (/api/v1) and OGC API – Features (/ogc) of the "
                 "shared infrastructure projects of Cần Thơ and Hậu Giang. Unknown values are "
                 "null, never 0. Money in VND (integer đồng); dates ISO 8601 at their stated "
                 "precision (YYYY, YYYY-MM or YYYY-MM-DD). Every response carries ETag and "
                 "Last-Modified and answers a conditional GET with 304; JSON is gzipped when "
                 "the client accepts it; GET is open to other origins (CORS). Errors are JSON "
                 "{\"error\", \"detail\"} (and `parameter` for a bad parameter). Writes "
                 "(POST, PATCH, DELETE) need an editor (deleting: an admin), by API token "
                 "(Authorization: Bearer) or by a signed-in session with its CSRF token "
                 "(X-CSRFToken); a change of a project sends If-Match with the project's "
                 "strong ETag."},
        "servers": [{"url": base_url}],
        "tags": [{"name": "projects"}, {"name": "writes"}, {"name": "exports"},
                 {"name": "ogc"}, {"name": "api"}],
        "paths": _with_writes(_paths()),
        "components": {"parameters": PARAMETERS, "schemas": {**schemas(), **write_schemas(),
                                                         **openapi_imports.schemas()},
                       "securitySchemes": SECURITY_SCHEMES},
    }
