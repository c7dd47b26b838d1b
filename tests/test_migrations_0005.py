"""Migration 0005 on a database written before it: the seed's "vi / en" history notes split in
two, names given their sort keys, nothing else rewritten; the downgrade joins them back."""

from __future__ import annotations

from sqlalchemy import text

from tests.migration_helpers import downgrade as _downgrade
from tracker.collation import sort_key
from tracker.db import make_engine, migrate

OLD_SEED_NOTE = ("Khởi công ngày 01/01/2023. / Construction started on 01/01/2023.")
STAFF_NOTE = "Chờ ý kiến Sở Tài chính / Sở Xây dựng"  # a person's note: left as written


def _old_database(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    migrate(engine, "0004")
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO projects (id, code, name_vi, name_en, kind, field, status, search_text,"
            " owner_search, created_at, updated_at, geometry_note) VALUES (1, 'old-road',"
            " 'Đường Đất Sét', NULL, 'road', 'transport', 'proposed', '', '', '2026-01-01',"
            " '2026-01-01', 'Approximate.')"))
        for i, (note, author) in enumerate([(OLD_SEED_NOTE, "seed"), (STAFF_NOTE, "ban-qlda"),
                                            (None, "seed")], 1):
            conn.execute(text(
                "INSERT INTO status_updates (id, project_id, as_of, as_of_precision, status,"
                " note, author, created_at) VALUES (:i, 1, :d, 'day', 'proposed', :n, :a,"
                " '2026-01-01')"), {"i": i, "d": f"2023-01-0{i}", "n": note, "a": author})
    return engine


def test_upgrade_splits_the_seeds_notes_and_keys_the_names(tmp_path):
    engine = _old_database(tmp_path)
    migrate(engine)
    with engine.connect() as conn:
        notes = conn.execute(text(
            "SELECT author, note, note_en FROM status_updates ORDER BY id")).all()
        keys = conn.execute(text("SELECT sort_name_vi, sort_name_en, geometry_note,"
                                 " geometry_note_en FROM projects")).one()
    assert notes == [("seed", "Khởi công ngày 01/01/2023.", "Construction started on 01/01/2023."),
                     ("ban-qlda", STAFF_NOTE, None), ("seed", None, None)]
    assert keys == (sort_key("Đường Đất Sét"), sort_key("Đường Đất Sét"), "Approximate.", None)
    _downgrade(engine, "0004")
    with engine.connect() as conn:
        back = conn.execute(text("SELECT note FROM status_updates ORDER BY id")).scalars().all()
        columns = [r[1] for r in conn.execute(text("PRAGMA table_info(status_updates)"))]
    assert back == [OLD_SEED_NOTE, STAFF_NOTE, None] and "note_en" not in columns
    engine.dispose()
