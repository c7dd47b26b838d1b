"""Editing in the browser (editors; deleting: admins): a new project, a project's values, a
status update, a new estimate of its total investment, its geometry (a file in any format
and CRS the GIS import reads, or points and lines drawn on the map), a soft delete.

Views are thin: the form (tracker.web.edit_forms) turns typed text into raw values, a service
(tracker.services.projects) validates, changes, audits and commits. A refused form comes back
with what was typed and every field's error next to it (422); a form based on a version that
is no longer current says who changed what since and keeps what was typed (409), with the
current version, so sending it again is a decision made knowing the other change.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from maps.project_map import OSM_TILES_URL
from tracker import formatting, vocab
from tracker.audit import Actor
from tracker.errors import InvalidFields, NotFound, PreconditionFailed, ValidationError
from tracker.formats.fieldmap import map_columns
from tracker.formats.gdal import read_upload
from tracker.formats.geojson import geometry_geojson
from tracker.formats.safe_json import load_json
from tracker.formats.seedfile import geojson_geometry as geometry_from_geojson
from tracker.i18n import current_lang, gettext
from tracker.models import Project, Source, User
from tracker.queries.audit import changes_since
from tracker.queries.select import get_project
from tracker.services import estimates as estimate_service
from tracker.services import projects as service
from tracker.text import fold, shown
from tracker.web.access import require_role, signed_in_user
from tracker.web.crs_choice import chosen_crs
from tracker.web.edit_forms import (
    ATTRIBUTES,
    ESTIMATE,
    UPDATE,
    AttributesForm,
    CreateForm,
    DeleteForm,
    EstimateForm,
    GeometryForm,
    UpdateForm,
    display_date,
    place_errors,
    raw_values,
    set_choices,
    source_value,
    unreadable_errors,
)
from tracker.web.request import db_session, state

bp = Blueprint("editing", __name__)


def _me() -> User:
    user = signed_in_user()
    assert user is not None  # require_role ran first
    return user


def _project_or_404(code: str) -> Project:
    project = get_project(db_session(), code)
    if project is None:
        raise NotFound(gettext("project.not_found", code=code))
    return project


def _sources() -> list[tuple[str, str]]:
    """The stored sources as choices: "title (key)"."""
    rows = db_session().scalars(select(Source).order_by(Source.key))
    return [(s.key, f"{s.title or s.publisher} ({s.key})") for s in rows]


def _new_source_key(value: Any) -> Any:
    """A new source without a key gets one from its publisher and date ("so-xay-dung-can-tho-
    2026-11-20"), made unique; the key is the source's stable name in files and the API."""
    if not isinstance(value, dict) or value.get("key") or not value.get("publisher"):
        return value
    stem = re.sub(r"[^a-z0-9]+", "-", fold(value["publisher"])).strip("-")[:40].strip("-")
    stem = "-".join(p for p in (stem or "source", value.get("published") or "") if p)
    taken = set(db_session().scalars(select(Source.key).where(Source.key.like(f"{stem}%"))))
    key = next(k for k in (stem, *(f"{stem}-{i}" for i in range(2, 1000))) if k not in taken)
    return {**value, "key": key}


def _source(form: Any) -> Any:
    return _new_source_key(source_value(form))


def _version(form: Any) -> int | None:
    text = (form.version.data or "").strip()
    return int(text) if text.isdigit() and len(text) < 10 else None


def _page(template: str, form: Any, status: int = 200, project: Project | None = None,
          loose: list[str] | None = None, stale: Any = None, **context: Any) -> Any:
    html = render_template(template, form=form, p=project, loose=loose or [], stale=stale,
                           **context)
    return html, status, {"Cache-Control": "no-store"}


def _stale(form: Any, project: Project, read: int | None) -> list[Any]:
    """What changed since the form's version; the form now carries the current one."""
    session = db_session()
    session.refresh(project)
    form.version.data = str(project.version_id)
    return changes_since(session, project.id, read or 0)


def _saved(project: Project, what: str) -> Any:
    return redirect(url_for("pages.project", code=project.code, saved=what), 303)


def _write(change: Callable[[], Any], template: str, form: Any, project: Project | None,
           read: int | None = None, field_names: dict[str, str] | None = None,
           place: Callable[[Any, list[dict[str, str]]], list[str]] = place_errors,
           **context: Any) -> Any:
    """Run a change; a stale form answers 409 with what changed since (the form keeps what
    was typed and now carries the current version), refused values 422 with each error next
    to its field (`place` puts them there). None when the change was made."""
    try:
        change()
    except PreconditionFailed:
        assert project is not None  # only an existing project can be stale
        return _page(template, form, 409, project, stale=_stale(form, project, read),
                     **context)
    except InvalidFields as exc:
        names = field_names or {}
        errors = [{**e, "field": names.get(e["field"], e["field"])} for e in exc.errors]
        return _page(template, form, 422, project, loose=place(form, errors), **context)
    return None


# --------------------------------------------------------------------------- a new project

@bp.route("/projects/_new", methods=["GET", "POST"])
@require_role("editor")
def create() -> Any:
    if request.method == "GET":
        form = CreateForm(kind="road", field="transport", status="proposed",
                          as_of=display_date(state().today().isoformat()))
        set_choices(form, _sources())
        return _page("editing/create.html", form)
    form = CreateForm()
    set_choices(form, _sources())
    user = _me()
    raw, unreadable = raw_values(form, ("code", *ATTRIBUTES, *UPDATE))
    made: list[Any] = []
    refusal = _write(lambda: made.append(service.create_project(
        db_session(), Actor.of(user), {**raw, "source": _source(form)},
        today=state().today(), author=user.display_name,
        refused=unreadable_errors(unreadable))), "editing/create.html", form, None)
    return refusal or _saved(made[0].project, "create")


# --------------------------------------------------------------------------- its values

def _attributes_form(project: Project) -> AttributesForm:
    values = service.attributes(project)
    data = {name: values[name] for name in ATTRIBUTES}
    for name in ("planned_start", "planned_end", "actual_start", "actual_end"):
        data[name] = display_date(values[name])
    for name, decimals in (("stated_length_km", 3), ("total_investment_vnd", 0)):
        value = values[name]
        data[name] = "" if value is None else formatting.number(value, decimals, current_lang())
    return AttributesForm(data={**data, "version": str(project.version_id)})


@bp.route("/projects/<code>/edit", methods=["GET", "POST"])
@require_role("editor")
def edit(code: str) -> Any:
    project = _project_or_404(code)
    if request.method == "GET":
        form = _attributes_form(project)
        set_choices(form, _sources())
        return _page("editing/edit.html", form, project=project)
    form = AttributesForm()
    set_choices(form, _sources())
    read = _version(form)
    raw, unreadable = raw_values(form, ATTRIBUTES)
    refusal = _write(lambda: service.edit_project(
        db_session(), Actor.of(_me()), project, raw, expected_version=read,
        source=_source(form), refused=unreadable_errors(unreadable)),
        "editing/edit.html", form, project, read)
    return refusal or _saved(project, "edit")


# --------------------------------------------------------------------------- a status update

@bp.route("/projects/<code>/update", methods=["GET", "POST"])
@require_role("editor")
def update(code: str) -> Any:
    project = _project_or_404(code)
    if request.method == "GET":
        form = UpdateForm(version=str(project.version_id), status=project.status,
                          as_of=display_date(state().today().isoformat()))
        set_choices(form, _sources())
        return _page("editing/update.html", form, project=project)
    form = UpdateForm()
    set_choices(form, _sources())
    read = _version(form)
    raw, unreadable = raw_values(form, UPDATE)
    user = _me()
    refusal = _write(lambda: service.record_update(
        db_session(), Actor.of(user), project, {**raw, "source": _source(form)},
        expected_version=read, author=user.display_name,
        refused=unreadable_errors(unreadable)), "editing/update.html", form, project, read)
    return refusal or _saved(project, "status_update")


# --------------------------------------------------------------------------- an estimate

@bp.route("/projects/<code>/estimate", methods=["GET", "POST"])
@require_role("editor")
def estimate(code: str) -> Any:
    project = _project_or_404(code)
    if request.method == "GET":
        latest = project.latest_estimate()
        form = EstimateForm(version=str(project.version_id),
                            basis=latest.basis if latest and latest.basis else "adjusted",
                            qualifier="exact",
                            as_of=display_date(state().today().isoformat()))
        set_choices(form, _sources())
        return _page("editing/estimate.html", form, project=project)
    form = EstimateForm()
    set_choices(form, _sources())
    read = _version(form)
    raw, unreadable = raw_values(form, ESTIMATE)
    if raw.get("original_currency"):
        raw["original_currency"] = raw["original_currency"].strip().upper()
    refusal = _write(lambda: estimate_service.record_estimate(
        db_session(), Actor.of(_me()), project, {**raw, "source": _source(form)},
        expected_version=read, today=state().today(),
        refused=unreadable_errors(unreadable)), "editing/estimate.html", form, project, read)
    return refusal or _saved(project, "estimate")


# --------------------------------------------------------------------------- its geometry

def geometry_from_file(data: bytes, file_name: str, code: str, crs: str | None,
                       layer: str | None) -> tuple[Any, list[str]]:
    """The one geometry of an uploaded file, read by the GIS import's reader
    (tracker.formats.gdal) so every format and CRS the import takes works here too: the
    file's only feature with a geometry, or the one whose code is the project's; with the
    reader's notes (the CRS it read the file in, a VN-2000 .prj recognised, X/Y swapped)."""
    settings = state().settings
    try:
        read = read_upload(data, file_name, max_bytes=settings.max_upload_bytes,
                           region=settings.region_bbox, crs=crs, layer=layer,
                           max_vertices=settings.max_vertices)
    except ValidationError as exc:  # a CRS the file lacks or gets wrong: next to the choice
        raise ValidationError(exc.message, field="geometry_crs" if exc.field == "crs"
                              else "geometry") from exc
    found = [f for f in read.features if f.geometry is not None]
    by_code = ""
    if len(found) > 1:
        code_column = next((column for column, target in map_columns(read.columns)
                            .columns.items() if target.name == "code"), None)
        if code_column is not None:
            found = [f for f in found if str(f.values.get(code_column) or "").strip() == code]
            by_code = f" and the code {code}"
    if len(found) != 1:
        raise ValidationError(
            f"{shown(file_name, 80)}: {len(found)} features with a geometry{by_code}; one is "
            "expected (or a layer chosen)", field="geometry")
    return found[0].geometry, list(read.notes)


def _geometry_value(form: GeometryForm, code: str) -> tuple[Any, list[str]]:
    """The new geometry from the uploaded file (with the reader's notes), else from the
    drawing (WGS 84 GeoJSON); ValidationError (field geometry) when neither holds one."""
    upload = request.files.get(form.geometry_file.name)
    if upload is not None and upload.filename:
        limit = state().settings.max_upload_bytes
        data = upload.stream.read(limit + 1)
        crs = chosen_crs(form.geometry_crs.data, field="geometry_crs")
        layer = (form.geometry_layer.data or "").strip()[:255] or None
        return geometry_from_file(data, upload.filename, code, crs, layer)
    text = (form.geometry_json.data or "").strip()
    if not text:
        raise ValidationError("no file was chosen and nothing was drawn", field="geometry")
    doc = load_json(text.encode("utf-8"), "the drawing")
    return geometry_from_geojson(doc, "the drawing", state().settings.max_vertices), []


def _map_data(project: Project) -> dict[str, Any]:
    settings = state().settings
    tiles = None
    if settings.tiles_url:
        tiles = {"url": settings.tiles_url, "attribution": gettext(
            "map.basemap_internal_attribution")}
    elif settings.osm_tiles:
        tiles = {"url": OSM_TILES_URL, "attribution": "© " + gettext(
            "map.basemap_osm_attribution")}
    kind = vocab.KIND_BY_CODE.get(project.kind)
    types = kind.geometry_types if kind else ()
    modes = [m for m, t in (("point", "Point"), ("line", "LineString"))
             if not types or t in types]
    box = (project.min_lon, project.min_lat, project.max_lon, project.max_lat)
    region = settings.region_bbox
    return {"geometry": geometry_geojson(project.geometry), "modes": modes or ["line"],
            "bounds": list(box) if None not in box else list(region), "tiles": tiles,
            "labels": {key: gettext(f"edit.draw.{key}") for key in (
                "vertices", "point_set", "empty")}}


@bp.route("/projects/<code>/geometry", methods=["GET", "POST"])
@require_role("editor")
def geometry(code: str) -> Any:
    project = _project_or_404(code)
    if request.method == "GET":
        form = GeometryForm(version=str(project.version_id),
                            geometry_accuracy=project.geometry_accuracy or "",
                            geometry_note=project.geometry_note,
                            geometry_note_en=project.geometry_note_en)
        set_choices(form, _sources())
        return _page("editing/geometry.html", form, project=project,
                     map_data=_map_data(project))
    form = GeometryForm()
    set_choices(form, _sources())
    read = _version(form)
    patch: dict[str, Any] = {name: (getattr(form, name).data or "").strip() or None
                             for name in ("geometry_accuracy", "geometry_note",
                                          "geometry_note_en")}
    refused: list[dict[str, str]] = []
    notes: list[str] = []
    try:
        patch["geometry"], notes = _geometry_value(form, project.code)
    except ValidationError as exc:
        refused.append({"field": exc.field if exc.field == "geometry_crs" else "geometry_file",
                        "message": exc.message})
    refusal = _write(lambda: service.edit_project(
        db_session(), Actor.of(_me()), project, patch, expected_version=read,
        source=_source(form), refused=refused), "editing/geometry.html", form, project, read,
        field_names={"geometry": "geometry_file"}, map_data=_map_data(project))
    if refusal:
        return refusal
    for note in notes[:10]:  # shown once on the project page (the signed session cookie)
        flash(note[:300], "geometry_note")
    return _saved(project, "geometry")


# --------------------------------------------------------------------------- soft delete

@bp.route("/projects/<code>/delete", methods=["GET", "POST"])
@require_role("admin")
def delete(code: str) -> Any:
    project = _project_or_404(code)
    if request.method == "GET":
        return _page("editing/delete.html", DeleteForm(version=str(project.version_id)),
                     project=project)
    form = DeleteForm()
    read = _version(form)
    refusal = _write(lambda: service.delete_project(
        db_session(), Actor.of(_me()), project, expected_version=read),
        "editing/delete.html", form, project, read)
    return refusal or redirect(url_for("pages.table"), 303)
