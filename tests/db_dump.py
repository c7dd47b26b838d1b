"""A dump of every row of every table, to show a refused write changed nothing at all."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Engine

from tracker.models import Base


def dump(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every table's rows as the database returns them (geometry as its raw bytes or hex),
    sorted, plus the schema revision."""
    out: dict[str, list[tuple[Any, ...]]] = {}
    with engine.connect() as conn:
        for table in [*Base.metadata.sorted_tables, "alembic_version"]:
            name = getattr(table, "name", table)
            rows = conn.execute(text(f'SELECT * FROM "{name}"')).all()
            out[str(name)] = sorted((tuple(r) for r in rows), key=repr)
    return out
