"""Fixtures: every database test runs on a real SQLite file and on a real PostGIS.

PostGIS tests read their URL from TRACKER_TEST_POSTGIS_URL. Without it they are skipped on a
developer machine; in CI (CI=true) a missing PostGIS is a failure, never a skip.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from tracker import create_app
from tracker.config import REPO_ROOT
from tracker.db import make_engine, migrate
from tracker.services.seed import seed_boundaries_if_empty, seed_from_file

SHARED_DATA = REPO_ROOT.parent / "shared" / "data"
SEED_FILE = REPO_ROOT / "geodata" / "projects.geojson"
TODAY = "2026-11-21"
TABLES = ("status_updates", "funding_lines", "investment_estimates", "project_components",
          "project_sources", "project_provinces",
          "projects", "sources", "boundaries", "audit_entries", "api_tokens", "users",
          "sign_in_throttles", "imports")


def postgis_url() -> str | None:
    url = os.environ.get("TRACKER_TEST_POSTGIS_URL")
    if not url and os.environ.get("CI") == "true":
        pytest.fail("CI=true but TRACKER_TEST_POSTGIS_URL is not set: PostGIS tests must run")
    return url


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file; each test gets its own copy (migrating once is faster)."""
    path = tmp_path_factory.mktemp("template") / "tracker.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine)
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def seeded_sqlite_template(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory
                           ) -> Path:
    """The migrated file with the seed and the outlines loaded, once per run: a test that
    asks for `seeded_app` on SQLite gets a copy instead of seeding again."""
    path = tmp_path_factory.mktemp("seeded") / "tracker.db"
    shutil.copy(sqlite_template, path)
    app = create_app({"database_url": f"sqlite:///{path}", "today": TODAY,
                      "instance_path": str(path.parent), "tiles_url": ""})
    _seed(app)
    engine = app.extensions["tracker"].engine
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


def _seed(app) -> None:
    st = app.extensions["tracker"]
    with st.sessions() as s:
        seed_from_file(s, SEED_FILE)
        seed_boundaries_if_empty(s, REPO_ROOT / "geodata" / "boundaries.geojson")


@pytest.fixture(scope="session")
def postgis_database() -> Iterator[str]:
    """A fresh database of this test run's own (so parallel runs never share tables),
    created on the server TRACKER_TEST_POSTGIS_URL names, migrated once, dropped at the end."""
    base = postgis_url()
    if not base:
        pytest.skip("TRACKER_TEST_POSTGIS_URL is not set")
    name = f"tracker_t_{os.getpid()}_{int(time.time())}"
    server = make_engine(base).execution_options(isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(make_engine(base).url).set(database=name).render_as_string(
        hide_password=False)
    engine = make_engine(url)
    migrate(engine)
    engine.dispose()
    yield url
    with server.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    server.dispose()


@pytest.fixture(params=["sqlite", "postgis"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        target = tmp_path / "tracker.db"
        seeded = "seeded_app" in request.fixturenames
        template = "seeded_sqlite_template" if seeded else "sqlite_template"
        shutil.copy(request.getfixturevalue(template), target)
        return f"sqlite:///{target}"
    url: str = request.getfixturevalue("postgis_database")
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE"))
    engine.dispose()
    return url


@pytest.fixture
def app(db_url: str, tmp_path: Path):
    app = create_app({"database_url": db_url, "instance_path": str(tmp_path),
                      "today": TODAY, "tiles_url": ""})
    app.config["TESTING"] = True
    yield app
    app.extensions["tracker"].engine.dispose()


@pytest.fixture
def session(app):
    s = app.extensions["tracker"].sessions()
    yield s
    s.close()


@pytest.fixture
def seeded_app(app, db_url: str):
    """The app on a seeded database: on SQLite a copy of the seeded file (db_url), on PostGIS
    seeded into the truncated test database."""
    if not db_url.startswith("sqlite"):
        _seed(app)
    return app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()
