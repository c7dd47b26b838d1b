"""The register's rules for every writer: the raw-value door (`clean_*`, what seed, import,
forms and the write API call) and the ORM door (the flush hook), with limits derived from the
columns so text fits on SQLite and PostGIS alike."""

from __future__ import annotations

import math
import warnings
from datetime import date
from inspect import signature as inspect_signature

import numpy as np
import pytest
from shapely.geometry import LineString, Polygon
from sqlalchemy import func, inspect, select, text

from tests.factories import make_project
from tracker import checks, create_app
from tracker.config import load_settings
from tracker.errors import ValidationError
from tracker.formats.safe_json import MB
from tracker.formats.seedfile import DEFAULT_MAX_VERTICES, read_file
from tracker.limits import COLUMN_RULES, MAX_VERTICES, Limits
from tracker.models import Base, Boundary, Project, Source, StatusUpdate
from tracker.services.base import transaction

LIMITS = Limits((104.4, 8.5, 106.9, 11.1))
ROAD = LineString([(105.5, 9.8), (105.6, 9.9)])


def nan_line() -> LineString:
    with warnings.catch_warnings():  # shapely warns while it builds what the checks refuse
        warnings.simplefilter("ignore", RuntimeWarning)
        return LineString([(105.5, math.nan), (105.6, 9.9)])


def raw_project(**changes):
    return {"code": "road-1", "name_vi": " Đường thử ", "kind": "road",
            "geometry_accuracy": "approximate", "geometry": ROAD,
            "provinces": ["hau-giang", "can-tho", "hau-giang"], "planned_end": "2027",
            "total_investment_vnd": 1.25e12, "stated_length_km": 12} | changes


def test_clean_project_returns_clean_values_named_like_the_columns():
    out = checks.clean_project(raw_project(), "form", LIMITS)
    assert out["name_vi"] == "Đường thử" and out["name_en"] is None
    assert out["field"] == "transport"
    assert out["planned_end"] == date(2027, 12, 31) and out["planned_end_precision"] == "year"
    assert out["total_investment_vnd"] == 1_250_000_000_000
    assert isinstance(out["total_investment_vnd"], int)
    assert out["stated_length_km"] == 12.0 and out["provinces"] == ["can-tho", "hau-giang"]
    assert set(out) - {"provinces", "geometry"} <= set(COLUMN_RULES["projects"])


def test_numbers_from_gdal_are_numbers():
    out = checks.clean_project(raw_project(total_investment_vnd=np.int64(7),
                                           stated_length_km=np.float64(1.5)), "import", LIMITS)
    assert out["total_investment_vnd"] == 7 and out["stated_length_km"] == 1.5


@pytest.mark.parametrize("changes, field, words", [
    ({"name_vi": "x" * 301}, "name_vi", "301 characters; at most 300"),
    ({"governing_body": "Ban\x1b[2J"}, "governing_body", "U+001B"),
    ({"name_en": "a\u202db"}, "name_en", "U+202D"),
    ({"description_vi": "a\x00b"}, "description_vi", "U+0000"),
    ({"name_vi": 5}, "name_vi", "must be text"),
    ({"total_investment_vnd": True}, "total_investment_vnd", "whole number"),
    ({"total_investment_vnd": 1.5}, "total_investment_vnd", "whole number"),
    ({"total_investment_vnd": 2**63}, "total_investment_vnd", "largest"),
    ({"stated_length_km": math.inf}, "stated_length_km", "finite"),
    ({"stated_length_km": "12 km"}, "stated_length_km", "must be a number"),
    ({"planned_end": "2101"}, "planned_end", "1975–2100"),
    ({"planned_end": 2027}, "planned_end", "ISO 8601"),
    ({"planned_end": "2027-02-30"}, "planned_end", "not a real date"),
    ({"kind": "tunnel"}, "kind", "not one of"),
    ({"provinces": "can-tho"}, "provinces", "list"),
    ({"geometry": LineString([(105.5 + i * 1e-6, 9.8) for i in range(50_001)])}, "geometry",
     "50,001 vertices"),
    ({"geometry": nan_line()}, "geometry", "finite"),
])
def test_clean_project_names_the_record_and_the_field(changes, field, words):
    with pytest.raises(ValidationError, match="^feature 2 \\(road-1\\): ") as err:
        checks.clean_project(raw_project(**changes), "feature 2 (road-1)", LIMITS)
    assert err.value.field == field and words in err.value.message


def test_clean_update_funding_and_source():
    u = checks.clean_update({"as_of": "2024-06", "status": "under_construction",
                             "progress_pct": 30, "note": "a\r\nb"}, "u", 100)
    assert (u["as_of"], u["as_of_precision"], u["progress_pct"], u["note"]) == \
        (date(2024, 6, 1), "month", 30.0, "a\nb")
    for raw, field in (({"progress_pct": 150}, "progress_pct"),
                       ({"progress_pct": math.nan}, "progress_pct"),
                       ({"disbursed_vnd": 101}, "disbursed_vnd"),
                       ({"as_of": None}, "as_of"), ({"as_of": "1974"}, "as_of")):
        with pytest.raises(ValidationError) as err:
            checks.clean_update({"as_of": "2024", "status": "proposed"} | raw, "u", 100)
        assert err.value.field == field
    f = checks.clean_funding({"source_type": "provincial_budget", "province": "can-tho",
                              "amount_vnd": 5, "budget_year": 2024}, "f")
    assert f == {"source_type": "provincial_budget", "province": "can-tho", "amount_vnd": 5,
                 "budget_year": 2024, "note": None, "note_en": None}
    s = checks.clean_source({"key": "a-b", "publisher": "Báo", "published": "2024-01-02",
                             "url": "https://baocantho.com.vn/x"}, "source 'a-b'")
    assert s["published_on"] == date(2024, 1, 2) and s["url"] == "https://baocantho.com.vn/x"
    with pytest.raises(ValidationError, match="source 'a-b': url") as err:
        checks.clean_source({"key": "a-b", "publisher": "Báo", "url": "javascript:x"},
                            "source 'a-b'")
    assert err.value.field == "url"


def _reflected_lengths(session) -> dict[tuple[str, str], int | None]:
    if session.get_bind().dialect.name == "sqlite":
        insp = inspect(session.get_bind())
        return {(t, c["name"]): getattr(c["type"], "length", None)
                for t in insp.get_table_names() for c in insp.get_columns(t)}
    rows = session.execute(text(
        "SELECT table_name, column_name, character_maximum_length "
        "FROM information_schema.columns WHERE table_schema = 'public'"))
    return {(t, c): n for t, c, n in rows}


def test_the_limits_are_the_columns_of_both_databases(session):
    """The migrations made the same columns the ORM declares: a text that passes the checks
    fits its column on SQLite and on PostGIS."""
    found = _reflected_lengths(session)
    checked = 0
    for table, rules in COLUMN_RULES.items():
        for name, rule in rules.items():
            if rule.kind == "text":
                assert found[(table, name)] == rule.max_chars, (table, name)
                checked += 1
    assert checked >= 20
    assert {t.name for t in Base.metadata.sorted_tables} == set(COLUMN_RULES)


def count(session) -> int:
    return session.scalar(select(func.count(Project.id))) or 0


def _too_many_vertices() -> LineString:
    return LineString([(105.5 + i * 1e-6, 9.8 + (i % 2) * 1e-6)
                       for i in range(MAX_VERTICES + 1)])


@pytest.mark.parametrize("build, field", [
    (lambda: make_project(name_vi="ệ" * 301), "name_vi"),
    (lambda: make_project(governing_body="Ban \x1b]8;;http://evil\x07QLDA"), "governing_body"),
    (lambda: make_project(geometry_note="note\u202e"), "geometry_note"),
    (lambda: make_project(total_investment_vnd=2**63), "total_investment_vnd"),
    (lambda: make_project(stated_length_km=math.inf), "stated_length_km"),
    (lambda: make_project(progress_pct=math.nan), "progress_pct"),
    (lambda: make_project(planned_start=date(1900, 1, 1), planned_start_precision="day"),
     "planned_start"),
    (lambda: make_project(geometry=_too_many_vertices()), "geometry"),
])
def test_the_flush_hook_holds_every_writer_to_the_same_rules(session, build, field):
    with pytest.raises(ValidationError) as err:
        with transaction(session):
            session.add(build())
    assert err.value.field == field and "project 'test-road'" in err.value.message
    assert count(session) == 0


def test_the_flush_hook_checks_history_sources_and_outlines(session):
    p = make_project()
    p.updates.append(StatusUpdate(as_of=date(9999, 1, 1), as_of_precision="day",
                                  status="under_construction"))
    with pytest.raises(ValidationError, match="as_of 9999-01-01 is outside 1975–2100"):
        with transaction(session):
            session.add(p)
    with pytest.raises(ValidationError, match="source 'a-b': url") as err:
        with transaction(session):
            session.add(Source(key="a-b", publisher="x", url="data:text/html,hi"))
    assert err.value.field == "url"
    square = Polygon([(105, 9), (105.1, 9), (105.1, 9.1), (105, 9)])
    with pytest.raises(ValidationError, match="boundary 'can-tho': name_vi holds"):
        with transaction(session):
            session.add(Boundary(code="can-tho", name_vi="Cần Thơ\u202e", geometry=square,
                                 geometry_accuracy="digitised"))
    assert count(session) == 0
    assert session.scalar(select(func.count(Source.id))) == 0
    assert session.scalar(select(func.count(Boundary.code))) == 0


def test_the_defaults_of_the_settings_are_the_defaults_of_the_code():
    settings = load_settings(environ={})
    assert settings.max_vertices == MAX_VERTICES == DEFAULT_MAX_VERTICES
    assert settings.max_upload_bytes == 50 * MB == \
        inspect_signature(read_file).parameters["max_bytes"].default


def test_the_vertex_limit_setting_reaches_the_flush_hook(db_url, tmp_path):

    app = create_app({"database_url": db_url, "instance_path": str(tmp_path),
                      "max_vertices": 3})
    try:
        with app.extensions["tracker"].sessions() as s:
            with pytest.raises(ValidationError, match="at most 3 are allowed"):
                with transaction(s):
                    s.add(make_project(geometry=LineString(
                        [(105.5, 9.8), (105.6, 9.9), (105.7, 9.9), (105.8, 9.95)])))
    finally:
        app.extensions["tracker"].engine.dispose()
