"""Migration 0009 on a database written before it: each project's status_as_of (+ precision)
is its latest update's; a project nobody edited (no audit entry: the seed loaded it) is dated
by its newest fact instead of its loading time, an edited one keeps its time; the downgrade
drops the two columns and keeps every row."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import inspect, text

from tests.migration_helpers import downgrade as _downgrade
from tracker.db import make_engine, migrate


def _old_database(engine) -> None:
    migrate(engine, "0008")
    with engine.begin() as conn:
        for pid, code in ((1, "seeded-road"), (2, "edited-road"), (3, "no-history")):
            conn.execute(text(
                "INSERT INTO projects (id, code, name_vi, kind, field, status, search_text,"
                " owner_search, created_at, updated_at) VALUES (:id, :code, 'Đường', 'road',"
                " 'transport', 'under_construction', '', '', '2026-12-02 04:47:00',"
                " '2026-12-02 04:47:00')"), {"id": pid, "code": code})
        for uid, pid, as_of, prec in ((1, 1, "2021-01-01", "year"),
                                      (2, 1, "2025-12-18", "day"),
                                      (3, 1, "2025-12-18", "day"),  # same day: later id wins
                                      (4, 2, "2023-07-01", "month")):
            conn.execute(text(
                "INSERT INTO status_updates (id, project_id, as_of, as_of_precision, status,"
                " created_at) VALUES (:id, :pid, :as_of, :prec, 'under_construction',"
                " '2026-12-02')"), {"id": uid, "pid": pid, "as_of": as_of, "prec": prec})
        conn.execute(text("UPDATE status_updates SET as_of_precision = 'month' WHERE id = 3"))
        conn.execute(text(
            "INSERT INTO audit_entries (at, actor, kind, project_id, summary) VALUES"
            " ('2026-12-02 04:47:00', 'editor', 'edit', 2, 'edited')"))


def test_upgrade_back_fills_and_downgrade_keeps_every_row(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    _old_database(engine)
    migrate(engine)
    with engine.connect() as conn:
        rows = {r[0]: r[1:] for r in conn.execute(text(
            "SELECT code, status_as_of, status_as_of_precision, updated_at FROM projects"))}
    assert rows["seeded-road"][:2] == ("2025-12-18", "month")
    assert rows["seeded-road"][2] == "2025-12-18 00:00:00.000000"  # its newest fact
    assert rows["edited-road"] == ("2023-07-01", "month", "2026-12-02 04:47:00")  # edited
    assert rows["no-history"] == (None, None, "2026-12-02 04:47:00")
    _downgrade(engine, "0008")
    columns = {c["name"] for c in inspect(engine).get_columns("projects")}
    assert "status_as_of" not in columns and "status_as_of_precision" not in columns
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM projects")).scalar() == 3
        assert conn.execute(text("SELECT count(*) FROM status_updates")).scalar() == 4
    engine.dispose()


def test_the_orm_reads_the_back_filled_values(tmp_path):
    """The ORM reads what the migration wrote (SQLite's stored DateTime text included)."""
    from tracker import create_app
    from tracker.queries.select import get_project

    path = tmp_path / "old.db"
    engine = make_engine(f"sqlite:///{path}")
    _old_database(engine)
    migrate(engine)
    engine.dispose()
    app = create_app({"database_url": f"sqlite:///{path}", "instance_path": str(tmp_path)})
    with app.extensions["tracker"].sessions() as s:
        p = get_project(s, "seeded-road")
        assert p is not None
        assert (p.status_as_of, p.status_as_of_precision) == (date(2025, 12, 18), "month")
        assert p.updated_at == datetime(2025, 12, 18)
    app.extensions["tracker"].engine.dispose()
