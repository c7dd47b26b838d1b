"""Recording an investment estimate on SQLite and PostGIS: the latest one becomes the total
(with its basis, date and qualifier), an older one takes its place by date and leaves the
total alone, every wrong field is named at once, a stale version is refused, and nothing is
half-written; the brief's "changes since" lists the estimates dated in its window."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from tests.db_dump import dump
from tests.factories import make_project
from tracker.audit import Actor
from tracker.errors import InvalidFields, PreconditionFailed, PreconditionRequired
from tracker.models import AuditEntry, Source
from tracker.queries.filter import ProjectFilter
from tracker.queries.history import changes_between, register_as_of
from tracker.queries.select import get_project
from tracker.services import estimates as service
from tracker.services.base import transaction

LAN = Actor("lan", None)
SOURCE = "sxd-2026-11"
TODAY = date(2026, 12, 1)


@pytest.fixture
def road(session):
    p = make_project("test-road", total_investment_vnd=1_000_000_000_000)
    with transaction(session):
        session.add(p)
        session.add(Source(key=SOURCE, publisher="Sở Xây dựng Cần Thơ"))
    return p


def engine_of(session):
    return session.get_bind()


def record(session, project, version=None, **values):
    raw = {"amount_vnd": 1_200_000_000_000, "as_of": "2026-11-20", "basis": "approved",
           "source": SOURCE, **values}
    return service.record_estimate(session, LAN, project, raw,
                                   expected_version=version or project.version_id, today=TODAY)


def keys(project):
    return [(e.seq, e.key, e.amount_vnd) for e in sorted(project.estimates, key=lambda e: e.seq)]


def test_the_latest_estimate_becomes_the_total_with_its_basis_date_and_audit(session, road):
    done = record(session, road, qualifier="approximate", original_amount=7_500_000_000,
                  original_currency="JPY", note="Quyết định phê duyệt điều chỉnh")
    session.expire_all()
    p = get_project(session, "test-road")
    assert p.version_id == 2
    assert (p.total_investment_vnd, p.total_investment_basis, p.total_investment_qualifier,
            p.total_investment_as_of_iso) == (1_200_000_000_000, "approved", "approximate",
                                              "2026-11-20")
    [e] = p.estimates
    assert (e.key, e.seq, e.source.key, e.original_currency) == (
        "approved-2026-11", 1, SOURCE, "JPY")
    [link] = p.source_links
    assert link.supports.split() == ["estimates", "total_investment_vnd"]
    entry = session.get(AuditEntry, done.entry.id)
    assert entry.kind == "estimate" and entry.actor == "lan" and entry.project_version == 2
    changes = {c["field"]: c for c in entry.change_list}
    assert (changes["total_investment_vnd"]["old"], changes["total_investment_vnd"]["new"]) == (
        1_000_000_000_000, 1_200_000_000_000)
    assert changes["estimate"]["new"]["amount_vnd"] == 1_200_000_000_000
    assert changes["estimate"]["new"]["as_of"] == "2026-11-20"
    assert "the current total" in entry.summary


def test_an_older_figure_takes_its_place_by_date_and_leaves_the_total(session, road):
    record(session, road, amount_vnd=1_200_000_000_000, as_of="2025-06")
    record(session, road, amount_vnd=1_500_000_000_000, as_of="2026-11-20")
    record(session, road, amount_vnd=900_000_000_000, as_of="2021", basis="proposal")
    session.expire_all()
    p = get_project(session, "test-road")
    assert keys(p) == [(1, "proposal-2021", 900_000_000_000),
                       (2, "approved-2025-06", 1_200_000_000_000),
                       (3, "approved-2026-11", 1_500_000_000_000)]
    assert p.total_investment_vnd == 1_500_000_000_000 and p.version_id == 4
    last = session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert "current total" not in last.summary
    [link] = p.source_links  # cited for the estimates (and the total, by the later two)
    assert link.supports.split() == ["estimates", "total_investment_vnd"]
    assert "total_investment_vnd" not in {c["field"] for c in last.change_list}


def test_a_key_is_unique_within_the_project(session, road):
    record(session, road)
    record(session, road, amount_vnd=1_300_000_000_000)
    session.expire_all()
    p = get_project(session, "test-road")
    assert [e.key for e in p.estimates] == ["approved-2026-11", "approved-2026-11-2"]
    before = dump(engine_of(session))
    with pytest.raises(InvalidFields) as caught:
        record(session, p, key="approved-2026-11")
    assert [e["field"] for e in caught.value.errors] == ["key"]
    assert dump(engine_of(session)) == before


def test_every_wrong_field_is_named_at_once_and_nothing_is_written(session, road):
    before = dump(engine_of(session))
    with pytest.raises(InvalidFields) as caught:
        service.record_estimate(session, LAN, road, {
            "amount_vnd": -5, "as_of": "20/11/2026", "basis": "guess", "qualifier": "maybe",
            "original_currency": "yen", "source": "no-such-source"},
            expected_version=road.version_id, today=TODAY)
    fields = [e["field"] for e in caught.value.errors]
    # a currency without its amount: the register's rule for every estimate names the amount
    for name in ("amount_vnd", "as_of", "basis", "qualifier", "original_amount", "source"):
        assert name in fields, caught.value.errors
    assert dump(engine_of(session)) == before


def test_a_figure_dated_after_today_is_refused(session, road):
    before = dump(engine_of(session))
    with pytest.raises(InvalidFields) as caught:
        record(session, road, as_of="2026-12-02")
    assert [e["field"] for e in caught.value.errors] == ["as_of"]
    assert "after today (2026-12-01)" in caught.value.errors[0]["message"]
    assert dump(engine_of(session)) == before
    record(session, road, as_of="2026-12")  # this month: its first day is not after today


def test_an_estimate_needs_its_date_basis_amount_and_source(session, road):
    before = dump(engine_of(session))
    with pytest.raises(InvalidFields) as caught:
        service.record_estimate(session, LAN, road, {}, expected_version=road.version_id,
                                today=TODAY)
    assert {e["field"] for e in caught.value.errors} == {"amount_vnd", "as_of", "basis",
                                                         "source"}
    assert dump(engine_of(session)) == before


def test_a_stale_or_missing_version_is_refused_with_nothing_written(session, road):
    record(session, road)
    before = dump(engine_of(session))
    with pytest.raises(PreconditionFailed) as caught:
        record(session, road, version=1, amount_vnd=2_000_000_000_000)
    assert [c["kind"] for c in caught.value.changes] == ["estimate"]
    with pytest.raises(PreconditionRequired):
        service.record_estimate(session, LAN, road, {"amount_vnd": 1}, expected_version=None,
                                today=TODAY)
    assert dump(engine_of(session)) == before


def test_a_new_source_is_written_with_the_estimate(session, road):
    record(session, road, source={"key": "qd-2026-1234", "publisher": "UBND TP Cần Thơ",
                                  "published": "2026-11-20", "locator": "QĐ 1234/QĐ-UBND"})
    session.expire_all()
    [e] = get_project(session, "test-road").estimates
    assert (e.source.key, e.source.locator) == ("qd-2026-1234", "QĐ 1234/QĐ-UBND")


def test_the_brief_lists_estimates_dated_in_its_window(session, road):
    record(session, road, amount_vnd=1_200_000_000_000, as_of="2026-06-30")
    record(session, road, amount_vnd=1_500_000_000_000, as_of="2026-11-20")
    found = [c for c in changes_between(session, ProjectFilter(), date(2026, 11, 1),
                                        date(2026, 12, 1)) if c.kind == "estimate"]
    assert [(c.code, c.day, c.old, c.new, c.detail) for c in found] == [
        ("test-road", date(2026, 11, 20), 1_200_000_000_000, 1_500_000_000_000, "approved")]
    earlier = [c for c in changes_between(session, ProjectFilter(), date(2026, 1, 1),
                                          date(2026, 7, 1)) if c.kind == "estimate"]
    assert [(c.day, c.old, c.new) for c in earlier] == [
        (date(2026, 6, 30), None, 1_200_000_000_000)]


def test_the_register_of_a_past_day_has_the_total_of_that_day(session, road):
    """A brief or a review of a past day shows the estimate known then: the adjusted figure
    of mid-2025 before the approved one of November 2026, nothing before either."""
    record(session, road, amount_vnd=1_200_000_000_000, as_of="2025-06", basis="adjusted",
           qualifier="approximate")
    record(session, road, amount_vnd=1_500_000_000_000, as_of="2026-11-20")

    def total(day):
        [row] = [r for r in register_as_of(session, ProjectFilter(programme_role="all"), day)
                 if r["code"] == "test-road"]
        return (row["total_investment_vnd"], row["total_investment_basis"],
                row["total_investment_qualifier"])

    assert total(date(2026, 12, 1)) == (1_500_000_000_000, "approved", "exact")
    assert total(date(2026, 11, 19)) == (1_200_000_000_000, "adjusted", "approximate")
    assert total(date(2025, 5, 31)) == (None, None, None)  # no figure known yet
    assert get_project(session, "test-road").total_investment_vnd == 1_500_000_000_000
