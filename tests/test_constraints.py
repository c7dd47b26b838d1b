"""Every rule of the register rejects bad data with a clear message and writes nothing,
first in the model (before SQL) and again in the database itself (raw SQL)."""

from __future__ import annotations

from datetime import date

import pytest
from shapely.geometry import LineString, Point, Polygon
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from tests.factories import make_project
from tracker import vocab
from tracker.errors import ValidationError
from tracker.models import FundingLine, Project, StatusUpdate
from tracker.services.base import transaction

DEGENERATE = LineString([(105.5, 9.8), (105.5, 9.8)])


def count(session) -> int:
    return session.scalar(select(func.count(Project.id)))


def test_a_valid_project_is_stored_with_derived_values(session):
    with transaction(session):
        session.add(make_project(total_investment_vnd=1_250_000_000_000))
    p = session.scalar(select(Project))
    assert p.code == "test-road"
    assert p.geometry_type == "LineString"
    assert p.length_km == pytest.approx(15.57, abs=0.05)
    assert (p.min_lon, p.max_lat) == (105.5, 9.9)
    assert p.status == "proposed"
    assert p.search_text == "test-road duong thu test road"


@pytest.mark.parametrize("overrides, message", [
    ({"code": "Bad Code"}, "code must be a slug"),
    ({"code": "-lead"}, "code must be a slug"),
    ({"code": "x" * 65}, "code must be a slug"),
    ({"name_vi": "  "}, "name_vi is required"),
    ({"kind": "tunnel"}, "kind 'tunnel' is not one of"),
    ({"progress_pct": 101}, "progress_pct must be between 0 and 100"),
    ({"progress_pct": -1}, "progress_pct must be ≥ 0"),
    ({"total_investment_vnd": -5}, "total_investment_vnd must be ≥ 0"),
    ({"total_investment_vnd": 100, "disbursed_vnd": 200}, "exceeds the total investment"),
    ({"planned_start": date(2025, 1, 1), "planned_start_precision": "day",
      "planned_end": date(2024, 1, 1), "planned_end_precision": "day"}, "planned end"),
    ({"actual_start": date(2025, 1, 1), "actual_start_precision": "day",
      "actual_end": date(2024, 12, 31), "actual_end_precision": "day"}, "actual end"),
    ({"geometry": DEGENERATE}, "not valid: Too few points"),
    ({"geometry": LineString([(10.0, 105.6), (9.9, 105.7)])}, "outside the region envelope"),
    ({"geometry": Point(105.6, 9.9)}, "a road must be a LineString or MultiLineString"),
    ({"kind": "bridge", "geometry": LineString([(105.6, 9.9), (105.7, 9.9)])},
     "a bridge must be a Point"),
    ({"geometry": Polygon()}, "geometry is empty"),
    ({"geometry_accuracy": None}, "geometry_accuracy None is not one of"),
    ({"provinces": ["bac-lieu"]}, "provinces 'bac-lieu' is not one of"),
])
def test_model_rejects_bad_project_and_writes_nothing(session, overrides, message):
    with pytest.raises(ValidationError, match=message):
        with transaction(session):
            session.add(make_project("good-one"))  # a valid neighbour in the same transaction
            session.add(make_project(**overrides))
    assert count(session) == 0


def test_a_proposal_without_geometry_is_allowed(session):
    with transaction(session):
        session.add(make_project("fresh-idea", geometry=None, geometry_accuracy=None))
    p = session.scalar(select(Project))
    assert p.geometry is None and p.length_km is None and p.geometry_type is None


def test_bad_status_update_and_funding_line_are_rejected(session):
    p = make_project(total_investment_vnd=1000)
    p.updates.append(StatusUpdate(as_of=date(2024, 1, 1), as_of_precision="day",
                                  status="under_construction", disbursed_vnd=2000))
    with pytest.raises(ValidationError, match="exceeds the total investment"):
        with transaction(session):
            session.add(p)
    q = make_project("other")
    q.funding_lines = [FundingLine(source_type="oda", province="can-tho", amount_vnd=1)]
    with pytest.raises(ValidationError, match="only given for a provincial budget"):
        with transaction(session):
            session.add(q)
    assert count(session) == 0


def test_current_values_follow_the_latest_update(session):
    p = make_project(total_investment_vnd=10_000)
    p.updates.append(StatusUpdate(as_of=date(2024, 6, 1), as_of_precision="day",
                                  status="under_construction", progress_pct=30,
                                  disbursed_vnd=3000))
    p.updates.append(StatusUpdate(as_of=date(2025, 6, 1), as_of_precision="day",
                                  status="suspended", note="land clearance"))
    with transaction(session):
        session.add(p)
    stored = session.scalar(select(Project))
    assert stored.status == "suspended"
    assert stored.progress_pct == 30  # the latest known figure, not erased by a note
    assert stored.disbursed_vnd == 3000


# ---------------------------------------------------------------- the database's own checks

VALID_ROW = dict(code="raw-road", name_vi="Đường", kind="road", field="transport",
                 status="proposed", search_text="", created_at="2026-01-01 00:00:00",
                 updated_at="2026-01-01 00:00:00")


def raw_insert(session, **overrides) -> None:
    row = {**VALID_ROW, **overrides}
    cols = ", ".join(row)
    params = ", ".join(f":{k}" for k in row)
    session.execute(text(f"INSERT INTO projects ({cols}) VALUES ({params})"), row)
    session.commit()


@pytest.mark.parametrize("overrides", [
    {"code": "Has Space"},
    {"code": "trailing-"},
    {"code": "double--hyphen"},
    {"kind": "tunnel"},
    {"status": "done"},
    {"progress_pct": 150},
    {"total_investment_vnd": -1},
    {"total_investment_vnd": 10, "disbursed_vnd": 11},
    {"planned_start": "2025-01-01", "planned_end": "2024-01-01"},
    {"actual_start": "2025-01-01", "actual_end": "2024-01-01"},
    {"geometry_type": "Point", "min_lon": 105.0, "min_lat": 9.0, "max_lon": 105.0,
     "max_lat": 9.0, "geometry_accuracy": "approximate"},  # type without a geometry
    {"planned_end_precision": "week"},
])
def test_database_rejects_what_the_model_would(session, overrides):
    with pytest.raises(IntegrityError):
        raw_insert(session, **overrides)
    session.rollback()
    assert count(session) == 0


def test_database_accepts_a_valid_raw_row(session):
    raw_insert(session)
    assert count(session) == 1


def test_database_knows_every_vocabulary_code(session):
    """Catches drift between tracker/vocab.py and the migration's CHECK lists."""
    for i, s in enumerate(vocab.STATUSES):
        raw_insert(session, code=f"s{i}", status=s.code)
    for i, k in enumerate(vocab.KINDS):
        raw_insert(session, code=f"k{i}", kind=k.code)
    pid = session.scalar(select(Project.id).limit(1))
    for p in vocab.PROVINCES:
        session.execute(text("INSERT INTO project_provinces VALUES (:i, :p)"),
                        {"i": pid, "p": p.code})
    for f in vocab.FUNDING_SOURCES:
        session.execute(text("INSERT INTO funding_lines (project_id, source_type) "
                             "VALUES (:i, :t)"), {"i": pid, "t": f.code})
    session.commit()


def test_postgis_rejects_invalid_geometry_in_sql(postgis_database):
    """Native geometry checks exist on PostGIS only (SQLite relies on the model for these)."""
    from tracker.db import make_engine

    engine = make_engine(postgis_database)
    with pytest.raises(IntegrityError, match="ck_projects_geometry_valid"):
        with engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO projects (code, name_vi, kind, field, status, search_text,"
                " created_at, updated_at, geometry, geometry_type, min_lon, min_lat, max_lon,"
                " max_lat, geometry_accuracy) VALUES ('bow', 'x', 'road', 'transport',"
                " 'proposed', '', now(), now(),"
                " ST_GeomFromText('LINESTRING(105.5 9.8, 105.5 9.8)', 4326), 'LineString',"
                " 105.5, 9.8, 105.5, 9.8, 'approximate')"))
    engine.dispose()
