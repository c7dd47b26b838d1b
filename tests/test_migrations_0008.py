"""Migration 0008 on a database written before it, on SQLite and PostGIS: owner and investor
move to governing_body and project_owner, a total becomes the project's one (undated) estimate
so the total stays what it was, every project is in the programme; the downgrade renames the
roles back and keeps every project, update and funding line."""

from __future__ import annotations

import warnings

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SAWarning

from tests.conftest import postgis_url
from tests.migration_helpers import downgrade as _downgrade
from tracker.db import make_engine, migrate


@pytest.fixture(params=["sqlite", "postgis"])
def empty_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'old.db'}"
        return
    base = postgis_url()
    if not base:
        pytest.skip("TRACKER_TEST_POSTGIS_URL is not set")
    name = f"tracker_m8_{tmp_path.name[-20:].replace('-', '_')}".lower()
    server = make_engine(base).execution_options(isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(base).set(database=name).render_as_string(hide_password=False)
    with server.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    server.dispose()


def test_upgrade_moves_roles_and_totals_and_downgrade_keeps_rows(empty_url):
    engine = make_engine(empty_url)
    migrate(engine, "0007")
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO projects (id, code, name_vi, kind, field, status, search_text,"
            " owner_search, owner, investor, total_investment_vnd, created_at, updated_at)"
            " VALUES (1, 'old-road', 'Đường cũ', 'road', 'transport', 'proposed', '', '',"
            " 'UBND tỉnh Hậu Giang', 'Ban QLDA', 3888000000000, '2026-01-01', '2026-01-01')"))
        conn.execute(text(
            "INSERT INTO projects (id, code, name_vi, kind, field, status, search_text,"
            " owner_search, created_at, updated_at) VALUES (2, 'no-money', 'Cầu', 'road',"
            " 'transport', 'proposed', '', '', '2026-01-01', '2026-01-01')"))
        conn.execute(text(
            "INSERT INTO status_updates (id, project_id, as_of, as_of_precision, status,"
            " created_at) VALUES (1, 1, '2021-01-01', 'year', 'proposed', '2026-01-01')"))
        conn.execute(text(
            "INSERT INTO funding_lines (id, project_id, source_type, amount_vnd) VALUES"
            " (1, 1, 'oda', 2538000000000)"))
    migrate(engine)
    with engine.connect() as conn:
        assert conn.execute(text(
            "SELECT governing_body, project_owner, private_investor, programme_role,"
            " total_investment_vnd, total_investment_qualifier FROM projects WHERE id = 1"
        )).one() == ("UBND tỉnh Hậu Giang", "Ban QLDA", None, "programme", 3888000000000,
                     "exact")
        assert conn.execute(text(
            "SELECT project_id, seq, amount_vnd, as_of, basis, qualifier"
            " FROM investment_estimates")).all() == [(1, 1, 3888000000000, None, None, "exact")]
        assert conn.execute(text("SELECT programme_role FROM projects WHERE id = 2")).scalar() \
            == "programme"
        assert conn.execute(text("SELECT estimate_id FROM funding_lines")).scalar() is None
    _downgrade(engine, "0007")
    with warnings.catch_warnings():  # the inspector does not know PostGIS's geometry type
        warnings.simplefilter("ignore", SAWarning)
        columns = {c["name"] for c in inspect(engine).get_columns("projects")}
    assert {"owner", "investor"} <= columns
    assert not columns & {"governing_body", "project_owner", "programme_role", "corridor"}
    assert not {"investment_estimates", "project_components"} & set(
        inspect(engine).get_table_names())
    with engine.connect() as conn:
        assert conn.execute(text("SELECT owner, investor, total_investment_vnd FROM projects"
                                 " WHERE id = 1")).one() == ("UBND tỉnh Hậu Giang", "Ban QLDA",
                                                             3888000000000)
        assert conn.execute(text("SELECT count(*) FROM status_updates")).scalar() == 1
        assert conn.execute(text("SELECT count(*) FROM funding_lines")).scalar() == 1
    migrate(engine)  # and up again
    engine.dispose()
