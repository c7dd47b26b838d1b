"""What one app instance holds: settings, engine, session factory. No globals."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from tracker import checks
from tracker.config import Settings
from tracker.db import create_schema, is_empty, make_engine, make_session_factory
from tracker.errors import SchemaBehind

HEAD_REVISION = "0011"


@dataclass
class TrackerState:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]

    schema_checked: bool = False

    @classmethod
    def build(cls, settings: Settings) -> TrackerState:
        """Connect, never migrate at start: `tracker init-db` (and `make run`) migrate."""
        engine = make_engine(settings.resolved_database_url)
        sessions = make_session_factory(engine, settings.region_bbox)
        checks.install(sessions, max_vertices=settings.max_vertices)
        # every export reads the terms it states from the session (tracker.exports.data_terms)
        sessions.kw["info"].update(data_licence=settings.data_licence,
                                   data_contact=settings.data_contact)
        return cls(settings, engine, sessions)

    def today(self) -> date:
        return date.fromisoformat(self.settings.today) if self.settings.today else date.today()

    def require_current_schema(self) -> None:
        """Raise SchemaBehind until the database is at HEAD_REVISION (checked until it is).

        A database with no tables at all (a new SQLite file on first start) gets the schema
        created: that writes no data anyone has, so every page renders at once. A database
        that holds data at an older revision is never migrated here: several workers must
        not race over real data, and an upgrade is the operator's `tracker init-db`."""
        if self.schema_checked:
            return
        found = schema_revision(self.engine)
        if found is None and is_empty(self.engine):
            create_schema(self.engine)
            found = schema_revision(self.engine)
        if found != HEAD_REVISION:
            raise SchemaBehind(
                f"the database schema is at revision {found or 'none'}, this version needs "
                f"{HEAD_REVISION}", detail="run `tracker init-db` to migrate it")
        self.schema_checked = True


def schema_revision(engine: Engine) -> str | None:
    """The database's Alembic revision, None when it was never migrated."""
    if not inspect(engine).has_table("alembic_version"):
        return None
    with engine.connect() as conn:
        found: str | None = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    return found
