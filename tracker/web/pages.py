"""HTML pages: the dashboard, the planners' map, the status table, the project page, and the
table's machine-readable twins (CSV, GeoJSON).

Views are thin: parse the filter (ProjectFilter.from_args: a bad value is a 400 page), call
tracker.queries, render. The same filter arguments drive /, /map, /projects and the export
links, so what a person sees is what they export.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import orjson
from flask import Blueprint, Response, jsonify, render_template, request, url_for

from maps.features import map_features, map_features_chunks, popup_properties
from maps.project_map import LABEL_KEYS, Assets, MapOptions, build_map, render_parts
from maps.styles import status_styles

from .. import formatting, queries, vocab
from ..dates import display_partial
from ..errors import BadParameter, NotFound
from ..exports import geometry_geojson, project_features, records_to_csv, to_geojson
from ..i18n import current_lang, gettext
from ..models import Project
from ..queries import ProjectFilter, count_projects, project_record
from ..rows import gc_paused, selection_stats
from . import db_session, page_text, state, wants_json

STATIC_DIR = Path(__file__).parent / "static"
bp = Blueprint("pages", __name__, static_folder="static", static_url_path="/static/tracker")

PAGE_SIZE = 100
DEFAULT_SORT = "name"  # the table's order: by name, Vietnamese alphabetical (tracker.collation)
FEATURES_FORMAT = "map-features-1"  # change when maps.features' output changes (ETags)
DASHBOARD_LATE = 10
TRUE_VALUES = ("1", "true", "yes", "on")
FALSE_VALUES = ("", "0", "false", "no", "off")


# --------------------------------------------------------------------------- request parsing

def _filter() -> ProjectFilter:
    return ProjectFilter.from_args(request.args)


def _flag(name: str) -> bool:
    raw = request.args.get(name, "").strip().lower()
    if raw in TRUE_VALUES:
        return True
    if raw in FALSE_VALUES:
        return False
    raise BadParameter(f"{name} must be 1 or 0", detail=f"got {raw!r}", field=name)


def _page_number() -> int:
    raw = request.args.get("page", "1").strip() or "1"
    if not raw.isdigit() or int(raw) < 1:
        raise BadParameter("page must be a whole number from 1", detail=f"got {raw!r}",
                           field="page")
    return int(raw)


def _sort() -> tuple[str, bool]:
    sort = request.args.get("sort", "").strip() or DEFAULT_SORT
    if sort not in queries.TABLE_SORTS:
        raise BadParameter(f"cannot sort by {sort!r}",
                           detail=f"one of {', '.join(queries.TABLE_SORTS)}", field="sort")
    return sort, _flag("desc")


# --------------------------------------------------------------------------- template helpers

def lang_url(lang: str) -> str:
    """This page in another language, keeping every other query parameter."""
    args = [(k, v) for k, v in request.args.items(multi=True) if k != "lang"]
    args.append(("lang", lang))
    return f"{request.path}?{urlencode(args)}"


def safe_url(url: str | None) -> str | None:
    """Only http(s) links are rendered as links (never javascript: or data:)."""
    if not url:
        return None
    return url if urlsplit(url.strip()).scheme.lower() in ("http", "https") else None


def filter_args(f: ProjectFilter, **extra: Any) -> dict[str, Any]:
    """Query arguments for a link that keeps the filter (and adds `extra`)."""
    args: dict[str, Any] = dict(f.to_args())
    args.update({k: v for k, v in extra.items() if v not in (None, "")})
    return args


def _label(terms: tuple[vocab.Term, ...]) -> Callable[[str | None], str]:
    def label(code: str | None) -> str:
        term = vocab.lookup(terms, code)
        return term.label(current_lang()) if term else (code or formatting.no_data(
            current_lang()))
    return label


class Fmt:
    """Formatting in the request's language (Vietnamese by default)."""

    @staticmethod
    def vnd(value: int | None) -> str:
        return formatting.vnd(value, current_lang())

    @staticmethod
    def km(value: float | None) -> str:
        return formatting.km(value, current_lang())

    @staticmethod
    def pct(value: float | None) -> str:
        return formatting.percent(value, current_lang())

    @staticmethod
    def number(value: float | None, decimals: int = 0) -> str:
        if value is None:
            return formatting.no_data(current_lang())
        return formatting.number(value, decimals, current_lang())

    @staticmethod
    def partial(value: date | None, precision: str | None) -> str:
        return display_partial(value, precision) or formatting.no_data(current_lang())

    @staticmethod
    def day(value: date | None) -> str:
        return formatting.day(value, current_lang())

    @staticmethod
    def no_data() -> str:
        return formatting.no_data(current_lang())


@bp.app_context_processor
def _template_helpers() -> dict[str, Any]:
    return {
        "fmt": Fmt,
        "vocab": vocab,
        "lang_url": lang_url,
        "safe_url": safe_url,
        "filter_args": filter_args,
        "status_style": lambda code: status_styles(current_lang()).get(
            code, {"label": code, "colour": "#555555", "text": "#ffffff"}),
        "kind_label": _label(vocab.KINDS),
        "province_label": _label(vocab.PROVINCES),
        "accuracy_label": _label(vocab.GEOMETRY_ACCURACY),
        "funding_label": _label(vocab.FUNDING_SOURCES),
        "field_label": _label(vocab.COOPERATION_FIELDS),
        "static_url": static_url,
        "default_sort": DEFAULT_SORT,
        **page_text.helpers(),
    }


@lru_cache(maxsize=32)
def _static_version(filename: str) -> str:
    return hashlib.sha256((STATIC_DIR / filename).read_bytes()).hexdigest()[:10]


def static_url(filename: str) -> str:
    """URL of one of our static files, versioned by content so browsers never run stale JS."""
    return url_for("pages.static", filename=filename, v=_static_version(filename))


# --------------------------------------------------------------------------- map pieces

def _map_assets() -> Assets:
    return Assets(
        leaflet_js=url_for("assets.asset", name="leaflet", filename="leaflet.js"),
        leaflet_css=url_for("assets.asset", name="leaflet", filename="leaflet.css"),
        map_js=static_url("tracker-map.js"),
        map_css=static_url("tracker-map.css"),
    )


def _map_labels() -> dict[str, str]:
    return {key: gettext(f"map.{key}") for key in LABEL_KEYS}


def _boundaries() -> dict[str, Any] | None:
    rows = queries.boundaries(db_session())
    if not rows:
        return None
    lang = current_lang()
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "id": b.code, "geometry": geometry_geojson(b.geometry),
         "properties": {"name": b.name_en if lang == "en" and b.name_en else b.name_vi}}
        for b in rows]}


def _map_options(**kwargs: Any) -> MapOptions:
    settings = state().settings
    return MapOptions(assets=_map_assets(), labels=_map_labels(), lang=current_lang(),
                      boundaries=_boundaries(), osm_tiles=settings.osm_tiles,
                      tiles_url=settings.tiles_url,
                      project_url=url_for("pages.table") + "/",
                      popup_url=url_for("pages.map_popup", code="CODE").removesuffix(
                          "CODE.json"), **kwargs)


def _bbox(p: Project) -> tuple[float, float, float, float] | None:
    if p.min_lon is None or p.min_lat is None or p.max_lon is None or p.max_lat is None:
        return None
    return (p.min_lon, p.min_lat, p.max_lon, p.max_lat)


# --------------------------------------------------------------------------- rows for tables

def table_row(p: Project, today: date) -> dict[str, Any]:
    lang = current_lang()
    return {
        "code": p.code,
        "name": p.name_en if lang == "en" and p.name_en else p.name_vi,
        "kind": p.kind,
        "status": p.status,
        "progress_pct": p.progress_pct,
        "length_km": p.length_km,
        "on_map": p.geometry_type is not None,
        "investment": p.total_investment_vnd,
        "disbursed": p.disbursed_vnd,
        "disbursement_pct": queries.disbursement_rate(p),
        "planned_end": display_partial(p.planned_end, p.planned_end_precision),
        "days_late": queries.days_late(p, today),
    }


def _csv_response(text: str, filename: str) -> Response:
    return Response(text, mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def _geojson_response(body: bytes, filename: str | None = None) -> Response:
    headers = {"Content-Disposition": f'attachment; filename="{filename}"'} if filename else {}
    return Response(body, mimetype="application/geo+json", headers=headers)


# --------------------------------------------------------------------------- views

@bp.errorhandler(BadParameter)
def _bad_parameter(exc: BadParameter) -> Any:
    """A bad query parameter: a page says which one in the reader's language (the technical
    detail below it); the JSON endpoints answer as the API does."""
    if wants_json():
        return jsonify(exc.to_dict()), exc.http_status
    message = gettext("error.parameter", name=exc.field) if exc.field else exc.message
    detail = exc.message + (f" ({exc.detail})" if exc.detail else "")
    return render_template("error.html", status=exc.http_status, message=message,
                           detail=detail), exc.http_status


@bp.route("/healthz")
def healthz() -> Any:
    session = db_session()
    return jsonify({"status": "ok", "projects": count_projects(session, ProjectFilter())})


@bp.route("/")
def index() -> str:
    f = _filter()
    today = state().today()
    result = queries.summary(db_session(), f, today)
    return render_template("index.html", f=f, summary=result, today=today,
                           late=result.late[:DASHBOARD_LATE])


@bp.route("/map")
def map_page() -> str:
    f = _filter()
    session = db_session()
    extent = queries.extent(session, f)
    bounds = extent.bounds
    focus_code = request.args.get("project", "").strip() or None
    focus = None
    if focus_code:
        focus = queries.get_project(session, focus_code)
        if focus is None:
            raise NotFound(gettext("project.not_found", code=focus_code))
        bounds = _bbox(focus) or bounds
    features_url = url_for("pages.map_features", **filter_args(f, lang=current_lang()))
    opts = _map_options(features_url=features_url, bounds=bounds, focus=focus_code,
                        kinds=f.kind or vocab.codes(vocab.KINDS))
    parts = render_parts(build_map(opts))
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
            rows = queries.map_rows(session, f)
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
        p, current_lang())}), mimetype="application/json")


@bp.route("/projects")
def table() -> str:
    f = _filter()
    sort, desc = _sort()
    page = _page_number()
    session = db_session()
    today = state().today()
    totals = queries.totals(session, f)
    pages = max(1, math.ceil(totals.count / PAGE_SIZE))
    if page > pages:
        raise NotFound(gettext("table.no_such_page", page=page, pages=pages))
    projects = queries.select_projects(session, f, sort=sort, desc=desc, limit=PAGE_SIZE,
                                       offset=(page - 1) * PAGE_SIZE, today=today,
                                       lang=current_lang(), geometry=False)
    rows = [table_row(p, today) for p in projects]
    return render_template("projects.html", f=f, rows=rows, totals=totals, sort=sort,
                           desc=desc, page=page, pages=pages, page_size=PAGE_SIZE,
                           today=today)


def _export_selection() -> list[Project]:
    sort, desc = _sort()
    return queries.select_projects(db_session(), _filter(), sort=sort, desc=desc,
                                   today=state().today(), lang=current_lang())


@bp.route("/projects.csv")
def table_csv() -> Response:
    today = state().today()
    records = [project_record(p, today) for p in _export_selection()]
    return _csv_response(records_to_csv(records), "projects.csv")


@bp.route("/projects.geojson")
def table_geojson() -> Response:
    return _geojson_response(to_geojson(_export_selection(), state().today()),
                             "projects.geojson")


def _project_or_404(code: str) -> Project:
    project = queries.get_project(db_session(), code)
    if project is None:
        raise NotFound(gettext("project.not_found", code=code))
    return project


@bp.route("/projects/<code>")
def project(code: str) -> str:
    p = _project_or_404(code)
    today = state().today()
    parts = None
    if p.geometry is not None:
        inline = orjson.loads(map_features([p], current_lang(), tolerance=0, details=True))
        opts = _map_options(features=inline, bounds=_bbox(p), focus=None, search=False,
                            legend=False, collapsed_control=True, kinds=(p.kind,))
        parts = render_parts(build_map(opts))
    history = sorted(p.updates, key=lambda u: (u.as_of, u.id or 0), reverse=True)
    funded = [f.amount_vnd for f in p.funding_lines if f.amount_vnd is not None]
    return render_template(
        "project.html", p=p, parts=parts, history=history, today=today,
        days_late=queries.days_late(p, today), rate=queries.disbursement_rate(p),
        funding_total=sum(funded) if funded else None,
        name=p.name_en if current_lang() == "en" and p.name_en else p.name_vi,
        other_name=p.name_vi if current_lang() == "en" else p.name_en,
        description=(p.description_en or p.description_vi) if current_lang() == "en"
        else (p.description_vi or p.description_en))


@bp.route("/projects/<code>.geojson")
def project_geojson(code: str) -> Response:
    p = _project_or_404(code)
    return _geojson_response(project_features([p], state().today())[0], f"{p.code}.geojson")
