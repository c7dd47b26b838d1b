"""Migration 0010 on a database written before it: the imports table is added and every
audit entry keeps its row (import_id empty); the downgrade removes both and keeps the rows."""

from __future__ import annotations

from sqlalchemy import inspect, text

from tests.migration_helpers import downgrade as _downgrade
from tracker.db import make_engine, migrate


def test_upgrade_and_downgrade_keep_every_row(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    migrate(engine, "0009")
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO audit_entries (at, actor, kind, summary) VALUES"
            " ('2026-01-01', 'cli', 'user', 'user added')"))
    migrate(engine)
    with engine.begin() as conn:
        assert conn.execute(text("SELECT import_id FROM audit_entries")).scalar() is None
        conn.execute(text(
            "INSERT INTO imports (at, actor, file_name, sha256, file_format, features, created,"
            " changed, unchanged) VALUES ('2026-01-02', 'cli', 'a.gpkg', :sha, 'gpkg', 1, 1, 0,"
            " 0)"), {"sha": "a" * 64})
    _downgrade(engine, "0009")
    assert "imports" not in inspect(engine).get_table_names()
    assert "import_id" not in {c["name"] for c in inspect(engine).get_columns("audit_entries")}
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM audit_entries")).scalar() == 1
    engine.dispose()
