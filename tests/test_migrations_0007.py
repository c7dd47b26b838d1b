"""Migration 0007 on a database written before it: every project at row version 1 and not
deleted, audit entries without a version; the downgrade removes the columns and keeps every
row (a SQLite DROP COLUMN in place, not a table copy that would cascade)."""

from __future__ import annotations

from sqlalchemy import inspect, text

from tests.migration_helpers import downgrade as _downgrade
from tracker.db import make_engine, migrate


def test_upgrade_and_downgrade_keep_every_row(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    migrate(engine, "0005")
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO projects (id, code, name_vi, kind, field, status, search_text,"
            " owner_search, created_at, updated_at) VALUES (1, 'old-road', 'Đường cũ', 'road',"
            " 'transport', 'proposed', '', '', '2026-01-01', '2026-01-01')"))
        conn.execute(text(
            "INSERT INTO status_updates (id, project_id, as_of, as_of_precision, status,"
            " created_at) VALUES (1, 1, '2021-01-01', 'year', 'proposed', '2026-01-01')"))
        conn.execute(text(
            "INSERT INTO audit_entries (at, actor, kind, project_id, summary) VALUES"
            " ('2026-01-01', 'cli', 'create', 1, 'created')"))
    migrate(engine)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT version_id, deleted_at FROM projects")).one() == (1, None)
        assert conn.execute(text("SELECT project_version FROM audit_entries")).scalar() is None
    _downgrade(engine, "0005")
    columns = {c["name"] for c in inspect(engine).get_columns("projects")}
    assert "version_id" not in columns and "deleted_at" not in columns
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM status_updates")).scalar() == 1
        assert conn.execute(text("SELECT count(*) FROM audit_entries")).scalar() == 1
    engine.dispose()
