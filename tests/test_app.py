"""App assembly, settings and their documentation."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from tracker import create_app
from tracker.config import REPO_ROOT, load_settings, setting_docs
from tracker.db import alembic_config, make_engine, migrate
from tracker.state import HEAD_REVISION, schema_revision


def test_every_setting_is_documented_in_the_readme():
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    for env, _default, _help in setting_docs():
        assert f"`{env}`" in readme, f"{env} is not documented in README.md"


def test_settings_come_from_the_environment_and_overrides_win():
    s = load_settings({"tiles_url": "http://x/{z}/{x}/{y}.png"},
                      environ={"TRACKER_REGION_BBOX": "105,9,106,10",
                               "TRACKER_TILES_URL": "ignored"})
    assert s.region_bbox == (105.0, 9.0, 106.0, 10.0)
    assert s.tiles_url == "http://x/{z}/{x}/{y}.png"
    with pytest.raises(ValueError, match="TRACKER_REGION_BBOX"):
        load_settings(environ={"TRACKER_REGION_BBOX": "106,9,105,10"})


def test_default_database_is_a_sqlite_file_in_the_instance_folder(tmp_path: Path):
    s = load_settings({"instance_path": str(tmp_path)}, environ={})
    assert s.resolved_database_url == f"sqlite:///{tmp_path}/tracker.db"


def test_head_revision_constant_matches_alembic():
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    assert script.get_current_head() == HEAD_REVISION


def test_healthz_and_index(seeded_app):
    client = seeded_app.test_client()
    health = client.get("/healthz")
    assert health.status_code == 200 and health.json["projects"] >= 10
    page = client.get("/")
    assert page.status_code == 200


def test_sqlite_database_uses_wal(tmp_path):
    from tracker import create_app

    app = create_app({"instance_path": str(tmp_path), "database_url": ""})
    with app.extensions["tracker"].engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    assert (tmp_path / "tracker.db").exists()  # created and migrated on first start


def test_migration_0003_folds_existing_owners(tmp_path):
    from sqlalchemy import text

    from tracker.db import make_engine, migrate

    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    migrate(engine, "0002")
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO projects (code, name_vi, kind, field, status, search_text, created_at,"
            " updated_at, owner, investor) VALUES ('old-road', 'Đường cũ', 'road', 'transport',"
            " 'proposed', '', '2026-01-01', '2026-01-01', 'UBND tỉnh Hậu Giang',"
            " 'Ban QLDA Mỹ Thuận')"))
    migrate(engine)
    with engine.connect() as conn:
        folded = conn.execute(text("SELECT owner_search FROM projects")).scalar()
    assert folded == "ubnd tinh hau giang ban qlda my thuan"
    engine.dispose()


def test_an_empty_database_renders_at_once(tmp_path: Path):
    """A new SQLite file (no table at all): create_app touches nothing, the first request
    creates the schema, and the map, the table and the API render, seeded or not."""
    app = create_app({"database_url": f"sqlite:///{tmp_path}/new.db",
                      "instance_path": str(tmp_path)})
    st = app.extensions["tracker"]
    assert inspect(st.engine).get_table_names() == []  # building the app created nothing
    client = app.test_client()
    for url in ("/map", "/projects", "/", "/api/v1/projects"):
        assert client.get(url).status_code == 200, url
    assert schema_revision(st.engine) == HEAD_REVISION
    assert app.test_cli_runner().invoke(args=["seed"]).exit_code == 0
    assert client.get("/projects").status_code == 200
    st.engine.dispose()


def test_a_database_behind_is_never_migrated_by_a_worker(tmp_path: Path):
    """A database holding data at an older revision answers 503 naming the command (and the
    CLI exits 1) until `tracker init-db` upgrades it: workers never race over real data."""
    url = f"sqlite:///{tmp_path}/old.db"
    engine = make_engine(url)
    migrate(engine, "0003")
    engine.dispose()
    app = create_app({"database_url": url, "instance_path": str(tmp_path)})
    st = app.extensions["tracker"]
    client = app.test_client()
    r = client.get("/projects")
    assert r.status_code == 503 and "tracker init-db" in r.get_data(as_text=True)
    assert client.get("/api/v1/projects").json["error"].startswith("the database schema")
    assert schema_revision(st.engine) == "0003"
    runner = app.test_cli_runner()
    seed = runner.invoke(args=["seed"])
    assert seed.exit_code == 1 and "tracker init-db" in seed.output
    assert runner.invoke(args=["init-db"]).exit_code == 0
    assert client.get("/projects").status_code == 200
    st.engine.dispose()
