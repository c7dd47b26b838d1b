"""What every `tracker` command shares: the app's state and a session whose errors become a
message and exit code 1 (never a traceback)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import click
from flask import current_app
from sqlalchemy.orm import Session

from tracker.errors import TrackerError
from tracker.state import TrackerState


def cli_state() -> TrackerState:
    st: TrackerState = current_app.extensions["tracker"]
    return st


@contextmanager
def cli_session() -> Iterator[Session]:
    try:
        cli_state().require_current_schema()
    except TrackerError as exc:
        raise click.ClickException(f"{exc.message} ({exc.detail})") from exc
    session = cli_state().sessions()
    try:
        yield session
    except TrackerError as exc:
        raise click.ClickException(exc.message + (f" ({exc.detail})" if exc.detail else "")
                                   ) from exc
    finally:
        session.close()
