"""The seeded programme: every named project present, sourced, idempotent, all-or-nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.conftest import SEED_FILE, SHARED_DATA
from tracker.errors import ValidationError
from tracker.formats.seedfile import FACT_FIELDS
from tracker.models import Boundary, Project, ProjectSource, Source, StatusUpdate
from tracker.services.seed import read_boundaries, replace_boundaries, seed_from_file

PROGRAMME = {
    "ql61c-phase2": "road", "ql61c-phase1": "road", "bon-tong-mot-ngan": "road",
    "dt926": "road", "dt931b": "road", "dt932": "road", "vam-xang-bridge": "bridge",
    "xa-no-canal": "waterway", "can-tho-ca-mau-expressway": "expressway",
    "chau-doc-can-tho-soc-trang-expressway": "expressway",
}


def snapshot(session) -> list:
    """Everything a seed could change, including timestamps."""
    rows = []
    for p in session.scalars(select(Project).order_by(Project.code)):
        rows.append((p.code, p.name_vi, p.status, p.progress_pct, p.disbursed_vnd,
                     p.total_investment_vnd, p.length_km, p.updated_at, p.geometry.wkb_hex
                     if p.geometry is not None else None, p.province_codes,
                     [(u.id, u.as_of, u.status, u.note) for u in p.updates],
                     [(f.id, f.source_type, f.amount_vnd) for f in p.funding_lines],
                     [(s.source_id, s.supports) for s in p.source_links]))
    rows.append([(s.id, s.key, s.title, s.url) for s in session.scalars(select(Source))])
    return rows


def test_every_programme_project_is_seeded_faithfully(seeded_app):
    with seeded_app.extensions["tracker"].sessions() as s:
        projects = {p.code: p for p in s.scalars(select(Project))}
        assert {c: p.kind for c, p in projects.items() if c in PROGRAMME} == PROGRAMME
        for p in projects.values():
            assert p.geometry is not None and p.geometry_accuracy == "approximate", p.code
            assert p.updates, p.code
            assert p.updates[0].as_of.year == 2021 or p.code == "ql61c-phase1"
            assert {"can-tho", "hau-giang"} & set(p.province_codes), p.code
            assert p.source_links, p.code
        q2 = projects["ql61c-phase2"]
        assert q2.stated_length_km == pytest.approx(37.152)
        # the latest dated estimate (the Japanese loan), not the first proposal
        assert q2.total_investment_vnd == 3_556_690_000_000
        assert q2.total_investment_qualifier == "approximate"
        assert q2.status == "preparation"
        assert [u.status for u in q2.updates][0] == "proposed"
        assert projects["ql61c-phase1"].status == "completed"
        assert projects["vam-xang-bridge"].geometry.geom_type == "Point"
        # figures no source gives stay unknown, never 0
        assert projects["bon-tong-mot-ngan"].total_investment_vnd is None
        assert projects["vam-xang-bridge"].total_investment_vnd is None
        assert projects["dt926"].stated_length_km is None
        assert s.scalar(select(func.count(Boundary.code))) == 2


def test_every_seeded_value_carries_its_source():
    data = json.loads(SEED_FILE.read_text(encoding="utf-8"))
    assert "crs" not in data
    for feat in data["features"]:
        props = feat["properties"]
        supported = {f for s in props["sources"] for f in s["supports"]}
        for name in FACT_FIELDS:
            if props.get(name) is not None:
                assert name in supported, (props["code"], name)
        for item in props["updates"] + props["funding"]:
            assert item["source"] in data["sources"], props["code"]


def test_seeding_twice_changes_nothing(app, session):
    first = seed_from_file(session, SEED_FILE)
    assert len(first.created) >= len(PROGRAMME)
    session.expire_all()
    before = snapshot(session)
    session.expire_all()
    second = seed_from_file(session, SEED_FILE)
    session.expire_all()
    assert second.created == [] and second.updated == [] and second.updates_added == 0
    assert snapshot(session) == before


def test_a_changed_fact_updates_only_that_project(app, session, tmp_path):
    seed_from_file(session, SEED_FILE)
    data = json.loads(SEED_FILE.read_text(encoding="utf-8"))
    data["features"][0]["properties"]["description_en"] = "Changed description."
    path = tmp_path / "changed.geojson"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    report = seed_from_file(session, path)
    assert report.updated == [data["features"][0]["properties"]["code"]]


@pytest.mark.parametrize("breakage, message", [
    (lambda f: f["properties"].update(kind="tunnel"), "kind 'tunnel' is not one of"),
    (lambda f: f["geometry"].update(coordinates=[[10.0, 105.0], [10.1, 105.1]]),
     "outside the region envelope"),
    (lambda f: f["properties"].update(stated_length_km=-1), "must be ≥ 0"),
    (lambda f: f["properties"].update(total_investment_vnd=1), "latest of 'estimates'"),
    (lambda f: f["properties"]["estimates"][0].update(qualifier="roughly"), "not one of"),
    (lambda f: f["properties"]["components"][0].update(province="kien-giang"), "not one of"),
    (lambda f: f["properties"].update(planned_end="2020-13-01"), "not a real date"),
    (lambda f: f["properties"].update(code="Bad Code"), "not a slug"),
    (lambda f: f["properties"].update(updates=[]), "at least one dated status update"),
])
def test_a_file_with_one_bad_feature_is_rejected_whole(app, session, tmp_path, breakage,
                                                       message):
    data = json.loads(SEED_FILE.read_text(encoding="utf-8"))
    victim = data["features"][-1]
    breakage(victim)
    path = tmp_path / "bad.geojson"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(ValidationError, match=message) as err:
        seed_from_file(session, path)
    assert str(len(data["features"])) in err.value.message or "project" in err.value.message
    assert session.scalar(select(func.count(Project.id))) == 0
    assert session.scalar(select(func.count(StatusUpdate.id))) == 0
    assert session.scalar(select(func.count(ProjectSource.project_id))) == 0


def test_boundaries_load_replaces_outlines_from_the_official_file(seeded_app):
    official = SHARED_DATA / "admin_boundaries_cantho_haugiang.geojson"
    if not official.exists():
        pytest.skip("../shared/data is not beside this checkout")
    with seeded_app.extensions["tracker"].sessions() as s:
        ours = {b.code: b.geometry for b in s.scalars(select(Boundary))}
        n = replace_boundaries(s, read_boundaries(official))
        assert n == 2
        theirs = {b.code: b for b in s.scalars(select(Boundary))}
        assert set(theirs) == {"can-tho", "hau-giang"}
        assert theirs["hau-giang"].iso_3166_2 == "VN-73"
        assert theirs["can-tho"].geometry.bounds[0] == pytest.approx(105.215, abs=0.001)
        for code, geom in ours.items():  # our traced outline is close to the official one
            inter = geom.intersection(theirs[code].geometry).area
            assert inter / geom.union(theirs[code].geometry).area > 0.8


def test_boundaries_file_without_province_codes_is_rejected(session, tmp_path):
    bad = tmp_path / "b.geojson"
    bad.write_text(json.dumps({"type": "FeatureCollection", "features": [{
        "type": "Feature", "properties": {"name": "Nowhere"},
        "geometry": {"type": "Polygon", "coordinates": [[[105, 9], [106, 9], [106, 10],
                                                         [105, 9]]]}}]}))
    with pytest.raises(ValidationError, match="no known province code"):
        read_boundaries(bad)


def test_seed_reads_only_utf8_geojson(session, tmp_path: Path):
    bad = tmp_path / "x.geojson"
    bad.write_text("{not json")
    with pytest.raises(ValidationError, match="not valid JSON"):
        seed_from_file(session, bad)


def test_projects_know_their_present_day_unit(seeded_app):
    from tracker.queries.records import project_record

    with seeded_app.extensions["tracker"].sessions() as s:
        p = s.scalar(select(Project).where(Project.code == "ql61c-phase2"))
        record = project_record(p, p.updated_at.date())
        assert record["provinces"] == "hau-giang"
        assert record["present_units"] == "Thành phố Cần Thơ"
