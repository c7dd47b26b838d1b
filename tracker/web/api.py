"""/api/v1: the read API and the exports. Thin: build a Request, call tracker.api, respond."""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from tracker.api import v1 as api
from tracker.formats.base import FORMATS
from tracker.web.adapter import add_cors, api_request, feature_cache, install_feature_cache, respond
from tracker.web.request import db_session

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


@bp.route("/summary")
def summary() -> Any:
    return respond(api.key_figures(db_session(), api_request()))


@bp.route("/oc4ids.json")
def oc4ids() -> Any:
    return respond(api.oc4ids_package(db_session(), api_request()))
