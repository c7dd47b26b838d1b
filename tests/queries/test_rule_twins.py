"""Every SQL twin of a rule in tracker.rules gives what the rule gives, on both databases.

The rules decide; the twins only let SQL filter and sort by the same decision. A row set with
every edge (closed statuses, an end today, unknown totals, a zero total, an empty English name)
is compared rule against twin, project by project.
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from tests.factories import make_project
from tracker import rules
from tracker.collation import sort_key
from tracker.models import Project
from tracker.queries.select import disbursement_rate_sql, is_late
from tracker.services.base import transaction

TODAY = date(2026, 12, 2)
CASES = [
    # code, status, planned_end, total, disbursed, name_en
    ("late-open", "under_construction", date(2025, 12, 19), 1000, 250, "Late road"),
    ("late-done", "completed", date(2020, 1, 1), 10, 10, "Done road"),
    ("late-cancelled", "cancelled", date(2020, 1, 1), None, None, None),
    ("ends-today", "under_construction", TODAY, 3, 1, ""),
    ("ends-tomorrow", "preparation", date(2026, 12, 3), 0, 0, "Tomorrow"),
    ("no-end", "proposed", None, None, None, None),
    ("third", "approved", date(2026, 12, 1), 3, 2, "Third"),
]


@pytest.fixture
def rows(app):
    with app.extensions["tracker"].sessions() as s, transaction(s):
        for code, status, end, total, disbursed, name_en in CASES:
            s.add(make_project(code, status=status, planned_end=end,
                               planned_end_precision="day" if end else None,
                               total_investment_vnd=total, disbursed_vnd=disbursed,
                               name_en=name_en))
    return app


def test_late_twin(rows):
    with rows.extensions["tracker"].sessions() as s:
        in_sql = set(s.scalars(select(Project.code).where(is_late(TODAY))))
        by_rule = {p.code for p in s.scalars(select(Project))
                   if rules.days_late(p, TODAY) is not None}
    assert in_sql == by_rule == {"late-open", "third"}


def test_disbursement_rate_twin(rows):
    with rows.extensions["tracker"].sessions() as s:
        for p, sql_rate in s.execute(select(Project, disbursement_rate_sql())):
            rule = rules.disbursement_rate(p)
            assert (None if sql_rate is None else round(sql_rate, 1)) == rule, p.code


def test_the_stored_sort_names_follow_the_display_name_rule(rows):
    """The table sorts by stored keys: each is the sort key of the name the rule shows."""
    with rows.extensions["tracker"].sessions() as s:
        for p in s.scalars(select(Project)):
            assert p.sort_name_vi == sort_key(rules.display_name(p.name_vi, p.name_en, "vi"))
            assert p.sort_name_en == sort_key(rules.display_name(p.name_vi, p.name_en, "en"))


def test_closed_is_one_rule():
    assert all(rules.is_closed(s) for s in rules.CLOSED)
    assert not rules.is_closed("under_construction") and not rules.is_closed(None)
    assert rules.share_pct(1, 3) == 33.3 and rules.share_pct(1, 0) is None


LENGTH_CASES = [("stated-and-measured", 37.152, True), ("measured-only", None, True),
                ("stated-no-geometry", 12.5, False), ("neither", None, False)]


def test_effective_length_twin(app):
    from shapely.geometry import LineString

    from tracker.queries.select import effective_length_sql

    with app.extensions["tracker"].sessions() as s, transaction(s):
        for code, stated, line in LENGTH_CASES:
            s.add(make_project(code, stated_length_km=stated,
                               geometry=LineString([(105.5, 9.8), (105.6, 9.9)]) if line
                               else None))
    with app.extensions["tracker"].sessions() as s:
        got = {p.code: (sql, rules.effective_length_km(p.stated_length_km, p.length_km)[0])
               for p, sql in s.execute(select(Project, effective_length_sql()))}
    for code, (sql, rule) in got.items():
        assert sql == pytest.approx(rule) if rule is not None else sql is None, code
    assert got["stated-and-measured"][0] == pytest.approx(37.152)
    assert got["measured-only"][0] == pytest.approx(got["measured-only"][1])
    assert got["neither"][0] is None
