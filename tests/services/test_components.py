"""Replacing a project's components on SQLite and PostGIS: the list is saved exactly (source
precision kept), audited old list → new list, each row cites a source, a province must be the
project's, every wrong field is named at once with nothing written, a stale version is
refused, and the province filter counts the new component."""

from __future__ import annotations

from datetime import date

import pytest

from tests.db_dump import dump
from tests.factories import make_project
from tracker.audit import Actor
from tracker.errors import InvalidFields, PreconditionFailed
from tracker.models import AuditEntry, Source
from tracker.queries.figures import summary
from tracker.queries.filter import ProjectFilter
from tracker.queries.select import get_project
from tracker.services import components as service
from tracker.services.base import transaction

LAN = Actor("lan", None)
SOURCE = "sxd-2026-11"
TODAY = date(2026, 12, 1)


@pytest.fixture
def road(session):
    p = make_project("test-road", provinces=["can-tho", "hau-giang"],
                     total_investment_vnd=2_000_000_000_000)
    with transaction(session):
        session.add(p)
        session.add_all([Source(key=SOURCE, publisher="Sở Xây dựng Cần Thơ"),
                         Source(key="other", publisher="Báo Hậu Giang")])
    return p


def engine_of(session):
    return session.get_bind()


TWO = [{"province": "can-tho", "name_vi": "Đoạn Cần Thơ", "stated_length_km": "12,40",
        "amount_vnd": 800_000_000_000},
       {"province": "hau-giang", "stated_length_km": 20, "length_qualifier": "approximate",
        "amount_vnd": 1_200_000_000_000, "amount_qualifier": "approximate",
        "source": "other"}]


def test_the_list_is_saved_exactly_and_audited_old_to_new(session, road):
    done = service.replace_components(session, LAN, road, TWO, expected_version=1,
                                      source=SOURCE)
    session.expire_all()
    p = get_project(session, "test-road")
    assert p.version_id == 2
    rows = [(c.seq, c.province, c.stated_length_km, c.stated_length_decimals,
             c.length_qualifier, c.amount_vnd, c.source.key) for c in p.components]
    assert rows == [(1, "can-tho", 12.4, 2, None, 800_000_000_000, SOURCE),
                    (2, "hau-giang", 20.0, 0, "approximate", 1_200_000_000_000, "other")]
    assert {link.source.key: link.supports for link in p.source_links} == {
        SOURCE: "components", "other": "components"}
    entry = session.get(AuditEntry, done.entry.id)
    [change] = [c for c in entry.change_list if c["field"] == "components"]
    assert change["old"] == [] and [c["province"] for c in change["new"]] == [
        "can-tho", "hau-giang"]
    # the province filter now counts the project's part there
    f = ProjectFilter(province=("hau-giang",), programme_role="all")
    assert summary(session, f, TODAY).total.investment_vnd == 1_200_000_000_000


def test_rows_change_in_place_shrink_and_empty(session, road):
    service.replace_components(session, LAN, road, TWO, expected_version=1, source=SOURCE)
    p = get_project(session, "test-road")
    service.replace_components(session, LAN, p, [{**TWO[1], "amount_vnd": 1}],
                               expected_version=2, source=SOURCE)
    session.expire_all()
    p = get_project(session, "test-road")
    assert [(c.seq, c.province, c.amount_vnd) for c in p.components] == [
        (1, "hau-giang", 1)]
    same = service.replace_components(session, LAN, p, [{**TWO[1], "amount_vnd": 1}],
                                      expected_version=3, source=SOURCE)
    assert same.entry is None and get_project(session, "test-road").version_id == 3
    service.replace_components(session, LAN, p, [], expected_version=3)
    session.expire_all()
    assert get_project(session, "test-road").components == []


def test_every_wrong_field_is_named_at_once_and_nothing_is_written(session, road):
    before = dump(engine_of(session))
    with pytest.raises(InvalidFields) as caught:
        service.replace_components(session, LAN, road, [
            {"province": "ca-mau", "amount_vnd": -1, "stated_length_km": "dài"},
            {"name_en": "only English", "source": "no-such"},
            "not a row", {"province": "can-tho", "colour": "red"}],
            expected_version=1)
    fields = {e["field"] for e in caught.value.errors}
    assert {"components.1.province", "components.1.amount_vnd",
            "components.1.stated_length_km", "components.1.source", "components.2.name_vi",
            "components.2.source", "components.3", "components.4.colour"} <= fields, fields
    assert dump(engine_of(session)) == before


def test_a_stale_version_is_refused_with_nothing_written(session, road):
    service.replace_components(session, LAN, road, TWO, expected_version=1, source=SOURCE)
    before = dump(engine_of(session))
    with pytest.raises(PreconditionFailed):
        service.replace_components(session, LAN, road, [], expected_version=1)
    assert dump(engine_of(session)) == before
