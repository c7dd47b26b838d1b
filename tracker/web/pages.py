"""HTML pages: the dashboard, the planners' map, the status table, the project page, and the
table's machine-readable twins (CSV, GeoJSON).

Views are thin: parse the filter (ProjectFilter.from_args: a bad value is a 400 page), call
tracker.queries, render. The same filter arguments drive /, /map, /projects and the export
links, so what a person sees is what they export.
"""

from __future__ import annotations

import hashlib
import math
from datetime import date, datetime, time
from typing import Any

import orjson
from flask import Blueprint, Response, jsonify, render_template, request, url_for

from maps.features import map_features, map_features_chunks, popup_properties
from maps.project_map import MapData
from tracker import formatting, params, vocab
from tracker.dates import display_partial
from tracker.errors import BadParameter, NotFound
from tracker.exports import export_selection, project_features
from tracker.formats.base import MEDIA_TYPES, export_filename
from tracker.formats.geojson import geometry_geojson
from tracker.gcpause import gc_paused
from tracker.i18n import current_lang, gettext
from tracker.models import Project
from tracker.queries import figures
from tracker.queries.figures import selection_stats, summary
from tracker.queries.filter import ProjectFilter
from tracker.queries.select import (
    TABLE_SORTS,
    boundaries,
    count_projects,
    get_project,
    map_rows,
    select_projects,
)
from tracker.rules import (
    days_late,
    disbursement_rate,
    display_name,
    effective_length_km,
    is_stale,
    late_confirmed,
    same_estimate_share,
    status_age_days,
)
from tracker.web import page_text
from tracker.web.adapter import feature_cache
from tracker.web.helpers import DEFAULT_SORT, filter_args, template_helpers
from tracker.web.map_frames import map_parts
from tracker.web.request import db_session, state

bp = Blueprint("pages", __name__, static_folder="static", static_url_path="/static/tracker")
bp.app_context_processor(template_helpers)
bp.app_context_processor(page_text.helpers)  # the page's data date, filter in words

PAGE_SIZE = 100
FEATURES_FORMAT = "map-features-1"  # change when maps.features' output changes (ETags)
DASHBOARD_LATE = 10
TRUE_VALUES = ("1", "true", "yes", "on")
FALSE_VALUES = ("", "0", "false", "no", "off")


# --------------------------------------------------------------------------- request parsing

def _filter() -> ProjectFilter:
    return ProjectFilter.from_args(request.args, today=state().today(),
                                   stale_days=state().settings.stale_days)


def _flag(name: str) -> bool:
    raw = request.args.get(name, "").strip().lower()
    if raw in TRUE_VALUES:
        return True
    if raw in FALSE_VALUES:
        return False
    raise BadParameter(f"{name} must be 1 or 0", detail=f"got {raw!r}", field=name)


def _page_number() -> int:
    return params.parse_page(request.args)


def _sort() -> tuple[str, bool]:
    sort = request.args.get("sort", "").strip() or DEFAULT_SORT
    if sort not in TABLE_SORTS:
        raise BadParameter(f"cannot sort by {sort!r}",
                           detail=f"one of {', '.join(TABLE_SORTS)}", field="sort")
    return sort, _flag("desc")


# --------------------------------------------------------------------------- template helpers


# --------------------------------------------------------------------------- map pieces

def _boundaries() -> dict[str, Any] | None:
    rows = boundaries(db_session())
    if not rows:
        return None
    lang = current_lang()
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "id": b.code, "geometry": geometry_geojson(b.geometry),
         "properties": {"name": display_name(b.name_vi, b.name_en, lang)}}
        for b in rows]}


def _map_data(**kwargs: Any) -> MapData:
    """This request's map data (passed as JSON beside the cached frame, never templated)."""
    return MapData(boundaries=_boundaries(), project_url=url_for("pages.table") + "/",
                   popup_url=url_for("pages.map_popup", code="CODE").removesuffix(
                       "CODE.json"), **kwargs)


def _bbox(p: Project) -> tuple[float, float, float, float] | None:
    if p.min_lon is None or p.min_lat is None or p.max_lon is None or p.max_lat is None:
        return None
    return (p.min_lon, p.min_lat, p.max_lon, p.max_lat)


# --------------------------------------------------------------------------- rows for tables

def status_facts(p: Project, today: date, stale_days: int) -> dict[str, Any]:
    """How old the project's status is and what its lateness rests on (tracker.rules), and
    the words for them in the reader's language."""
    late = days_late(p, today)
    return {
        "days_late": late,
        "status_as_of": formatting.status_as_of(p.status_as_of, p.status_as_of_precision,
                                                today, current_lang()),
        "status_as_of_date": display_partial(p.status_as_of, p.status_as_of_precision),
        "status_as_of_iso": p.status_as_of_iso(),
        "status_age": formatting.status_age(p.status_as_of, p.status_as_of_precision, today,
                                            current_lang()),
        "status_age_days": status_age_days(p.status_as_of, today),
        "stale": is_stale(p.status, p.status_as_of, today, stale_days),
        "late_confirmed": late_confirmed(p.planned_end, p.status_as_of, late),
    }


def table_row(p: Project, today: date, stale_days: int) -> dict[str, Any]:
    lang = current_lang()
    return {
        "code": p.code,
        "name": display_name(p.name_vi, p.name_en, lang),
        "kind": p.kind,
        "status": p.status,
        "progress_pct": p.progress_pct,
        "length_km": p.length_km,
        # the length totals use: stated at its precision, else measured (and marked so)
        "stated_length_km": p.stated_length_km,
        "stated_length_decimals": p.stated_length_decimals,
        "length_source": effective_length_km(p.stated_length_km, p.length_km)[1],
        "on_map": p.geometry_type is not None,
        "investment": p.total_investment_vnd,
        "investment_qualifier": p.total_investment_qualifier,
        "disbursed": p.disbursed_vnd,
        "disbursement_pct": disbursement_rate(p),
        "planned_end": display_partial(p.planned_end, p.planned_end_precision),
        **status_facts(p, today, stale_days),
    }


def _geojson_response(body: bytes, filename: str | None = None) -> Response:
    headers = {"Content-Disposition": f'attachment; filename="{filename}"'} if filename else {}
    return Response(body, mimetype="application/geo+json", headers=headers)


# --------------------------------------------------------------------------- views

@bp.route("/healthz")
def healthz() -> Any:
    session = db_session()
    return jsonify({"status": "ok", "projects": count_projects(session, ProjectFilter())})


@bp.route("/")
def index() -> str:
    f = _filter()
    today = state().today()
    stale_days = state().settings.stale_days
    result = summary(db_session(), f, today, stale_days)
    return render_template("index.html", f=f, summary=result, today=today,
                           stale_days=stale_days,
                           late=result.late_confirmed[:DASHBOARD_LATE],
                           unconfirmed=result.late_unconfirmed[:DASHBOARD_LATE])


@bp.route("/map")
def map_page() -> str:
    f = _filter()
    session = db_session()
    extent = figures.extent(session, f)
    bounds = extent.bounds
    focus_code = request.args.get("project", "").strip() or None
    focus = None
    if focus_code:
        focus = get_project(session, focus_code)
        if focus is None:
            raise NotFound(gettext("project.not_found", code=focus_code))
        bounds = _bbox(focus) or bounds
    features_url = url_for("pages.map_features", **filter_args(f, lang=current_lang()))
    parts = map_parts("overview", _map_data(features_url=features_url, bounds=bounds,
                                            focus=focus_code,
                                            kinds=f.kind or vocab.codes(vocab.KINDS)))
    return render_template("map.html", f=f, extent=extent, parts=parts, focus=focus,
                           features_url=features_url)


@bp.route("/map/features.geojson", endpoint="map_features")
def map_features_geojson() -> Response:
    """What the map draws: the selection's geometries with names, kind, status, accuracy."""
    f = _filter()
    session = db_session()
    # Revalidated on every use (no-cache) but only rebuilt when the projects changed.
    tag = hashlib.sha256("|".join((FEATURES_FORMAT, selection_stats(session, f).fingerprint(),
                                   current_lang(), repr(sorted(f.to_args().items()))
                                   )).encode()).hexdigest()[:32]
    if request.if_none_match.contains(tag):
        response = Response(status=304)
    else:
        # streamed: rows are loaded first, so the session is not needed while it streams
        with gc_paused:  # many acyclic rows: the cyclic GC's passes would double the time
            rows = map_rows(session, f)
        response = Response(map_features_chunks(rows, current_lang()),
                            mimetype="application/geo+json")
    response.set_etag(tag)
    response.headers["Cache-Control"] = "private, no-cache"
    return response


@bp.route("/map/popup/<code>.json")
def map_popup(code: str) -> Response:
    """One project's popup values, formatted in ?lang (fetched when its popup opens)."""
    p = _project_or_404(code)
    return Response(orjson.dumps({"code": p.code, "properties": popup_properties(
        p, current_lang(), state().today(), state().settings.stale_days)}),
        mimetype="application/json")


@bp.route("/projects")
def table() -> str:
    f = _filter()
    sort, desc = _sort()
    page = _page_number()
    session = db_session()
    today = state().today()
    totals = figures.totals(session, f)
    role_totals = figures.role_totals(session, f)
    pages = max(1, math.ceil(totals.count / PAGE_SIZE))
    if page > pages:
        raise NotFound(gettext("table.no_such_page", page=page, pages=pages))
    projects = select_projects(session, f, sort=sort, desc=desc, limit=PAGE_SIZE,
                                       offset=(page - 1) * PAGE_SIZE, today=today,
                                       lang=current_lang(), geometry=False)
    rows = [table_row(p, today, state().settings.stale_days) for p in projects]
    return render_template("projects.html", f=f, rows=rows, totals=totals,
                           role_totals=role_totals, sort=sort,
                           desc=desc, page=page, pages=pages, page_size=PAGE_SIZE,
                           today=today, stale_days=state().settings.stale_days)


def _table_twin(fmt: str) -> Response:
    """The table's selection, in the table's order, as the API's file (one dialect)."""
    sort, desc = _sort()
    today = state().today()
    body, _count = export_selection(db_session(), _filter(), fmt, today, sort=sort, desc=desc,
                                    lang=current_lang(), cache=feature_cache(),
                                    base_url=request.host_url.rstrip("/"), source=request.url,
                                    stale_days=state().settings.stale_days)
    filename = export_filename(fmt, today)
    return Response(body, mimetype=MEDIA_TYPES[fmt],
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@bp.route("/projects.csv")
def table_csv() -> Response:
    return _table_twin("csv")


@bp.route("/projects.geojson")
def table_geojson() -> Response:
    return _table_twin("geojson")


def _project_or_404(code: str) -> Project:
    project = get_project(db_session(), code)
    if project is None:
        raise NotFound(gettext("project.not_found", code=code))
    return project


@bp.route("/projects/<code>")
def project(code: str) -> str:
    p = _project_or_404(code)
    today = state().today()
    parts = None
    if p.geometry is not None:
        inline = orjson.Fragment(map_features([p], current_lang(), tolerance=0, details=True,
                                              today=today,
                                              stale_days=state().settings.stale_days))
        parts = map_parts("project", _map_data(features=inline, bounds=_bbox(p),
                                               kinds=(p.kind,)))
    history = sorted(p.updates, key=lambda u: (u.as_of, u.id or 0), reverse=True)
    funded = [f for f in p.funding_lines if f.amount_vnd is not None]
    latest = p.latest_estimate()
    current = latest.key if latest else None

    def funding_share(line: Any) -> float | None:
        """The line's share of the total, only when both are figures of one estimate."""
        return same_estimate_share(line.amount_vnd, line.estimate.key if line.estimate else None,
                                   p.total_investment_vnd, current)

    estimates = {f.estimate.key if f.estimate else None for f in funded}
    funding_total = sum(f.amount_vnd or 0 for f in funded) if funded else None
    return render_template(
        "project.html", p=p, parts=parts, history=history, today=today,
        st=status_facts(p, today, state().settings.stale_days), edited_at=edited_at(p),
        stale_days=state().settings.stale_days,
        days_late=days_late(p, today), rate=disbursement_rate(p),
        funding_total=funding_total, funding_share=funding_share,
        funding_total_share=same_estimate_share(
            funding_total, estimates.pop(), p.total_investment_vnd, current)
        if len(estimates) == 1 else None,
        present_units=vocab.present_units(p.province_codes),
        name=display_name(p.name_vi, p.name_en, current_lang()),
        other_name=p.name_vi if current_lang() == "en" else p.name_en,
        description=(p.description_en or p.description_vi) if current_lang() == "en"
        else (p.description_vi or p.description_en))


def edited_at(p: Project) -> datetime | None:
    """When the record was last changed in the tracker; None for a project as the seed
    loaded it (its updated_at is then its newest fact's date: tracker.services.seed), whose
    page shows that date as "trạng thái tính đến" and no time of loading."""
    newest = max((u.as_of for u in p.updates), default=None)
    if newest is not None and p.updated_at == datetime.combine(newest, time(0)):
        return None
    return p.updated_at


@bp.route("/projects/<code>.geojson")
def project_geojson(code: str) -> Response:
    p = _project_or_404(code)
    feature = project_features([p], state().today(), request.host_url.rstrip("/"),
                               state().settings.stale_days)[0]
    return _geojson_response(feature, f"{p.code}.geojson")
