"""The editing use cases on SQLite and PostGIS: each writes its change and its audit entry in
one transaction, moves the row version, and refuses bad input (every field at once), a stale
version and a concurrent write with nothing written; a soft-deleted project leaves every view
and export."""

from __future__ import annotations

from datetime import date

import pytest
from shapely.geometry import LineString, Point
from sqlalchemy import func, select

from tests.db_dump import dump
from tests.factories import make_project
from tracker import exports
from tracker.audit import Actor
from tracker.errors import InvalidFields, PreconditionFailed, PreconditionRequired
from tracker.models import AuditEntry, Project, Source, StatusUpdate
from tracker.queries.figures import extent, projects_extent, selection_stats, summary
from tracker.queries.filter import ProjectFilter
from tracker.queries.records import select_records
from tracker.queries.select import get_project, map_rows, select_projects
from tracker.services import projects as service
from tracker.services.base import transaction

LAN = Actor("lan", None)
TODAY = date(2026, 11, 21)


@pytest.fixture
def road(session):
    p = make_project("test-road", total_investment_vnd=1_000_000_000_000)
    with transaction(session):
        session.add(p)
        session.add(Source(key="sxd", publisher="Sở Xây dựng"))
    return p


def entries(session, project=None):
    stmt = select(AuditEntry).order_by(AuditEntry.id)
    if project is not None:
        stmt = stmt.where(AuditEntry.project_id == project.id)
    return list(session.scalars(stmt))


def test_create_writes_the_project_its_first_update_and_one_audit_entry(session):
    done = service.create_project(session, LAN, {
        "code": "dt999", "name_vi": "Đường tỉnh 999", "kind": "road", "status": "proposed",
        "provinces": ["hau-giang"], "geometry": LineString([(105.5, 9.8), (105.6, 9.9)]),
        "geometry_accuracy": "digitised", "total_investment_vnd": 5_000_000_000,
        "as_of": "2026-11", "progress_pct": 0, "note": "Đề xuất mới",
        "source": {"key": "sxd-2026-11", "publisher": "Sở Xây dựng", "published": "2026-11-20"},
    }, today=TODAY, author="Lan")
    session.expire_all()
    p = get_project(session, "dt999")
    assert p.version_id == 1 and p.status == "proposed" and p.progress_pct == 0
    assert p.length_km > 0 and p.geometry_type == "LineString"
    [u] = p.updates
    assert (u.as_of, u.as_of_precision, u.author, u.source.key) == (
        date(2026, 11, 1), "month", "Lan", "sxd-2026-11")
    [link] = p.source_links
    assert link.source.key == "sxd-2026-11" and "total_investment_vnd" in link.supports.split()
    [entry] = entries(session, p)
    assert entry.kind == "create" and entry.actor == "lan" and entry.project_version == 1
    assert entry.id == done.entry.id
    changes = {c["field"]: c for c in entry.change_list}
    assert changes["name_vi"] == {"field": "name_vi", "old": None, "new": "Đường tỉnh 999"}
    assert changes["geometry"]["new"]["type"] == "LineString"
    assert changes["update"]["new"]["as_of"] == "2026-11"
    assert changes["sources"]["new"] == ["sxd-2026-11"]


def test_an_edit_changes_only_what_it_names_and_audits_old_and_new(session, road):
    service.edit_project(session, LAN, road, {"name_en": "A new name", "planned_end": "2027-06",
                                              "provinces": ["can-tho", "hau-giang"]},
                         expected_version=1, source="sxd")
    session.expire_all()
    p = get_project(session, "test-road")
    assert (p.name_en, p.partial_date("planned_end"), p.province_codes) == (
        "A new name", "2027-06", ["can-tho", "hau-giang"])
    assert p.name_vi == "Đường thử" and p.version_id == 2
    [entry] = entries(session, p)
    assert entry.kind == "edit" and entry.project_version == 2
    assert {c["field"]: (c["old"], c["new"]) for c in entry.change_list} == {
        "name_en": ("Test road", "A new name"), "planned_end": (None, "2027-06"),
        "provinces": (["hau-giang"], ["can-tho", "hau-giang"]), "sources": ([], ["sxd"])}


def test_a_patch_that_changes_nothing_writes_nothing(session, road):
    before = dump(session.get_bind())
    done = service.edit_project(session, LAN, road, {"name_en": "Test road"},
                                expected_version=1, source={"key": "x-y", "publisher": "X"})
    assert done.entry is None
    assert dump(session.get_bind()) == before


def test_geometry_alone_is_a_geometry_entry(session, road):
    service.edit_project(session, LAN, road, {
        "geometry": LineString([(105.5, 9.8), (105.55, 9.85), (105.7, 9.95)]),
        "geometry_accuracy": "surveyed"}, expected_version=1)
    [entry] = entries(session, road)
    assert entry.kind == "geometry"
    fields = [c["field"] for c in entry.change_list]
    assert fields == ["geometry", "geometry_accuracy"]
    assert len(entry.change_list[0]["new"]["coordinates"]) == 3


def test_a_status_update_moves_the_current_values_only_when_it_is_the_latest(session, road):
    service.record_update(session, LAN, road, {
        "as_of": "2026-10-15", "status": "under_construction", "progress_pct": 30,
        "disbursed_vnd": 100_000_000_000, "source": "sxd"}, expected_version=1, author="Lan")
    assert (road.status, road.progress_pct, road.version_id) == ("under_construction", 30, 2)
    service.record_update(session, LAN, road, {"as_of": "2025", "status": "preparation",
                                               "source": "sxd"}, expected_version=2)
    session.expire_all()
    p = get_project(session, "test-road")
    assert p.status == "under_construction" and len(p.updates) == 3 and p.version_id == 3
    first, second = entries(session, p)
    assert {c["field"] for c in first.change_list} == {
        "status", "progress_pct", "disbursed_vnd", "update", "sources"}
    assert [c["field"] for c in second.change_list] == ["update"]  # history only
    assert second.change_list[0]["new"]["status"] == "preparation"


def test_every_wrong_field_is_reported_and_nothing_is_written(session, road):
    before = dump(session.get_bind())
    with pytest.raises(InvalidFields) as caught:
        service.edit_project(session, LAN, road, {
            "name_vi": "", "kind": "tunnel", "planned_start": "2030", "planned_end": "2020",
            "total_investment_vnd": -1, "provinces": ["atlantis"]},
            expected_version=1, source={"key": "Not A Slug", "publisher": ""})
    fields = {e["field"] for e in caught.value.errors}
    assert fields == {"name_vi", "kind", "planned_end", "total_investment_vnd", "provinces",
                      "source.key", "source.publisher"}, caught.value.errors
    with pytest.raises(InvalidFields) as caught:
        service.record_update(session, LAN, road, {
            "as_of": "someday", "status": "done", "progress_pct": 150,
            "disbursed_vnd": 10**18, "source": "no-such-source"}, expected_version=1)
    assert {e["field"] for e in caught.value.errors} == {
        "as_of", "status", "progress_pct", "disbursed_vnd", "source"}
    session.rollback()
    assert dump(session.get_bind()) == before


def test_a_stale_or_missing_version_is_refused_with_what_changed_since(session, road):
    service.edit_project(session, LAN, road, {"governing_body": "Sở GTVT"}, expected_version=1,
                         source="sxd")
    before = dump(session.get_bind())
    with pytest.raises(PreconditionFailed) as caught:
        service.edit_project(session, Actor("minh"), road, {"governing_body": "UBND"},
                             expected_version=1)
    assert caught.value.current_version == 2
    [change] = caught.value.changes
    assert (change["actor"], change["kind"], change["fields"]) == (
        "lan", "edit", ["governing_body", "sources"])
    with pytest.raises(PreconditionRequired):
        service.record_update(session, LAN, road, {"as_of": "2026", "status": "proposed"},
                              expected_version=None)
    with pytest.raises(PreconditionFailed):
        service.delete_project(session, LAN, road, expected_version=7)
    assert dump(session.get_bind()) == before


def test_a_concurrent_write_between_check_and_commit_is_refused(app, road):
    """Two sessions read version 1; the first commits; the second's UPDATE ... WHERE
    version_id = 1 matches no row (SQLAlchemy's version counter): 412, nothing written."""
    sessions = app.extensions["tracker"].sessions
    with sessions() as a, sessions() as b:
        pa, pb = (get_project(s, "test-road") for s in (a, b))
        assert pa.version_id == pb.version_id == 1
        service.edit_project(a, LAN, pa, {"name_en": "first"}, expected_version=1)
        before = dump(a.get_bind())
        with pytest.raises(PreconditionFailed) as caught:
            service.edit_project(b, Actor("minh"), pb, {"name_en": "second"},
                                 expected_version=1)
        assert caught.value.current_version == 2
        assert [c["actor"] for c in caught.value.changes] == ["lan"]
        assert dump(a.get_bind()) == before


def test_a_soft_deleted_project_leaves_every_view_and_export(session, road):
    bridge = make_project("test-bridge", kind="bridge", geometry=Point(105.9, 10.2))
    with transaction(session):
        session.add(bridge)
    everything = ProjectFilter()
    stats = selection_stats(session, everything)
    service.delete_project(session, LAN, bridge, expected_version=1)
    session.expire_all()
    assert get_project(session, "test-bridge") is None
    assert session.get(Project, bridge.id).deleted_at is not None  # the row stays
    assert [p.code for p in select_projects(session, everything)] == ["test-road"]
    assert [r["code"] for r in select_records(session, everything, TODAY).records] == [
        "test-road"]
    assert [r.code for r in map_rows(session, everything)] == ["test-road"]
    assert summary(session, everything, TODAY).total.count == 1
    assert extent(session, everything).count == 1
    bbox, _span = projects_extent(session)
    assert bbox[2] < 105.9  # the bridge no longer widens the collection's extent
    assert selection_stats(session, everything).fingerprint() != stats.fingerprint()
    for fmt in ("geojson", "csv"):
        body, count = exports.export_selection(session, everything, fmt, TODAY)
        assert count == 1 and b"test-bridge" not in body
    assert session.scalar(select(func.count()).select_from(StatusUpdate).where(
        StatusUpdate.project_id == bridge.id)) == 1  # the history stays
    [entry] = entries(session, bridge)
    assert entry.kind == "delete" and entry.change_list[0]["field"] == "deleted_at"


def test_a_fact_or_a_status_without_its_source_is_refused(session, road):
    """The seed's and the import's rule for every writer: a changed fact (roles, length,
    money, dates) and a status update cite their source; a name or a geometry need not."""
    before = dump(session.get_bind())
    for change in (
            lambda: service.edit_project(session, LAN, road, {"planned_end": "2028"},
                                         expected_version=1),
            lambda: service.record_update(session, LAN, road, {"as_of": "2026",
                                                               "status": "preparation"},
                                          expected_version=1),
            lambda: service.create_project(session, LAN, {
                "code": "no-src", "name_vi": "Đường", "kind": "road", "status": "proposed"},
                today=TODAY)):
        with pytest.raises(InvalidFields) as caught:
            change()
        [error] = caught.value.errors
        assert error["field"] == "source" and "cites its source" in error["message"]
    assert dump(session.get_bind()) == before
    service.edit_project(session, LAN, road, {"name_en": "Renamed"}, expected_version=1)
    assert get_project(session, "test-road").version_id == 2


def test_a_new_source_is_written_only_with_the_change_that_cites_it(session, road):
    with pytest.raises(InvalidFields):
        service.record_update(session, LAN, road, {"as_of": "2026", "status": "nope", "source": {
            "key": "new-src", "publisher": "X"}}, expected_version=1)
    session.rollback()
    assert session.scalar(select(Source).where(Source.key == "new-src")) is None
    service.record_update(session, LAN, road, {"as_of": "2026", "status": "preparation",
                                               "source": {"key": "new-src", "publisher": "X"}},
                          expected_version=1)
    assert session.scalar(select(Source).where(Source.key == "new-src")) is not None
