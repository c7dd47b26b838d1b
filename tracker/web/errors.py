"""The one error renderer: typed errors raised anywhere become JSON or a friendly page."""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app, jsonify, render_template
from werkzeug.exceptions import HTTPException

from tracker.errors import BadParameter, InvalidFields, PreconditionFailed, TrackerError
from tracker.i18n import gettext
from tracker.web.request import wants_json


def _render_error(status: int, message: str, detail: str | None, extra: dict[str, Any]
                  ) -> Any:
    if wants_json():
        body = {"error": message, "detail": detail, **extra}
        return jsonify(body), status
    return render_template("error.html", status=status, message=message, detail=detail), status


def _handle_tracker_error(exc: TrackerError) -> Any:
    """JSON names the parameter; a page names it in the reader's language, the technical
    message below it."""
    if isinstance(exc, BadParameter) and exc.field and not wants_json():
        detail = exc.message + (f" ({exc.detail})" if exc.detail else "")
        return _render_error(exc.http_status, gettext("error.parameter", name=exc.field),
                             detail, {})
    extra: dict[str, Any] = {"parameter": exc.field} if exc.field else {}
    shown = exc.detail
    if isinstance(exc, InvalidFields):  # 422: every field that is wrong, and why
        extra["errors"] = exc.errors
        shown = "; ".join(e["message"] for e in exc.errors) or shown
    elif isinstance(exc, PreconditionFailed):  # 412: what changed since the version read
        extra.update(current_version=exc.current_version, changes=exc.changes)
    return _render_error(exc.http_status, exc.message,
                         shown if not wants_json() else exc.detail, extra)


def _handle_http_error(exc: HTTPException) -> Any:
    """werkzeug's own headers are kept (a 405's `Allow`), its body is replaced by ours."""
    body, status = _render_error(exc.code or 500, exc.name, exc.description, {})
    headers = [(k, v) for k, v in exc.get_headers() if k.lower() != "content-type"]
    return body, status, headers


def _handle_unexpected(exc: Exception) -> Any:
    current_app.logger.exception("unhandled error")
    return _render_error(500, "Internal server error",
                         "The error was logged; nothing was changed.", {})


def install(app: Flask) -> None:
    """Render every error, expected or not, in one place (never a stack trace to a user)."""
    app.register_error_handler(TrackerError, _handle_tracker_error)
    app.register_error_handler(HTTPException, _handle_http_error)
    app.register_error_handler(Exception, _handle_unexpected)
