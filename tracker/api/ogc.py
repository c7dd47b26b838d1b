"""OGC API – Features, Part 1: Core (/ogc), without Flask: (session, Request) -> Reply.

Conformance: core, GeoJSON, HTML, OpenAPI 3.0. Two collections: `projects` (the register,
on the fast read path with its feature cache) and `boundaries` (the programme-era province
outlines, for context). QGIS and GDAL add a layer from the landing page URL; GDAL's OAPIF
driver follows the `next` links and types the fields from the collection's JSON Schema
(rel=describedby).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import urlencode

import orjson
import shapely
from shapely.geometry import box
from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker import exports, vocab
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
)
from tracker.errors import BadParameter, NotFound
from tracker.fields import FIELDS
from tracker.formats.geojson import collection_bytes, dumps, encode_features, geometry_geojson
from tracker.models import Boundary
from tracker.params import (
    MAX_LIMIT,
    OGC_DEFAULT_LIMIT,
    check_known,
    parse_datetime,
    parse_format,
    parse_limit,
    parse_offset,
    single,
)
from tracker.queries.features import FeatureCache, select_features
from tracker.queries.figures import projects_extent, selection_stats
from tracker.queries.filter import Period, ProjectFilter, parse_bbox
from tracker.queries.records import select_records

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


def _text(entry: dict[str, str], lang: str) -> str:
    return entry["en" if lang == "en" else "vi"]


def _negotiate(request: Request) -> str:
    """json or html: ?f= wins, else the Accept header (a browser gets HTML), else json."""
    f = parse_format(request.args, ("json", "html"), None)
    if f is not None:
        return f
    accept = {k.lower(): v for k, v in request.headers.items()}.get("accept", "")
    best, best_q = "json", 0.0
    for part in accept.split(","):
        media, _, params = part.strip().partition(";")
        q = 1.0
        for p in params.split(";"):
            name, _, value = p.strip().partition("=")
            if name == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        media = media.strip().lower()
        kind = "html" if media in ("text/html", "application/xhtml+xml") else \
            "json" if "json" in media else None
        if kind and q > best_q:
            best, best_q = kind, q
    return best


def _link(request: Request, path: str, rel: str, media: str, title: str = "",
          query: dict[str, Any] | None = None) -> dict[str, str]:
    out = {"href": request.url(path, urlencode(query or {}, doseq=True)), "rel": rel,
           "type": media}
    if title:
        out["title"] = title
    return out


def _self_and_alternate(request: Request, path: str, fmt: str, json_type: str = JSON,
                        query: dict[str, Any] | None = None) -> list[dict[str, str]]:
    q = dict(query or {})
    json_link = _link(request, path, "self" if fmt == "json" else "alternate", json_type,
                      "JSON", {**q, "f": "json"})
    html_link = _link(request, path, "self" if fmt == "html" else "alternate", "text/html",
                      "HTML", {**q, "f": "html"})
    return [json_link, html_link] if fmt == "json" else [html_link, json_link]


def _reply(request: Request, fmt: str, doc: dict[str, Any], template: str,
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
    fmt = _negotiate(request)
    doc = {
        "title": _text({"vi": "Theo dõi dự án hạ tầng Cần Thơ – Hậu Giang",
                        "en": "Cần Thơ – Hậu Giang infrastructure tracker"}, request.lang),
        "description": "OGC API – Features",
        "links": [
            *_self_and_alternate(request, PREFIX, fmt),
            _link(request, "/api/v1/openapi.json", "service-desc", OPENAPI,
                  "OpenAPI 3.0 definition"),
            _link(request, "/api/v1/", "service-doc", "text/html", "API documentation"),
            _link(request, f"{PREFIX}/conformance", "conformance", JSON, "Conformance"),
            _link(request, f"{PREFIX}/conformance",
                  "http://www.opengis.net/def/rel/ogc/1.0/conformance", JSON, "Conformance"),
            _link(request, f"{PREFIX}/collections", "data", JSON, "Collections"),
            _link(request, f"{PREFIX}/collections", "http://www.opengis.net/def/rel/ogc/1.0/data",
                  JSON, "Collections"),
        ],
    }
    return _reply(request, fmt, doc, "ogc/landing.html")


def conformance(request: Request) -> Reply:
    check_known(request.args, ("f",))
    fmt = _negotiate(request)
    doc = {"conformsTo": list(CONFORMANCE),
           "links": _self_and_alternate(request, f"{PREFIX}/conformance", fmt)}
    return _reply(request, fmt, doc, "ogc/conformance.html")


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
    if cid == "projects":
        bbox, span = projects_extent(session)
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
        "id": cid, "title": _text(meta["title"], request.lang),
        "description": _text(meta["description"], request.lang),
        "itemType": "feature", "crs": [CRS84],
        "links": [
            *_self_and_alternate(request, base, fmt),
            _link(request, f"{base}/items", "items", GEOJSON, "Features (GeoJSON)",
                  {"f": "json"}),
            _link(request, f"{base}/items", "items", "text/html", "Features (HTML)",
                  {"f": "html"}),
            _link(request, f"{base}/schema", "describedby", JSON_SCHEMA, "JSON Schema"),
        ],
    }
    if extent:
        out["extent"] = extent
    if cid == "projects":
        out["links"] += [_link(request, f"/api/v1/projects.{fmt_}", "enclosure",
                               exports.MEDIA_TYPES[fmt_].split(";")[0], f"Download ({fmt_})")
                         for fmt_ in exports.FORMATS]
    return out


def collections(session: Session, request: Request) -> Reply:
    check_known(request.args, ("f",))
    fmt = _negotiate(request)
    doc = {"links": _self_and_alternate(request, f"{PREFIX}/collections", fmt),
           "collections": [_collection(session, request, cid, fmt) for cid in COLLECTIONS]}
    return _reply(request, fmt, doc, "ogc/collections.html",
                  selection_stats(session, ProjectFilter()).last_updated)


def _check_collection(cid: str) -> None:
    if cid not in COLLECTIONS:
        raise NotFound(f"no collection {cid!r}", detail=f"collections: {', '.join(COLLECTIONS)}")


def collection(session: Session, request: Request, cid: str) -> Reply:
    _check_collection(cid)
    check_known(request.args, ("f",))
    fmt = _negotiate(request)
    doc = _collection(session, request, cid, fmt)
    return _reply(request, fmt, doc, "ogc/collection.html",
                  selection_stats(session, ProjectFilter()).last_updated)


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
    _check_collection(cid)
    check_known(request.args, ())
    if cid == "projects":
        props = {f.name: _property(f) for f in FIELDS}
        geometry_types = ["Point", "LineString", "MultiLineString", "Polygon", "MultiPolygon"]
    else:
        props = {name: {"title": name, "type": kind, "description": f"{vi} / {en}"}
                 for name, kind, vi, en in BOUNDARY_FIELDS}
        geometry_types = ["Polygon", "MultiPolygon"]
    doc = {
        "$schema": "https://json-schema.org/draft/2019-09/schema",
        "$id": request.url(f"{PREFIX}/collections/{cid}/schema"),
        "title": _text(COLLECTIONS[cid]["title"], "en"),
        "type": "object",
        "required": ["type", "geometry", "properties"],
        "properties": {
            "type": {"type": "string", "enum": ["Feature"]},
            "id": {"type": "string"},
            "geometry": {"title": "geometry", "description": f"WGS 84 ({', '.join(geometry_types)}"
                         "; null when not located yet)", "x-ogc-role": "primary-geometry",
                         "format": "geometry-any"},
            "properties": {"type": "object", "properties": props},
        },
    }
    return _reply(request, "json", doc, "", json_type=JSON_SCHEMA)


# --------------------------------------------------------------------------- features

def _ogc_bbox(args: Any) -> str | None:
    """bbox with 4 or 6 numbers (the heights of a 6-number box are ignored)."""
    text = single(args, "bbox")
    if text is None:
        return None
    parts = text.split(",")
    if len(parts) == 6:
        parts = [parts[0], parts[1], parts[3], parts[4]]
    return ",".join(parts)


def _items_args(request: Request) -> dict[str, Any]:
    getlist = getattr(request.args, "getlist", None)
    out: dict[str, Any] = {}
    for name in PROPERTY_FILTERS:
        values = getlist(name) if getlist else (
            [request.args[name]] if name in request.args else [])
        if values:
            out[name] = values if name in ("status", "kind", "province") else values[-1]
    bbox = _ogc_bbox(request.args)
    if bbox:
        out["bbox"] = bbox
    return out


def _check_crs(args: Any) -> None:
    """Features are served in CRS84 only; `crs` / `bbox-crs` may name it, nothing else."""
    for name in CRS_PARAMS:
        value = single(args, name)
        if value is not None and value.removeprefix("https:").removeprefix("http:") != \
                CRS84.removeprefix("http:"):
            raise BadParameter(f"{name} {value!r} is not supported",
                               detail=f"features are served in {CRS84} (WGS 84 lon/lat) only",
                               field=name)


def _timestamp() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _paging_links(request: Request, path: str, fmt: str, query: dict[str, Any], limit: int,
                  offset: int, matched: int) -> list[dict[str, str]]:
    json_type = GEOJSON
    links = _self_and_alternate(request, path, fmt, json_type,
                                {**query, "limit": limit, "offset": offset})
    media = json_type if fmt == "json" else "text/html"
    f = "json" if fmt == "json" else "html"
    if offset + limit < matched:
        links.append(_link(request, path, "next", media, "Next page",
                           {**query, "limit": limit, "offset": offset + limit, "f": f}))
    if offset > 0:
        links.append(_link(request, path, "prev", media, "Previous page",
                           {**query, "limit": limit, "offset": max(0, offset - limit),
                            "f": f}))
    return links


def _paging(args: Any) -> tuple[int, int, Period | None]:
    """limit, offset and datetime of an items request, each checked (400 naming it)."""
    limit = parse_limit(args, OGC_DEFAULT_LIMIT, MAX_LIMIT) or OGC_DEFAULT_LIMIT
    return limit, parse_offset(args), parse_datetime(args)


def items(session: Session, request: Request, cid: str,
          cache: FeatureCache | None = None) -> Reply:
    """GET /ogc/collections/<cid>/items: a page of features (bbox, datetime, properties)."""
    _check_collection(cid)
    if cid == "boundaries":
        return _boundary_items(session, request)
    args = request.args
    check_known(args, ITEMS_PARAMS)
    _check_crs(args)
    fmt = _negotiate(request)
    limit, offset, period = _paging(args)
    filter_args = _items_args(request)
    f = ProjectFilter.from_args(filter_args)
    stats = selection_stats(session, f, period)
    query = {**f.to_args(), **({"datetime": single(args, "datetime")} if period else {})}
    path = f"{PREFIX}/collections/projects/items"
    etag = etag_for("items", fmt, html_version(request) if fmt == "html" else "",
                    request.base_url,
                    request.query_key(("lang", "f")), stats.fingerprint(), request.today)
    lm = last_modified_for(stats.last_updated, request.today)
    links = _paging_links(request, path, fmt, query, limit, offset, stats.count)
    links.append(_link(request, f"{PREFIX}/collections/projects", "collection", JSON,
                       _text(COLLECTIONS["projects"]["title"], request.lang)))

    if fmt == "html":
        reply = cached(request, etag, lm, lambda: b"", HTML)
        if reply.status == 200:
            rs = select_records(session, f, request.today, period=period, limit=limit,
                                offset=offset, geometry=False)
            reply.template = "ogc/items.html"
            reply.context = {"collection": "projects", "records": rs.records,
                             "item_url": request.url(f"{path}/"),
                             "matched": stats.count, "returned": len(rs.records),
                             "offset": offset, "limit": limit, "links": links,
                             "title": _text(COLLECTIONS["projects"]["title"], request.lang),
                             "statuses": vocab.STATUS_BY_CODE,
                             "kinds": vocab.KIND_BY_CODE}
        return reply

    def build() -> bytes:
        encoded = select_features(session, f, request.today, period=period, limit=limit,
                                  offset=offset, cache=cache)
        return collection_bytes(encoded, {
            "numberMatched": stats.count, "numberReturned": len(encoded),
            "timeStamp": _timestamp(), "links": links})

    return cached(request, etag, lm, build, GEOJSON)


def item(session: Session, request: Request, cid: str, fid: str) -> Reply:
    """GET /ogc/collections/<cid>/items/<fid>: one feature."""
    _check_collection(cid)
    if cid == "boundaries":
        return _boundary_item(session, request, fid)
    check_known(request.args, ("f", "crs"))
    _check_crs(request.args)
    fmt = _negotiate(request)
    rs = select_records(session, ProjectFilter(codes=(fid,)), request.today, geojson=True)
    if not rs.records:
        raise NotFound(f"no project with code {fid!r}",
                       detail=f"see {request.url(f'{PREFIX}/collections/projects/items')}")
    path = f"{PREFIX}/collections/projects/items/{fid}"
    feature = orjson.loads(encode_features(rs)[0])
    feature["links"] = [*_self_and_alternate(request, path, fmt, GEOJSON),
                        _link(request, f"{PREFIX}/collections/projects", "collection", JSON),
                        _link(request, f"/api/v1/projects/{fid}", "describedby", JSON,
                              "Project detail (funding, sources, history)")]
    stamp = selection_stats(session, ProjectFilter(codes=(fid,))).last_updated
    reply = _reply(request, fmt, feature, "ogc/item.html", stamp, json_type=GEOJSON)
    if reply.template:
        reply.context.update(record=rs.records[0], statuses=vocab.STATUS_BY_CODE,
                             kinds=vocab.KIND_BY_CODE)
    return reply


# --------------------------------------------------------------------------- boundaries

def _boundary_feature(b: Boundary) -> dict[str, Any]:
    province = vocab.PROVINCE_BY_CODE.get(b.code)
    return {"type": "Feature", "id": b.code, "geometry": geometry_geojson(b.geometry),
            "properties": {
                "code": b.code, "name_vi": b.name_vi, "name_en": b.name_en,
                "iso_3166_2": b.iso_3166_2,
                "valid_until": b.valid_until.isoformat() if b.valid_until else None,
                "merged_into_vi": province.merged_into_vi if province else None,
                "merged_into_en": province.merged_into_en if province else None,
                "geometry_accuracy": b.geometry_accuracy, "source": b.source}}


def _boundary_matches(b: Boundary, area: Any, period: Period | None) -> bool:
    if area is not None and not b.geometry.intersects(area):
        return False
    if period is not None and period.start is not None and b.valid_until is not None \
            and b.valid_until < period.start:
        return False
    return True


def _boundary_items(session: Session, request: Request) -> Reply:
    args = request.args
    check_known(args, ("bbox", "limit", "offset", "datetime", "f", *CRS_PARAMS))
    _check_crs(args)
    fmt = _negotiate(request)
    limit, offset, period = _paging(args)
    bbox_text = _ogc_bbox(args)
    area = box(*parse_bbox(bbox_text)) if bbox_text else None
    rows = [b for b in session.scalars(select(Boundary).order_by(Boundary.code))
            if _boundary_matches(b, area, period)]
    page = rows[offset: offset + limit]
    query = {k: v for k, v in (("bbox", bbox_text), ("datetime", single(args, "datetime")))
             if v}
    path = f"{PREFIX}/collections/boundaries/items"
    features = [_boundary_feature(b) for b in page]
    doc: dict[str, Any] = {"type": "FeatureCollection", "numberMatched": len(rows),
           "numberReturned": len(page), "timeStamp": _timestamp(),
           "links": [*_paging_links(request, path, fmt, query, limit, offset, len(rows)),
                     _link(request, f"{PREFIX}/collections/boundaries", "collection", JSON)],
           "features": features}
    stamp = {k: v for k, v in doc.items() if k != "timeStamp"}
    body_key = dumps(stamp)
    etag = etag_for("boundaries", fmt, html_version(request) if fmt == "html" else "",
                    request.base_url, body_key)
    if fmt == "json":
        return cached(request, etag, None, lambda: dumps(doc), GEOJSON)
    reply = cached(request, etag, None, lambda: b"", HTML)
    if reply.status == 200:
        reply.template = "ogc/items.html"
        reply.context = {"collection": "boundaries", "item_url": request.url(f"{path}/"),
                         "records": [f["properties"] for f in features],
                         "matched": len(rows), "returned": len(page), "offset": offset,
                         "limit": limit, "links": doc["links"],
                         "title": _text(COLLECTIONS["boundaries"]["title"], request.lang),
                         "statuses": vocab.STATUS_BY_CODE, "kinds": vocab.KIND_BY_CODE}
    return reply


def _boundary_item(session: Session, request: Request, fid: str) -> Reply:
    check_known(request.args, ("f", "crs"))
    _check_crs(request.args)
    fmt = _negotiate(request)
    b = session.get(Boundary, fid)
    if b is None:
        raise NotFound(f"no boundary with code {fid!r}",
                       detail=f"see {request.url(f'{PREFIX}/collections/boundaries/items')}")
    path = f"{PREFIX}/collections/boundaries/items/{fid}"
    feature = _boundary_feature(b)
    feature["links"] = [*_self_and_alternate(request, path, fmt, GEOJSON),
                        _link(request, f"{PREFIX}/collections/boundaries", "collection", JSON)]
    reply = _reply(request, fmt, feature, "ogc/item.html", json_type=GEOJSON)
    if reply.template:
        reply.context.update(record=feature["properties"], statuses=vocab.STATUS_BY_CODE,
                             kinds=vocab.KIND_BY_CODE)
    return reply
