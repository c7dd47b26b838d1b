"""Request plumbing every blueprint shares: the app's state, the request-owned session, and
whether the client wants JSON."""

from __future__ import annotations

from flask import current_app, g, request
from sqlalchemy.orm import Session

from tracker.api.http import negotiate_format
from tracker.state import TrackerState


def state() -> TrackerState:
    st: TrackerState = current_app.extensions["tracker"]
    return st


def db_session() -> Session:
    """The request's session: opened on first use, closed when the request ends."""
    if "db_session" not in g:
        g.db_session = state().sessions()
    session: Session = g.db_session
    return session


def close_session(_exc: BaseException | None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.close()


def wants_json() -> bool:
    if request.path.startswith(("/api/", "/ogc")) or request.path.endswith(
            (".json", ".geojson")):
        return True
    return negotiate_format(request.headers.get("Accept", ""), "html") == "json"


def require_current_schema() -> None:
    """Before every request: a clear 503 while the schema is behind (never a migration)."""
    state().require_current_schema()
