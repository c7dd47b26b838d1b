"""OGC API – Features, Part 1: Core (/ogc), without Flask: (session, Request) -> Reply.

Conformance: core, GeoJSON, HTML, OpenAPI 3.0. Collections: `projects` (the register, on the
fast read path with its feature cache), the same by geometry family (`projects-lines`,
`projects-points`, `projects-areas`: one geometry type each, which QGIS needs to draw every
feature) and `boundaries` (the programme-era province outlines, for context). QGIS and GDAL
add a layer from the landing page URL; GDAL's OAPIF driver follows the `next` links and types
the fields from the collection's JSON Schema (rel=describedby).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any
from urllib.parse import urlencode

import shapely
from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker import vocab
from tracker.api.http import (
    GEOJSON,
    HTML,
    JSON,
    JSON_SCHEMA,
    OPENAPI,
    Reply,
    Request,
    cached,
    etag_for,
    html_version,
    last_modified_for,
    negotiate_format,
)
from tracker.api.ogc_meta import (
    COLLECTIONS,
    CONFORMANCE,
    CRS84,
    FAMILY_COLLECTIONS,
    GEOMETRY_FORMATS,
    GREGORIAN,
    PREFIX,
    PROJECT_COLLECTIONS,
)
from tracker.errors import NotFound
from tracker.fields import FIELDS
from tracker.formats.base import FORMATS, MEDIA_TYPES
from tracker.formats.geojson import dumps
from tracker.models import Boundary
from tracker.params import (
    check_known,
    parse_format,
)
from tracker.queries.figures import projects_extent, selection_stats
from tracker.queries.filter import ProjectFilter


def text(entry: dict[str, str], lang: str) -> str:
    return entry["en" if lang == "en" else "vi"]


def negotiate(request: Request) -> str:
    """json or html: ?f= wins, else the Accept header (a browser gets HTML), else json."""
    f = parse_format(request.args, ("json", "html"), None)
    if f is not None:
        return f
    accept = {k.lower(): v for k, v in request.headers.items()}.get("accept", "")
    return negotiate_format(accept, "json")


def link(request: Request, path: str, rel: str, media: str, title: str = "",
          query: dict[str, Any] | None = None) -> dict[str, str]:
    out = {"href": request.url(path, urlencode(query or {}, doseq=True)), "rel": rel,
           "type": media}
    if title:
        out["title"] = title
    return out


def self_and_alternate(request: Request, path: str, fmt: str, json_type: str = JSON,
                        query: dict[str, Any] | None = None) -> list[dict[str, str]]:
    q = dict(query or {})
    json_link = link(request, path, "self" if fmt == "json" else "alternate", json_type,
                      "JSON", {**q, "f": "json"})
    html_link = link(request, path, "self" if fmt == "html" else "alternate", "text/html",
                      "HTML", {**q, "f": "html"})
    return [json_link, html_link] if fmt == "json" else [html_link, json_link]


def reply(request: Request, fmt: str, doc: dict[str, Any], template: str,
           last_updated: Any = None, json_type: str = JSON) -> Reply:
    """JSON body, or the HTML template with the same document as context."""
    body = dumps(doc)
    etag = etag_for("ogc", fmt, html_version(request) if fmt == "html" else "",
                    request.base_url, body)
    lm = last_modified_for(last_updated)
    if fmt == "json":
        return cached(request, etag, lm, lambda: body, json_type)
    reply = cached(request, etag, lm, lambda: b"", HTML)
    if reply.status == 200:
        reply.template, reply.context = template, {"doc": doc}
    return reply


# --------------------------------------------------------------------------- landing pages

def landing(request: Request) -> Reply:
    check_known(request.args, ("f",))
    fmt = negotiate(request)
    doc = {
        "title": text({"vi": "Theo dõi dự án hạ tầng Cần Thơ – Hậu Giang",
                        "en": "Cần Thơ – Hậu Giang infrastructure tracker"}, request.lang),
        "description": "OGC API – Features",
        "links": [
            *self_and_alternate(request, PREFIX, fmt),
            link(request, "/api/v1/openapi.json", "service-desc", OPENAPI,
                  "OpenAPI 3.0 definition"),
            link(request, "/api/v1/", "service-doc", "text/html", "API documentation"),
            link(request, f"{PREFIX}/conformance", "conformance", JSON, "Conformance"),
            link(request, f"{PREFIX}/conformance",
                  "http://www.opengis.net/def/rel/ogc/1.0/conformance", JSON, "Conformance"),
            link(request, f"{PREFIX}/collections", "data", JSON, "Collections"),
            link(request, f"{PREFIX}/collections", "http://www.opengis.net/def/rel/ogc/1.0/data",
                  JSON, "Collections"),
        ],
    }
    return reply(request, fmt, doc, "ogc/landing.html")


def conformance(request: Request) -> Reply:
    check_known(request.args, ("f",))
    fmt = negotiate(request)
    doc = {"conformsTo": list(CONFORMANCE),
           "links": self_and_alternate(request, f"{PREFIX}/conformance", fmt)}
    return reply(request, fmt, doc, "ogc/conformance.html")


def _interval(span: tuple[date | None, date | None] | None) -> list[list[str | None]] | None:
    if span is None:
        return None
    start, end = span
    return [[f"{start.isoformat()}T00:00:00Z" if start else None,
             f"{end.isoformat()}T23:59:59Z" if end else None]]


def _boundary_extent(session: Session) -> tuple[Any, Any]:
    rows = session.execute(select(Boundary.geometry, Boundary.valid_until)).all()
    if not rows:
        return None, None
    bounds = shapely.total_bounds([g for g, _ in rows])
    ends = [v for _, v in rows if v is not None]
    return tuple(float(v) for v in bounds), (None, max(ends)) if ends else None


def _collection(session: Session, request: Request, cid: str, fmt: str) -> dict[str, Any]:
    meta = COLLECTIONS[cid]
    if cid in PROJECT_COLLECTIONS:
        bbox, span = projects_extent(session, project_filter(cid))
    else:
        bbox, span = _boundary_extent(session)
    extent: dict[str, Any] = {}
    if bbox is not None:
        extent["spatial"] = {"bbox": [list(bbox)], "crs": CRS84}
    interval = _interval(span)
    if interval is not None:
        extent["temporal"] = {"interval": interval, "trs": GREGORIAN}
    base = f"{PREFIX}/collections/{cid}"
    out: dict[str, Any] = {
        "id": cid, "title": text(meta["title"], request.lang),
        "description": text(meta["description"], request.lang),
        "itemType": "feature", "crs": [CRS84],
        "links": [
            *self_and_alternate(request, base, fmt),
            link(request, f"{base}/items", "items", GEOJSON, "Features (GeoJSON)",
                  {"f": "json"}),
            link(request, f"{base}/items", "items", "text/html", "Features (HTML)",
                  {"f": "html"}),
            link(request, f"{base}/schema", "describedby", JSON_SCHEMA, "JSON Schema"),
        ],
    }
    if extent:
        out["extent"] = extent
    if cid == "projects":
        out["links"] += [link(request, f"/api/v1/projects.{fmt_}", "enclosure",
                               MEDIA_TYPES[fmt_].split(";")[0], f"Download ({fmt_})")
                         for fmt_ in FORMATS]
    return out


def collections(session: Session, request: Request) -> Reply:
    check_known(request.args, ("f",))
    fmt = negotiate(request)
    doc = {"links": self_and_alternate(request, f"{PREFIX}/collections", fmt),
           "collections": [_collection(session, request, cid, fmt) for cid in COLLECTIONS]}
    return reply(request, fmt, doc, "ogc/collections.html",
                  selection_stats(session, ProjectFilter()).last_updated)


def check_collection(cid: str) -> None:
    if cid not in COLLECTIONS:
        raise NotFound(f"no collection {cid!r}", detail=f"collections: {', '.join(COLLECTIONS)}")


def collection(session: Session, request: Request, cid: str) -> Reply:
    check_collection(cid)
    check_known(request.args, ("f",))
    fmt = negotiate(request)
    doc = _collection(session, request, cid, fmt)
    return reply(request, fmt, doc, "ogc/collection.html",
                  selection_stats(session, project_filter(cid)).last_updated)


def _property(f: Any) -> dict[str, Any]:
    """A field for the JSON Schema: one type (GDAL types its OGR fields from it); unknown
    values are null. Money is a JSON number, as large as 9,007,199,254,740,991 exactly."""
    kind = "number" if f.format == "int64" else f.type
    out = {"title": f.name, "description": f"{f.vi} / {f.en} (null: chưa có dữ liệu / no data)",
           "type": kind}
    if f.name == "status":
        out["enum"] = list(vocab.codes(vocab.STATUSES))
    elif f.name == "kind":
        out["enum"] = list(vocab.codes(vocab.KINDS))
    return out


BOUNDARY_FIELDS = (("code", "string", "Mã tỉnh", "Province code"),
                   ("name_vi", "string", "Tên tiếng Việt", "Name in Vietnamese"),
                   ("name_en", "string", "Tên tiếng Anh", "Name in English"),
                   ("iso_3166_2", "string", "Mã ISO 3166-2", "ISO 3166-2 code"),
                   ("valid_until", "string", "Hiệu lực đến (ngày)", "Valid until (date)"),
                   ("merged_into_vi", "string", "Sáp nhập vào", "Merged into (vi)"),
                   ("merged_into_en", "string", "Sáp nhập vào (en)", "Merged into (en)"),
                   ("geometry_accuracy", "string", "Độ chính xác", "Accuracy"),
                   ("source", "string", "Nguồn", "Source"))


def schema(request: Request, cid: str) -> Reply:
    """GET /ogc/collections/<cid>/schema: JSON Schema of a feature (rel=describedby)."""
    check_collection(cid)
    check_known(request.args, ())
    family = FAMILY_COLLECTIONS.get(cid)
    geometry_format = "geometry-any"
    if cid in PROJECT_COLLECTIONS:
        props = {f.name: _property(f) for f in FIELDS}
        geometry_types = list(family.types) if family else [
            "Point", "LineString", "MultiLineString", "Polygon", "MultiPolygon"]
        if family:
            geometry_format = GEOMETRY_FORMATS[family.key]
    else:
        props = {name: {"title": name, "type": kind, "description": f"{vi} / {en}"}
                 for name, kind, vi, en in BOUNDARY_FIELDS}
        geometry_types = ["Polygon", "MultiPolygon"]
        geometry_format = GEOMETRY_FORMATS["polygon"]
    null_note = "" if family or cid == "boundaries" else "; null when not located yet"
    doc = {
        "$schema": "https://json-schema.org/draft/2019-09/schema",
        "$id": request.url(f"{PREFIX}/collections/{cid}/schema"),
        "title": text(COLLECTIONS[cid]["title"], "en"),
        "type": "object",
        "required": ["type", "geometry", "properties"],
        "properties": {
            "type": {"type": "string", "enum": ["Feature"]},
            "id": {"type": "string"},
            "geometry": {"title": "geometry", "description": f"WGS 84 ({', '.join(geometry_types)}"
                         f"{null_note})", "x-ogc-role": "primary-geometry",
                         "format": geometry_format},
            "properties": {"type": "object", "properties": props},
        },
    }
    return reply(request, "json", doc, "", json_type=JSON_SCHEMA)


# --------------------------------------------------------------------------- features


# --------------------------------------------------------------------------- boundaries


def project_filter(cid: str, f: ProjectFilter | None = None) -> ProjectFilter:
    """The filter of a project collection: `f` (every project) within its geometry family."""
    f = f or ProjectFilter()
    family = FAMILY_COLLECTIONS.get(cid)
    return replace(f, geometry_types=family.types) if family else f
