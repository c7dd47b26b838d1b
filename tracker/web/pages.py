"""HTML pages. Views are thin: parse the filter, call queries, render."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, render_template, request

from ..queries import ProjectFilter, count_projects, select_projects
from . import db_session

bp = Blueprint("pages", __name__)


@bp.route("/healthz")
def healthz() -> Any:
    session = db_session()
    return jsonify({"status": "ok", "projects": count_projects(session, ProjectFilter())})


@bp.route("/")
def index() -> str:
    f = ProjectFilter.from_args(request.args)
    projects = select_projects(db_session(), f)
    return render_template("index.html", projects=projects)
