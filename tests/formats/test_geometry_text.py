"""The stored GeoJSON geometry text: derived on every write, filled by the migration, and
giving the same features as encoding the WKB."""

from __future__ import annotations

import json

import orjson
import pytest
import shapely
from shapely.geometry import LineString, shape
from sqlalchemy import select, text

from tests.conftest import SEED_FILE
from tests.factories import make_project
from tracker.db import make_engine, migrate
from tracker.formats.geojson import encode_features
from tracker.geo import geojson_text
from tracker.models import Project
from tracker.queries.filter import ProjectFilter
from tracker.queries.records import select_records
from tracker.services.base import transaction
from tracker.services.seed import seed_from_file


def test_text_follows_the_geometry(session):
    with transaction(session):
        session.add(make_project(geometry=LineString([(105.12345678, 9.8), (105.6, 9.9)])))
    p = session.scalar(select(Project))
    assert json.loads(p.geometry_geojson) == {
        "type": "LineString", "coordinates": [[105.1234568, 9.8], [105.6, 9.9]]}
    with transaction(session):
        p.geometry = None
        p.geometry_accuracy = None
    assert session.scalar(select(Project)).geometry_geojson is None


def test_stored_text_matches_the_stored_geometry(app, session):
    """The spliced text and the geometry column never disagree (every export relies on it)."""
    seed_from_file(session, SEED_FILE)
    today = app.extensions["tracker"].today()
    from_text = select_records(session, ProjectFilter(), today, geojson=True)
    from_wkb = select_records(session, ProjectFilter(), today)
    features = [orjson.loads(b) for b in encode_features(from_text)]
    assert [f["properties"] for f in features] == from_wkb.records
    for feature, wkb in zip(features, from_wkb.wkb, strict=True):
        expected = geojson_text(shapely.from_wkb(wkb)) if wkb is not None else None
        assert feature["geometry"] == (json.loads(expected) if expected else None)
        assert feature["geometry"] is None or shape(feature["geometry"]).is_valid


def test_encoding_refuses_a_record_set_without_text(app, session):
    seed_from_file(session, SEED_FILE)
    rs = select_records(session, ProjectFilter(), app.extensions["tracker"].today())
    with pytest.raises(ValueError, match="geojson=True"):
        encode_features(rs)


def test_migration_0002_fills_existing_rows(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    migrate(engine, "0001")
    wkb = LineString([(105.5, 9.8), (105.6, 9.9)]).wkb
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO projects (code, name_vi, kind, field, status, search_text, created_at,"
            " updated_at, geometry, geometry_type, min_lon, min_lat, max_lon, max_lat,"
            " geometry_accuracy) VALUES ('old-road', 'Đường cũ', 'road', 'transport',"
            " 'proposed', '', '2026-01-01', '2026-01-01', :g, 'LineString', 105.5, 9.8,"
            " 105.6, 9.9, 'approximate')"), {"g": wkb})
    migrate(engine)
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT geometry_geojson FROM projects")).scalar()
    assert json.loads(stored) == {"type": "LineString",
                                  "coordinates": [[105.5, 9.8], [105.6, 9.9]]}
    engine.dispose()
