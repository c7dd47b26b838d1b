"""The read API (/api/v1), without Flask: functions from (session, Request) to a Reply.

Listing and exports run on the fast read path (tracker.queries.records) and answer a conditional GET
with 304 before building anything; single resources hash their (small) body for the ETag.
tracker/web/api.py is the thin Flask adapter.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any
from urllib.parse import urlencode

from sqlalchemy.orm import Session

from tracker import exports, vocab
from tracker.api.http import (
    GEOJSON,
    HTML,
    JSON,
    OPENAPI,
    Reply,
    Request,
    cached,
    etag_for,
    html_version,
    last_modified_for,
    next_prev_links,
    version_etag,
)
from tracker.api.openapi import document
from tracker.errors import BadParameter, NotFound
from tracker.exports import oc4ids_package as package
from tracker.fields import FIELDS
from tracker.formats.base import CRS_FORMATS, FORMATS, MEDIA_TYPES, export_filename
from tracker.formats.geojson import dumps, geometry_geojson
from tracker.models import Project
from tracker.params import (
    FILTER_PARAMS,
    check_known,
    parse_crs,
    parse_limit,
    parse_offset,
    single,
)
from tracker.queries.features import FeatureCache
from tracker.queries.figures import Group, selection_stats, summary
from tracker.queries.filter import ProjectFilter
from tracker.queries.records import project_record, select_records
from tracker.queries.select import get_project
from tracker.services.components import component_values
from tracker.services.estimates import estimate_values

PREFIX = "/api/v1"
LIST_PARAMS = (*FILTER_PARAMS, "limit", "offset")
EXPORT_PARAMS = (*LIST_PARAMS, "crs", "clip")


def _query(args: dict[str, Any]) -> str:
    return urlencode({k: v for k, v in args.items() if v not in (None, "")}, doseq=True)


def _filter_args(f: ProjectFilter) -> dict[str, str]:
    return f.to_args()


def _page_links(request: Request, path: str, f: ProjectFilter, limit: int, offset: int,
                total: int, media_type: str) -> list[dict[str, Any]]:
    base = _filter_args(f)

    def href(off: int) -> str:
        return request.url(path, _query({**base, "limit": limit, "offset": off or None}))

    links = [{"rel": "self", "href": href(offset), "type": media_type}]
    return links + next_prev_links(request, path, base, limit, offset, total, media_type)


# --------------------------------------------------------------------------- projects

def list_projects(session: Session, request: Request) -> Reply:
    """GET /api/v1/projects: records of the selection, a page at a time (sorted by code)."""
    args = request.args
    check_known(args, LIST_PARAMS)
    f = ProjectFilter.from_args(args, today=request.today,
                              stale_days=request.stale_days)
    limit = parse_limit(args) or 0
    offset = parse_offset(args)
    stats = selection_stats(session, f)
    etag = etag_for("projects", request.base_url, request.query_key(("lang",)),
                    stats.fingerprint(), request.today)

    def build() -> bytes:
        rs = select_records(session, f, request.today, limit=limit, offset=offset,
                            geometry=False, stale_days=request.stale_days)
        items = [{**r, "bbox": list(box) if box else None,
                  "url": request.url(f"{PREFIX}/projects/{r['code']}")}
                 for r, box in zip(exports.site_urls(rs.records, request.base_url), rs.bbox,
                                   strict=True)]
        links = _page_links(request, f"{PREFIX}/projects", f, limit, offset, stats.count, JSON)
        filt = _query(_filter_args(f))
        links += [{"rel": "alternate", "href": request.url(f"{PREFIX}/projects.{fmt}", filt),
                   "type": MEDIA_TYPES[fmt].split(";")[0], "title": fmt}
                  for fmt in FORMATS]
        links.append({"rel": "service-desc", "href": request.url(f"{PREFIX}/openapi.json"),
                      "type": OPENAPI})
        return dumps({"items": items, "total": stats.count, "limit": limit,
                              "offset": offset, "links": links})

    return cached(request, etag, last_modified_for(stats.last_updated, request.today), build,
                  JSON)


def export_projects(session: Session, request: Request, fmt: str,
                    cache: FeatureCache | None = None) -> Reply:
    """GET /api/v1/projects.<fmt>: the selection as a file (every project unless limit)."""
    if fmt not in FORMATS:
        raise NotFound(f"no export format {fmt!r}",
                       detail=f"formats: {', '.join(FORMATS)}")
    args = request.args
    check_known(args, EXPORT_PARAMS)
    f = ProjectFilter.from_args(args, today=request.today,
                              stale_days=request.stale_days)
    limit = parse_limit(args, default=None)
    offset = parse_offset(args)
    crs = parse_crs(args)
    if crs is not None and fmt not in CRS_FORMATS:
        raise BadParameter(f"crs cannot be used with {fmt}",
                           detail=f"{fmt} is always WGS 84 (lon/lat); a CRS can be asked for "
                           f"{', '.join(CRS_FORMATS)}", field="crs")
    clip = single(args, "clip")
    if clip is not None:
        exports.clip_outline(session, clip)  # 400 naming clip before anything is built
    stats = selection_stats(session, f)
    etag = etag_for("export", fmt, crs, request.base_url, request.query_key(("lang",)),
                    stats.fingerprint(), request.today)
    filename = export_filename(fmt, request.today)
    headers = {"Content-Disposition": f'attachment; filename="{filename}"'}

    def build() -> bytes:
        source = request.url(f"{PREFIX}/projects.{fmt}", request.query_key(("lang",)))
        return exports.export_selection(session, f, fmt, request.today, crs=crs, limit=limit,
                                        offset=offset, cache=cache, clip=clip,
                                        base_url=request.base_url, source=source,
                                        stale_days=request.stale_days)[0]

    return cached(request, etag, last_modified_for(stats.last_updated, request.today), build,
                  MEDIA_TYPES[fmt], headers)


def _by_body(request: Request, body: bytes, content_type: str, last_updated: Any,
             today: Any = None, headers: dict[str, str] | None = None) -> Reply:
    etag = etag_for("body", request.base_url, body)
    return cached(request, etag, last_modified_for(last_updated, today), lambda: body,
                  content_type, headers)


def _source(link: Any) -> dict[str, Any]:
    s = link.source
    return {"key": s.key, "title": s.title, "publisher": s.publisher,
            "published_on": s.published_on.isoformat() if s.published_on else None,
            "url": s.url, "locator": s.locator, "supports": link.supports or None}


def _update(u: Any) -> dict[str, Any]:
    return {"as_of": u.as_of_iso, "status": u.status, "progress_pct": u.progress_pct,
            "disbursed_vnd": u.disbursed_vnd, "note": u.note, "note_en": u.note_en,
            "author": u.author,
            "source": u.source.key if u.source else None,
            "recorded_at": u.created_at.isoformat(timespec="seconds") + "Z"
            if u.created_at else None}


def project_or_404(session: Session, code: str) -> Project:
    p = get_project(session, code)
    if p is None:
        raise NotFound(f"no project with code {code!r}",
                       detail=f"codes are listed at {PREFIX}/projects")
    return p


def project_document(p: Project, request: Request) -> dict[str, Any]:
    """The project's JSON resource: the record plus description, geometry, funding, sources."""
    code = p.code
    g = p.geometry
    latest = p.latest_update()
    return {
        **exports.site_urls([project_record(p, request.today, request.stale_days)],
                            request.base_url)[0],
        "description_vi": p.description_vi,
        "description_en": p.description_en,
        "bbox": [p.min_lon, p.min_lat, p.max_lon, p.max_lat] if g is not None else None,
        "geometry": geometry_geojson(g),
        "funding": [{"source_type": fl.source_type, "province": fl.province,
                     "amount_vnd": fl.amount_vnd, "budget_year": fl.budget_year,
                     "note": fl.note, "note_en": fl.note_en,
                     "source": fl.source.key if fl.source else None}
                    for fl in p.funding_lines],
        "latest_update": _update(latest) if latest else None,
        "sources": [_source(link) for link in p.source_links],
        "links": [
            {"rel": "self", "href": request.url(f"{PREFIX}/projects/{code}"), "type": JSON},
            {"rel": "history", "href": request.url(f"{PREFIX}/projects/{code}/updates"),
             "type": JSON},
            {"rel": "estimates", "href": request.url(f"{PREFIX}/projects/{code}/estimates"),
             "type": JSON},
            {"rel": "components", "href": request.url(f"{PREFIX}/projects/{code}/components"),
             "type": JSON},
            {"rel": "alternate", "href": request.url(f"/ogc/collections/projects/items/{code}"),
             "type": GEOJSON},
        ],
    }


def project_body(p: Project, request: Request) -> tuple[bytes, str]:
    """The resource's bytes and its strong ETag: the row version and a digest of the
    document with its links relative, so every host name and every worker of a deploy gives
    the same tag for the same data (what a GET answers, and If-Match is compared with)."""
    body = dumps(project_document(p, request))
    same_everywhere = dumps(project_document(p, replace(request, base_url="")))
    return body, version_etag(p.code, p.version_id, same_everywhere)


def project_detail(session: Session, request: Request, code: str) -> Reply:
    """GET /api/v1/projects/<code>: the record plus description, geometry, funding, sources,
    with a strong ETag from the row version (send it back in If-Match to change it)."""
    check_known(request.args, ())
    p = project_or_404(session, code)
    body, etag = project_body(p, request)
    return cached(request, etag, last_modified_for(p.updated_at, request.today), lambda: body,
                  JSON)


def _project_list(session: Session, request: Request, code: str, part: str,
                  items: Callable[[Project], list[dict[str, Any]]]) -> Reply:
    """GET /api/v1/projects/<code>/<part>: one of the project's lists, with its links."""
    check_known(request.args, ())
    p = project_or_404(session, code)
    listed = items(p)
    doc = {"project": code, "items": listed, "total": len(listed), "links": [
        {"rel": "self", "href": request.url(f"{PREFIX}/projects/{code}/{part}"), "type": JSON},
        {"rel": "up", "href": request.url(f"{PREFIX}/projects/{code}"), "type": JSON}]}
    return _by_body(request, dumps(doc), JSON, p.updated_at)


def project_updates(session: Session, request: Request, code: str) -> Reply:
    """GET /api/v1/projects/<code>/updates: the dated history, oldest first."""
    return _project_list(session, request, code, "updates", lambda p: [
        _update(u) for u in sorted(p.updates, key=lambda u: (u.as_of, u.id or 0))])


def project_estimates(session: Session, request: Request, code: str) -> Reply:
    """GET /api/v1/projects/<code>/estimates: the dated estimates of the total investment in
    the sources' order (oldest first); the last is the current total."""
    return _project_list(session, request, code, "estimates", lambda p: [
        estimate_values(e) for e in sorted(p.estimates, key=lambda e: e.seq)])


def project_components(session: Session, request: Request, code: str) -> Reply:
    """GET /api/v1/projects/<code>/components: the parts a source splits the project into
    (a province's share, a named section), in order."""
    return _project_list(session, request, code, "components", lambda p: [
        component_values(c) for c in sorted(p.components, key=lambda c: c.seq)])


# --------------------------------------------------------------------------- key figures

def _group(g: Any) -> dict[str, Any]:
    """A group's figures; a sum over no known amount is null (no data), not 0."""
    return {"count": g.count, "km": round(g.km, 3),
            "investment_vnd": g.investment_vnd if g.with_investment else None,
            "disbursed_vnd": g.disbursed_vnd if g.with_disbursed else None,
            "with_investment": g.with_investment, "with_disbursed": g.with_disbursed,
            "investment_qualifier": g.investment_qualifier if g.with_investment else None,
            "km_stated": g.km_stated, "km_measured": g.km_measured,
            "km_measured_approximate": g.km_measured_approximate,
            "corridor_shared": g.corridor_shared, "counted_whole": g.counted_whole}


def _by_term(name: str, terms: tuple[vocab.Term, ...], groups: dict[str, Any]
             ) -> list[dict[str, Any]]:
    """A group per term of the vocabulary, in its order (an empty group where none)."""
    return [{name: t.code, "label_vi": t.vi, "label_en": t.en,
             **_group(groups.get(t.code) or Group())} for t in terms]


def key_figures(session: Session, request: Request) -> Reply:
    """GET /api/v1/summary: counts, km and money by programme role, and by status and kind
    within each (the dashboard's numbers); across both roles only when asked. Sums cover the
    projects whose amount is known; with_* say how many that is."""
    check_known(request.args, FILTER_PARAMS)
    f = ProjectFilter.from_args(request.args, today=request.today,
                              stale_days=request.stale_days)
    s = summary(session, f, request.today, request.stale_days)
    stats = selection_stats(session, f)
    together = f.together or len(f.roles) == 1
    doc = {
        "as_of": request.today.isoformat(),
        "filter": f.to_args(),
        # programme and related apart; together (total, by_status, by_kind) only when
        # asked (programme_role=all) or when one role is selected
        "total": _group(s.total) if together else None,
        "by_role": [{"programme_role": r.code, "label_vi": r.vi, "label_en": r.en,
                     **_group(s.by_role[r.code]),
                     "by_status": _by_term("status", vocab.STATUSES, s.by_role_status[r.code]),
                     "by_kind": _by_term("kind", vocab.KINDS, s.by_role_kind[r.code])}
                    for r in vocab.PROGRAMME_ROLES if r.code in s.by_role],
        "by_status": _by_term("status", vocab.STATUSES, s.by_status) if together else None,
        "by_kind": _by_term("kind", vocab.KINDS, s.by_kind) if together else None,
        "late": [{"code": p.code, "name_vi": p.name_vi, "name_en": p.name_en,
                  "planned_end": p.partial_date("planned_end"), "days_late": days,
                  "status_as_of": p.status_as_of_iso(),
                  "late_confirmed": p.code not in s.unconfirmed}
                 for p, days in s.late],
        "late_confirmed": len(s.late) - len(s.unconfirmed),
        "late_unconfirmed": len(s.unconfirmed),
        "stale": s.stale,
        "stale_days": request.stale_days,
        "without_geometry": s.without_geometry,
        "links": [{"rel": "self", "href": request.url(f"{PREFIX}/summary",
                                                      _query(f.to_args())), "type": JSON}],
    }
    return _by_body(request, dumps(doc), JSON, stats.last_updated, request.today)


# --------------------------------------------------------------------------- documents

def openapi_document(request: Request) -> Reply:

    check_known(request.args, ())
    return _by_body(request, dumps(document(request.base_url)), OPENAPI, None)


def oc4ids_package(session: Session, request: Request) -> Reply:
    """GET /api/v1/oc4ids.json: the selection as an OC4IDS project package."""

    check_known(request.args, FILTER_PARAMS)
    f = ProjectFilter.from_args(request.args, today=request.today,
                              stale_days=request.stale_days)
    stats = selection_stats(session, f)
    uri = request.url(f"{PREFIX}/oc4ids.json", _query(f.to_args()))
    doc = package(session, f, uri=uri, published=stats.last_updated, today=request.today)
    return _by_body(request, dumps(doc), JSON, stats.last_updated, request.today)


def api_page(request: Request) -> Reply:
    """GET /api/v1/: the API described for people (endpoints, parameters, fields, formats)."""

    check_known(request.args, ())
    doc = document(request.base_url)
    endpoints = [{"path": path, "summary": op.get("summary", ""),
                  "description": op.get("description", ""),
                  "parameters": [_param(doc, prm) for prm in op.get("parameters", [])],
                  "types": sorted({t for r in op.get("responses", {}).values()
                                   for t in r.get("content", {})})}
                 for path, item in doc["paths"].items() if "get" in item
                 for op in [item["get"]]]
    context = {"endpoints": endpoints, "fields": FIELDS, "formats": FORMATS,
               "media_types": MEDIA_TYPES, "crs_formats": CRS_FORMATS,
               "base_url": request.base_url, "example_date": request.today.isoformat(),
               "statuses": vocab.STATUSES}
    etag = etag_for("api-page", request.base_url, html_version(request), dumps(doc))
    reply = cached(request, etag, None, lambda: b"", HTML)
    if reply.status == 200:
        reply.template, reply.context = "api/index.html", context
    return reply


def _param(doc: dict[str, Any], prm: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in prm:
        prm = doc["components"]["parameters"][prm["$ref"].rsplit("/", 1)[-1]]
    return {"name": prm["name"], "in": prm["in"], "description": prm.get("description", ""),
            "required": prm.get("required", False)}
