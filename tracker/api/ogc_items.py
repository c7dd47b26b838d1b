"""OGC API – Features items: the project and boundary collections' features, paged."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import orjson
from shapely.geometry import box
from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker import vocab
from tracker.api.http import (
    GEOJSON,
    HTML,
    JSON,
    Reply,
    Request,
    cached,
    etag_for,
    html_version,
    last_modified_for,
    next_prev_links,
)
from tracker.api.ogc import (
    check_collection,
    link,
    negotiate,
    project_filter,
    reply,
    self_and_alternate,
    text,
)
from tracker.api.ogc_meta import (
    COLLECTIONS,
    CRS84,
    CRS_PARAMS,
    ITEMS_PARAMS,
    PREFIX,
    PROPERTY_FILTERS,
)
from tracker.errors import BadParameter, NotFound
from tracker.exports import site_urls
from tracker.formats.geojson import (
    collection_bytes,
    dumps,
    encode_features,
    geometry_geojson,
    with_site,
)
from tracker.models import Boundary
from tracker.params import (
    MAX_LIMIT,
    OGC_DEFAULT_LIMIT,
    check_known,
    parse_datetime,
    parse_limit,
    parse_offset,
    shown,
    single,
    values,
)
from tracker.periods import Period
from tracker.queries.features import FeatureCache, select_features
from tracker.queries.figures import selection_stats
from tracker.queries.filter import ProjectFilter, parse_bbox
from tracker.queries.records import select_records


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
    out: dict[str, Any] = {}
    for name in PROPERTY_FILTERS:
        given = values(request.args, name)
        if given:
            out[name] = given if name in ("status", "kind", "province") else given[-1]
    bbox = _ogc_bbox(request.args)
    if bbox:
        out["bbox"] = bbox
    moment = single(request.args, "datetime")
    if moment is not None:
        out["datetime"] = moment
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
    links = self_and_alternate(request, path, fmt, json_type,
                                {**query, "limit": limit, "offset": offset})
    media = json_type if fmt == "json" else "text/html"
    f = "json" if fmt == "json" else "html"
    links += next_prev_links(request, path, {**query, "f": f}, limit, offset, matched, media)
    return links


def _paging(args: Any) -> tuple[int, int]:
    """limit and offset of an items request, each checked (400 naming it)."""
    limit = parse_limit(args, OGC_DEFAULT_LIMIT, MAX_LIMIT) or OGC_DEFAULT_LIMIT
    return limit, parse_offset(args)


def items(session: Session, request: Request, cid: str,
          cache: FeatureCache | None = None) -> Reply:
    """GET /ogc/collections/<cid>/items: a page of features (bbox, datetime, properties)."""
    check_collection(cid)
    if cid == "boundaries":
        return _boundary_items(session, request)
    args = request.args
    check_known(args, ITEMS_PARAMS)
    _check_crs(args)
    fmt = negotiate(request)
    limit, offset = _paging(args)
    f = project_filter(cid, ProjectFilter.from_args(
        _items_args(request), today=request.today, stale_days=request.stale_days))
    stats = selection_stats(session, f)
    query = f.to_args()
    path = f"{PREFIX}/collections/{cid}/items"
    etag = etag_for("items", cid, fmt, html_version(request) if fmt == "html" else "",
                    request.base_url,
                    request.query_key(("lang", "f")), stats.fingerprint(), request.today)
    lm = last_modified_for(stats.last_updated, request.today)
    links = _paging_links(request, path, fmt, query, limit, offset, stats.count)
    links.append(link(request, f"{PREFIX}/collections/{cid}", "collection", JSON,
                       text(COLLECTIONS[cid]["title"], request.lang)))

    if fmt == "html":
        reply = cached(request, etag, lm, lambda: b"", HTML)
        if reply.status == 200:
            rs = select_records(session, f, request.today, limit=limit,
                                offset=offset, geometry=False,
                                stale_days=request.stale_days)
            reply.template = "ogc/items.html"
            reply.context = {"collection": "projects", "records": rs.records,
                             "item_url": request.url(f"{path}/"),
                             "matched": stats.count, "returned": len(rs.records),
                             "offset": offset, "limit": limit, "links": links,
                             "title": text(COLLECTIONS[cid]["title"], request.lang),
                             "statuses": vocab.STATUS_BY_CODE,
                             "kinds": vocab.KIND_BY_CODE}
        return reply

    def build() -> bytes:
        encoded = with_site(select_features(session, f, request.today, limit=limit,
                                            offset=offset, cache=cache,
                                            stale_days=request.stale_days), request.base_url)
        return collection_bytes(encoded, {
            "numberMatched": stats.count, "numberReturned": len(encoded),
            "timeStamp": _timestamp(), "links": links})

    return cached(request, etag, lm, build, GEOJSON)


def item(session: Session, request: Request, cid: str, fid: str) -> Reply:
    """GET /ogc/collections/<cid>/items/<fid>: one feature."""
    check_collection(cid)
    if cid == "boundaries":
        return _boundary_item(session, request, fid)
    check_known(request.args, ("f", "crs"))
    _check_crs(request.args)
    fmt = negotiate(request)
    one = project_filter(cid, ProjectFilter(codes=(fid,)))
    rs = select_records(session, one, request.today, geojson=True,
                        stale_days=request.stale_days)
    if not rs.records:
        raise NotFound(f"no project with code {shown(fid)} in {cid}",
                       detail=f"see {request.url(f'{PREFIX}/collections/{cid}/items')}")
    path = f"{PREFIX}/collections/{cid}/items/{fid}"
    feature = orjson.loads(with_site(encode_features(rs), request.base_url)[0])
    feature["links"] = [*self_and_alternate(request, path, fmt, GEOJSON),
                        link(request, f"{PREFIX}/collections/{cid}", "collection", JSON),
                        link(request, f"/api/v1/projects/{fid}", "describedby", JSON,
                              "Project detail (funding, sources, history)")]
    stamp = selection_stats(session, one).last_updated
    answer = reply(request, fmt, feature, "ogc/item.html", stamp, json_type=GEOJSON)
    if answer.template:
        answer.context.update(record=site_urls(rs.records, request.base_url)[0],
                              statuses=vocab.STATUS_BY_CODE, kinds=vocab.KIND_BY_CODE)
    return answer


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
    fmt = negotiate(request)
    limit, offset = _paging(args)
    period = parse_datetime(args)
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
                     link(request, f"{PREFIX}/collections/boundaries", "collection", JSON)],
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
                         "title": text(COLLECTIONS["boundaries"]["title"], request.lang),
                         "statuses": vocab.STATUS_BY_CODE, "kinds": vocab.KIND_BY_CODE}
    return reply


def _boundary_item(session: Session, request: Request, fid: str) -> Reply:
    check_known(request.args, ("f", "crs"))
    _check_crs(request.args)
    fmt = negotiate(request)
    b = session.get(Boundary, fid)
    if b is None:
        raise NotFound(f"no boundary with code {fid!r}",
                       detail=f"see {request.url(f'{PREFIX}/collections/boundaries/items')}")
    path = f"{PREFIX}/collections/boundaries/items/{fid}"
    feature = _boundary_feature(b)
    feature["links"] = [*self_and_alternate(request, path, fmt, GEOJSON),
                        link(request, f"{PREFIX}/collections/boundaries", "collection", JSON)]
    answer = reply(request, fmt, feature, "ogc/item.html", json_type=GEOJSON)
    if answer.template:
        answer.context.update(record=feature["properties"], statuses=vocab.STATUS_BY_CODE,
                             kinds=vocab.KIND_BY_CODE)
    return answer
