"""Blueprints and the request plumbing they share (session per request, error rendering)."""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app, g, jsonify, render_template, request
from sqlalchemy.orm import Session
from werkzeug.exceptions import HTTPException

from ..errors import TrackerError
from ..state import TrackerState


def state() -> TrackerState:
    st: TrackerState = current_app.extensions["tracker"]
    return st


def db_session() -> Session:
    """The request's session: opened on first use, closed when the request ends."""
    if "db_session" not in g:
        g.db_session = state().sessions()
    session: Session = g.db_session
    return session


def _close_session(_exc: BaseException | None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.close()


def wants_json() -> bool:
    if request.path.startswith(("/api/", "/ogc")) or request.path.endswith(
            (".json", ".geojson")):
        return True
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "application/json" and request.accept_mimetypes[best] > \
        request.accept_mimetypes["text/html"]


def _render_error(status: int, message: str, detail: str | None, extra: dict[str, Any]
                  ) -> Any:
    if wants_json():
        body = {"error": message, "detail": detail, **extra}
        return jsonify(body), status
    return render_template("error.html", status=status, message=message, detail=detail), status


def _handle_tracker_error(exc: TrackerError) -> Any:
    extra = {"parameter": exc.field} if exc.field else {}
    return _render_error(exc.http_status, exc.message, exc.detail, extra)


def _handle_http_error(exc: HTTPException) -> Any:
    return _render_error(exc.code or 500, exc.name, exc.description, {})


def _handle_unexpected(exc: Exception) -> Any:
    current_app.logger.exception("unhandled error")
    return _render_error(500, "Internal server error",
                         "The error was logged; nothing was changed.", {})


def register(app: Flask) -> None:
    from flask_bootstrap import Bootstrap5

    from .. import i18n
    from . import access, account, api, assets, ogcapi, pages

    Bootstrap5(app)
    i18n.init_app(app)
    access.init_app(app)  # after i18n: its refusals speak the reader's language
    app.teardown_appcontext(_close_session)
    app.register_error_handler(TrackerError, _handle_tracker_error)
    app.register_error_handler(HTTPException, _handle_http_error)
    app.register_error_handler(Exception, _handle_unexpected)
    app.register_blueprint(assets.bp)
    app.register_blueprint(pages.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(ogcapi.bp)
    app.register_blueprint(account.bp)
