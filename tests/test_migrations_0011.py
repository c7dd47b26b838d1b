"""Migration 0011 on a database written before it: the audit kinds gain `estimate` (SQLite
rebuilds the table, so every row, index and the other constraints must survive); the
downgrade files estimate entries as edits and refuses the kind again."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from tests.migration_helpers import downgrade as _downgrade
from tracker.db import make_engine, migrate

INSERT = ("INSERT INTO audit_entries (at, actor, kind, summary, project_version, import_id)"
          " VALUES ('2026-01-01', 'cli', :kind, 'x', 3, 7)")


def _indexes(engine) -> set[str]:
    return {i["name"] for i in inspect(engine).get_indexes("audit_entries")}


def test_upgrade_admits_estimate_and_keeps_rows_and_indexes(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    migrate(engine, "0010")
    indexes = _indexes(engine)
    with engine.begin() as conn:
        conn.execute(text(INSERT), {"kind": "user"})
        with pytest.raises(IntegrityError):
            with conn.begin_nested():
                conn.execute(text(INSERT), {"kind": "estimate"})
    migrate(engine)
    assert _indexes(engine) == indexes
    with engine.begin() as conn:
        conn.execute(text(INSERT), {"kind": "estimate"})
        rows = conn.execute(text("SELECT kind, project_version, import_id FROM audit_entries"
                                 " ORDER BY id")).all()
        assert [tuple(r) for r in rows] == [("user", 3, 7), ("estimate", 3, 7)]
        with pytest.raises(IntegrityError):
            with conn.begin_nested():
                conn.execute(text(INSERT), {"kind": "guess"})
    _downgrade(engine, "0010")
    assert _indexes(engine) == indexes
    with engine.begin() as conn:
        kinds = conn.execute(text("SELECT kind FROM audit_entries ORDER BY id")).scalars()
        assert list(kinds) == ["user", "edit"]
        with pytest.raises(IntegrityError):
            with conn.begin_nested():
                conn.execute(text(INSERT), {"kind": "estimate"})
    engine.dispose()
