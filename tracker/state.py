"""What one app instance holds: settings, engine, session factory. No globals."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from .config import Settings
from .db import make_engine, make_session_factory, migrate

HEAD_REVISION = "0005"


@dataclass
class TrackerState:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]

    @classmethod
    def build(cls, settings: Settings, auto_migrate: bool = True) -> TrackerState:
        engine = make_engine(settings.resolved_database_url)
        if auto_migrate and not schema_is_current(engine):
            migrate(engine)
        return cls(settings, engine, make_session_factory(engine, settings.region_bbox))

    def today(self) -> date:
        return date.fromisoformat(self.settings.today) if self.settings.today else date.today()


def schema_is_current(engine: Engine) -> bool:
    """True when the database is at the head revision (a cheap check, no Alembic import)."""
    if not inspect(engine).has_table("alembic_version"):
        return False
    with engine.connect() as conn:
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar() \
            == HEAD_REVISION
