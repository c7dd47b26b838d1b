"""The write API (/api/v1), without Flask: create a project, change its values, record a
status update, delete it (admins). tracker/web/api.py is the thin Flask adapter.

Every write is judged in this order, and a refused one changes nothing:
401 no credentials · 403 a role that may not · 404 no such project · 428 no If-Match ·
412 If-Match is not the project's current strong ETag (the body lists what changed since) ·
415 not JSON · 400 JSON that cannot be read · 422 every field that is wrong and why
(`errors: [{field, message}]`). Field names are the read API's; `source` cites a stored
source by key or describes a new one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from tracker import auth
from tracker.api.http import (
    JSON,
    Reply,
    Request,
    if_match,
    matches_strongly,
    tag_version,
)
from tracker.api.v1 import PREFIX, project_body, project_or_404
from tracker.audit import Actor
from tracker.errors import (
    BadParameter,
    InvalidFields,
    PreconditionRequired,
    UnsupportedMediaType,
    ValidationError,
)
from tracker.formats.seedfile import geojson_geometry as geometry_from_geojson
from tracker.formats.seedfile import load_json
from tracker.models import Project, User
from tracker.services import components as component_service
from tracker.services import estimates as estimate_service
from tracker.services import projects as service
from tracker.text import shown

JSON_TYPES = ("application/json", "application/merge-patch+json")
READ_ONLY = {
    "code": "the code is stable: it cannot be changed",
    "status": "recorded by a status update (POST {prefix}/projects/{code}/updates)",
    "progress_pct": "recorded by a status update (POST {prefix}/projects/{code}/updates)",
    "disbursed_vnd": "recorded by a status update (POST {prefix}/projects/{code}/updates)",
    "length_km": "measured from the geometry, never typed",
    "disbursement_pct": "computed from disbursed_vnd and total_investment_vnd",
    "days_late": "computed from planned_end and the status",
    "present_units": "derived from the provinces",
    "present_units_unknown": "derived from the provinces",
    "present_units_basis": "derived from the provinces",
    "length_source": "derived from stated_length_km and the geometry",
    "total_investment_basis": "the latest dated estimate's",
    "total_investment_as_of": "the latest dated estimate's",
    "total_investment_qualifier": "the latest dated estimate's",
    "updated_at": "set by every change",
    "bbox": "derived from the geometry",
}
SOURCE = ("source",)


@dataclass
class Write:
    """A write request: the plain Request, its body and who sends it."""

    request: Request
    body: bytes
    content_type: str
    user: User | None
    max_vertices: int


def _actor(user: User) -> Actor:
    return Actor.of(user)


def _json_body(write: Write) -> dict[str, Any]:
    media = write.content_type.split(";")[0].strip().lower()
    if media not in JSON_TYPES:
        raise UnsupportedMediaType(f"the body must be JSON ({', '.join(JSON_TYPES)})",
                                   detail=f"got Content-Type {shown(write.content_type, 80)}")
    try:
        data = load_json(write.body, "the body")
    except ValidationError as exc:
        raise BadParameter(exc.message, field="body") from exc
    if not isinstance(data, dict):
        raise InvalidFields("the body must be a JSON object", [
            {"field": "", "message": f"the body must be a JSON object, got {shown(data)}"}])
    return data


def _fields(data: Mapping[str, Any], allowed: tuple[str, ...], code: str
            ) -> tuple[dict[str, Any], list[dict[str, str]]]:
    """The known fields, geometry read from GeoJSON and provinces from `a;b` text too; and
    an error for each unknown or read-only one."""
    errors: list[dict[str, str]] = []
    out: dict[str, Any] = {}
    for name, value in data.items():
        if name in allowed:
            out[name] = value
        elif name in READ_ONLY:
            errors.append({"field": name, "message": f"{name} is read-only: " + READ_ONLY[
                name].format(prefix=PREFIX, code=code)})
        else:
            errors.append({"field": shown(name, 60).strip("'"), "message": (
                f"unknown field {shown(name, 60)}; the fields are {', '.join(allowed)}")})
    if isinstance(out.get("provinces"), str):
        out["provinces"] = [p.strip() for p in out["provinces"].split(";") if p.strip()]
    return out, errors


def _geometry(values: dict[str, Any], write: Write, errors: list[dict[str, str]]) -> None:
    if "geometry" not in values:
        return
    try:
        values["geometry"] = geometry_from_geojson(values["geometry"], "geometry",
                                                   write.max_vertices)
    except ValidationError as exc:
        errors.append({"field": "geometry", "message": exc.message})
        del values["geometry"]


def _checked(session: Session, write: Write, project: Project) -> int:
    """The version the client read, when If-Match names the project's current ETag."""
    tags = if_match(write.request)
    if not tags or tags == ["*"]:
        raise PreconditionRequired(
            "If-Match is required: send the ETag of the project as you read it",
            detail=f"GET {PREFIX}/projects/{project.code} answers it in its ETag header"
            + ("; If-Match: * names no version" if tags == ["*"] else ""))
    _body, etag = project_body(project, write.request)
    if not matches_strongly(tags, etag):
        read = next((v for t in tags if (v := tag_version(t)) is not None), None)
        raise service.stale(session, project, read)
    return project.version_id


def _project_reply(project: Project, write: Write, status: int,
                   headers: dict[str, str] | None = None) -> Reply:
    body, etag = project_body(project, write.request)
    url = write.request.url(f"{PREFIX}/projects/{project.code}")
    return Reply(status, body, JSON, {"ETag": etag, "Content-Location": url,
                                      "Cache-Control": "no-store", **(headers or {})})


def create_project(session: Session, write: Write) -> Reply:
    """POST /api/v1/projects: the project's values and its first status (status, as_of
    (default today), progress_pct, disbursed_vnd, note, note_en, source). 201."""
    auth.require(write.user, "create")
    assert write.user is not None
    data = _json_body(write)
    values, errors = _fields(data, ("code", *service.EDITABLE, *service.UPDATE_FIELDS,
                                    *SOURCE), str(data.get("code") or "CODE"))
    _geometry(values, write, errors)
    done = service.create_project(session, _actor(write.user), values,
                                  today=write.request.today,
                                  author=write.user.display_name, refused=errors)
    url = write.request.url(f"{PREFIX}/projects/{done.project.code}")
    return _project_reply(done.project, write, 201, {"Location": url})


def edit_project(session: Session, write: Write, code: str) -> Reply:
    """PATCH /api/v1/projects/<code>: the editable values to change (the geometry as
    GeoJSON), and `source` cited for them. 200 with the project and its new ETag."""
    auth.require(write.user, "edit")
    assert write.user is not None
    project = project_or_404(session, code)
    version = _checked(session, write, project)
    values, errors = _fields(_json_body(write), (*service.EDITABLE, *SOURCE), code)
    _geometry(values, write, errors)
    source = values.pop("source", None)
    service.edit_project(session, _actor(write.user), project, values,
                         expected_version=version, source=source, refused=errors)
    return _project_reply(project, write, 200)


def record_update(session: Session, write: Write, code: str) -> Reply:
    """POST /api/v1/projects/<code>/updates: one dated status (as_of, status, progress_pct,
    disbursed_vnd, note, note_en, source). 201 with the project (its current values moved
    when the update is the latest) and its new ETag."""
    auth.require(write.user, "record_update")
    assert write.user is not None
    project = project_or_404(session, code)
    version = _checked(session, write, project)
    values, errors = _fields(_json_body(write), (*service.UPDATE_FIELDS, *SOURCE), code)
    service.record_update(session, _actor(write.user), project, values,
                          expected_version=version, author=write.user.display_name,
                          refused=errors)
    history = write.request.url(f"{PREFIX}/projects/{code}/updates")
    return _project_reply(project, write, 201, {"Location": history})


def record_estimate(session: Session, write: Write, code: str) -> Reply:
    """POST /api/v1/projects/<code>/estimates: one dated estimate of the total investment
    (amount_vnd, as_of, basis, qualifier, original_amount, original_currency, note, note_en,
    key, source: required). 201 with the project (its total moved when the estimate is the
    latest) and its new ETag."""
    auth.require(write.user, "edit")
    assert write.user is not None
    project = project_or_404(session, code)
    version = _checked(session, write, project)
    values, errors = _fields(_json_body(write), (*estimate_service.ESTIMATE_FIELDS, *SOURCE),
                             code)
    estimate_service.record_estimate(session, _actor(write.user), project, values,
                                     expected_version=version, today=write.request.today,
                                     refused=errors)
    estimates = write.request.url(f"{PREFIX}/projects/{code}/estimates")
    return _project_reply(project, write, 201, {"Location": estimates})


def replace_components(session: Session, write: Write, code: str) -> Reply:
    """PUT /api/v1/projects/<code>/components: the whole list of the project's components
    (`components`: objects of province, name_vi, name_en, governing_body, stated_length_km,
    length_qualifier, amount_vnd, amount_qualifier, note, note_en, source) and `source`, cited
    by the rows that name none. 200 with the project and its new ETag."""
    auth.require(write.user, "edit")
    assert write.user is not None
    project = project_or_404(session, code)
    version = _checked(session, write, project)
    data, errors = _fields(_json_body(write), ("components", *SOURCE), code)
    if "components" not in data:
        errors.append({"field": "components", "message": "components is required: the "
                       "whole list (an empty list removes them all)"})
    component_service.replace_components(
        session, _actor(write.user), project, data.get("components", []),
        expected_version=version, source=data.get("source"), refused=errors)
    return _project_reply(project, write, 200)


def delete_project(session: Session, write: Write, code: str) -> Reply:
    """DELETE /api/v1/projects/<code> (admins): a soft delete. 204."""
    auth.require(write.user, "delete")
    assert write.user is not None
    project = project_or_404(session, code)
    version = _checked(session, write, project)
    service.delete_project(session, _actor(write.user), project, expected_version=version)
    return Reply(204, b"", JSON, {"Cache-Control": "no-store"})
