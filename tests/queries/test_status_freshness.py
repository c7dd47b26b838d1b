"""How old a status is (issue 9): the rules in tracker.rules, their SQL twins pinned equal on
both databases, and the `stale` filter.

Today is 02/12/2026 with the default threshold of 180 days: a status dated 05/06/2026 is 180
days old (not stale), one dated 04/06/2026 is 181 days old (stale).
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from tests.factories import make_project
from tracker import rules
from tracker.errors import BadParameter
from tracker.models import Project, StatusUpdate
from tracker.queries.filter import ProjectFilter
from tracker.queries.select import is_stale_sql, late_confirmed_sql, select_projects
from tracker.services.base import transaction

TODAY = date(2026, 12, 2)
BOUNDARY = date(2026, 6, 5)  # TODAY - 180 days


def test_status_age_days():
    assert rules.status_age_days(date(2025, 12, 18), TODAY) == 349
    assert rules.status_age_days(TODAY, TODAY) == 0
    assert rules.status_age_days(None, TODAY) is None


def test_stale_at_the_boundary():
    assert rules.status_age_days(BOUNDARY, TODAY) == 180
    assert not rules.is_stale("under_construction", BOUNDARY, TODAY, 180)
    assert rules.is_stale("under_construction", date(2026, 6, 4), TODAY, 180)
    assert rules.stale_since(TODAY, 180) == BOUNDARY
    # the threshold is a parameter (TRACKER_STALE_DAYS)
    assert rules.is_stale("proposed", BOUNDARY, TODAY, 179)
    assert not rules.is_stale("proposed", date(2026, 6, 4), TODAY, 365)


def test_closed_is_never_stale_and_undated_open_is():
    for status in rules.CLOSED:
        assert not rules.is_stale(status, date(2012, 1, 1), TODAY)
        assert not rules.is_stale(status, None, TODAY)
    assert rules.is_stale("proposed", None, TODAY)


def test_late_confirmed_cases():
    end = date(2025, 12, 19)
    # Cần Thơ – Cà Mau: the status of 18/12/2025 predates the planned end of 19/12/2025
    assert rules.late_confirmed(end, date(2025, 12, 18), 348) is False
    assert rules.late_confirmed(end, end, 348) is True  # a status on the end day says it
    assert rules.late_confirmed(end, date(2026, 3, 1), 348) is True
    assert rules.late_confirmed(end, None, 348) is False  # undated: nothing confirms it
    assert rules.late_confirmed(end, date(2025, 12, 18), None) is None  # not late
    assert rules.late_confirmed(None, None, None) is None


def test_precision_counts_from_the_first_day_of_the_period():
    """A status 'as of 2025' is stored as 01/01/2025 (StatusUpdate's start bound): its age
    is never understated, and against a planned end inside 2025 it confirms nothing."""
    assert rules.status_age_days(date(2025, 1, 1), TODAY) == 700
    assert rules.late_confirmed(date(2025, 6, 30), date(2025, 1, 1), 520) is False


CASES = [
    # code, status, as_of, precision, planned_end
    ("fresh-open", "under_construction", BOUNDARY, "day", date(2027, 1, 1)),
    ("just-stale", "under_construction", date(2026, 6, 4), "day", None),
    ("old-closed", "completed", date(2012, 1, 1), "year", date(2012, 12, 31)),
    ("old-cancelled", "cancelled", date(2020, 1, 1), "year", None),
    ("late-unconfirmed", "under_construction", date(2025, 12, 18), "day", date(2025, 12, 19)),
    ("late-confirmed", "under_construction", date(2026, 11, 30), "day", date(2025, 12, 19)),
    ("late-same-day", "preparation", date(2025, 12, 19), "day", date(2025, 12, 19)),
    ("month-old", "approved", date(2026, 5, 1), "month", date(2026, 5, 31)),
    ("year-old", "proposed", date(2021, 1, 1), "year", date(2027, 12, 31)),
]


@pytest.fixture
def rows(app):
    with app.extensions["tracker"].sessions() as s, transaction(s):
        for code, status, as_of, precision, end in CASES:
            p = make_project(code, status=status, planned_end=end,
                             planned_end_precision="day" if end else None)
            p.updates = [StatusUpdate(as_of=as_of, as_of_precision=precision, status=status)]
            s.add(p)
    return app


def test_status_as_of_is_derived_from_the_latest_update(rows):
    with rows.extensions["tracker"].sessions() as s:
        got = {p.code: (p.status_as_of, p.status_as_of_precision)
               for p in s.scalars(select(Project))}
    assert got == {code: (as_of, prec) for code, _s, as_of, prec, _e in CASES}


@pytest.mark.parametrize("stale_days", [180, 30, 2000])
def test_stale_twin(rows, stale_days):
    with rows.extensions["tracker"].sessions() as s:
        in_sql = {code: bool(flag) for code, flag in s.execute(
            select(Project.code, is_stale_sql(TODAY, stale_days)))}
        by_rule = {p.code: rules.is_stale(p.status, p.status_as_of, TODAY, stale_days)
                   for p in s.scalars(select(Project))}
    assert in_sql == by_rule
    if stale_days == 180:
        assert {c for c, v in by_rule.items() if v} == {
            "just-stale", "late-unconfirmed", "late-same-day", "month-old", "year-old"}


def test_late_confirmed_twin(rows):
    with rows.extensions["tracker"].sessions() as s:
        in_sql = {code: (None if v is None else bool(v)) for code, v in s.execute(
            select(Project.code, late_confirmed_sql(TODAY)))}
        by_rule = {p.code: rules.late_confirmed(p.planned_end, p.status_as_of,
                                                rules.days_late(p, TODAY))
                   for p in s.scalars(select(Project))}
    assert in_sql == by_rule
    assert by_rule["late-unconfirmed"] is False and by_rule["late-confirmed"] is True
    assert by_rule["late-same-day"] is True and by_rule["fresh-open"] is None
    assert by_rule["month-old"] is False  # a May status does not confirm a May end


def test_the_stale_filter(rows):
    with rows.extensions["tracker"].sessions() as s:
        def codes(**args):
            f = ProjectFilter.from_args(args, today=TODAY, stale_days=180)
            return {p.code for p in select_projects(s, f)}
        stale, fresh = codes(stale="1"), codes(stale="0")
        assert stale == {"just-stale", "late-unconfirmed", "late-same-day", "month-old",
                         "year-old"}
        assert fresh == {code for code, *_ in CASES} - stale
        assert codes(stale="true") == stale and codes(stale="") == stale | fresh
    f = ProjectFilter.from_args({"stale": "1"}, today=TODAY)
    assert f.to_args() == {"stale": "1"}
    assert ProjectFilter.from_args(f.to_args(), today=TODAY) == f
    with pytest.raises(BadParameter) as exc:
        ProjectFilter.from_args({"stale": "maybe"})
    assert exc.value.field == "stale"
