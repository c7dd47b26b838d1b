"""/api/v1: the read API, the exports and the writes. Thin: build a Request, call
tracker.api, respond. Who writes is decided by tracker.web.access (a session cookie with the
CSRF token, or a bearer token) before the view runs."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, request

from tracker.api import v1 as api
from tracker.api import v1_imports as import_api
from tracker.api import v1_write as write_api
from tracker.formats.base import FORMATS
from tracker.web.access import signed_in_user
from tracker.web.adapter import add_cors, api_request, feature_cache, install_feature_cache, respond
from tracker.web.request import db_session, state

bp = Blueprint("api", __name__, url_prefix=api.PREFIX)
bp.record_once(lambda setup: install_feature_cache(setup.app))
bp.after_request(add_cors)


@bp.route("/")
def index() -> Any:
    return respond(api.api_page(api_request()))


@bp.route("/openapi.json")
def openapi() -> Any:
    return respond(api.openapi_document(api_request()))


@bp.route("/projects")
def projects() -> Any:
    return respond(api.list_projects(db_session(), api_request()))


def export(fmt: str) -> Any:
    return respond(api.export_projects(db_session(), api_request(), fmt, feature_cache()))


for _fmt in FORMATS:
    bp.add_url_rule(f"/projects.{_fmt}", endpoint=f"export_{_fmt.replace('.', '_')}",
                    view_func=export, defaults={"fmt": _fmt})


@bp.route("/projects/<code>")
def project(code: str) -> Any:
    return respond(api.project_detail(db_session(), api_request(), code))


@bp.route("/projects/<code>/updates")
def project_updates(code: str) -> Any:
    return respond(api.project_updates(db_session(), api_request(), code))


@bp.route("/projects/<code>/estimates")
def project_estimates(code: str) -> Any:
    return respond(api.project_estimates(db_session(), api_request(), code))


@bp.route("/projects/<code>/components")
def project_components(code: str) -> Any:
    return respond(api.project_components(db_session(), api_request(), code))


@bp.route("/summary")
def summary() -> Any:
    return respond(api.key_figures(db_session(), api_request()))


@bp.route("/oc4ids.json")
def oc4ids() -> Any:
    return respond(api.oc4ids_package(db_session(), api_request()))


# --------------------------------------------------------------------------- writes

def _write() -> write_api.Write:
    """This request as a write: the body (at most TRACKER_MAX_UPLOAD_MB), who sends it."""
    request.max_content_length = state().settings.max_upload_bytes  # larger: 413
    body = request.get_data(cache=True)
    return write_api.Write(request=api_request(), body=body,
                           content_type=request.headers.get("Content-Type", ""),
                           user=signed_in_user(), max_vertices=state().settings.max_vertices)


@bp.route("/projects", methods=["POST"])
def create_project() -> Any:
    return respond(write_api.create_project(db_session(), _write()))


@bp.route("/projects/<code>", methods=["PATCH"])
def edit_project(code: str) -> Any:
    return respond(write_api.edit_project(db_session(), _write(), code))


@bp.route("/projects/<code>", methods=["DELETE"])
def delete_project(code: str) -> Any:
    return respond(write_api.delete_project(db_session(), _write(), code))


@bp.route("/projects/<code>/updates", methods=["POST"])
def record_update(code: str) -> Any:
    return respond(write_api.record_update(db_session(), _write(), code))


@bp.route("/projects/<code>/estimates", methods=["POST"])
def record_estimate(code: str) -> Any:
    return respond(write_api.record_estimate(db_session(), _write(), code))


@bp.route("/projects/<code>/components", methods=["PUT"])
def replace_components(code: str) -> Any:
    return respond(write_api.replace_components(db_session(), _write(), code))


@bp.route("/imports", methods=["POST"])
def import_file() -> Any:
    request.max_content_length = state().settings.max_upload_bytes  # larger: 413
    settings = state().settings
    return respond(import_api.import_file(
        db_session(), api_request(), request.get_data(cache=False), signed_in_user(),
        max_bytes=settings.max_upload_bytes, region=settings.region_bbox,
        max_vertices=settings.max_vertices))
