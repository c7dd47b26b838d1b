"""The brief's rule (behind_schedule) and the issue-9 adapter's fallbacks, as plain functions."""

from __future__ import annotations

from datetime import date

from tracker.reports import facts
from tracker.rules import behind_schedule

START, END = date(2024, 1, 1), date(2025, 12, 31)  # 730 days


def test_behind_schedule_gives_both_numbers_past_the_margin():
    mid = date(2025, 1, 1)  # 366 of 730 days: 50.1 %
    assert behind_schedule(30, START, END, mid) == (30.0, 50.1)
    assert behind_schedule(35.2, START, END, mid) is None  # 14.9 points below: within 15
    assert behind_schedule(35, START, END, mid, margin=10) == (35.0, 50.1)
    assert behind_schedule(0, START, END, date(2030, 1, 1)) == (0.0, 100.0)  # capped at 100
    assert behind_schedule(0, START, END, date(2023, 6, 1)) is None  # not started: 0 %


def test_behind_schedule_needs_every_fact():
    today = date(2025, 6, 1)
    assert behind_schedule(None, START, END, today) is None
    assert behind_schedule(10, None, END, today) is None
    assert behind_schedule(10, START, None, today) is None
    assert behind_schedule(10, END, START, today) is None  # a plan with no length


def test_facts_read_the_contract_names_first():
    record = {"code": "x", "status": "under_construction", "planned_end": "2026-06-30",
              "status_as_of": "2026-07-02", "programme_role": "related",
              "total_investment_basis": "approved", "total_investment_as_of": "2024-05-01",
              "total_investment_qualifier": "at_least", "update_as_of": date(2020, 1, 1)}
    assert facts.status_as_of(record) == date(2026, 7, 2)
    assert facts.programme_role(record) == "related"
    assert facts.investment_basis(record) == "approved"
    assert facts.investment_as_of(record) == date(2024, 5, 1)
    assert facts.investment_qualifier(record) == "at_least"
    assert facts.late_confirmed(record, date(2026, 11, 21)) is True


def test_facts_read_the_record_and_judge_on_the_reports_day():
    class Settings:
        pass

    ct_cm = {"code": "can-tho-ca-mau-expressway", "status": "under_construction",
             "planned_end": date(2025, 12, 19), "status_as_of": date(2025, 12, 18),
             "programme_role": "related"}
    today = date(2026, 11, 21)
    assert facts.programme_role(ct_cm) == "related"
    assert facts.programme_role({"code": "ql61c-phase2", "programme_role": "programme"}) \
        == "programme"
    assert facts.stale_days(Settings()) == 180
    assert facts.status_age_days(ct_cm, today) == 338
    assert facts.stale(ct_cm, today, Settings())
    assert not facts.stale(ct_cm, date(2026, 6, 1), Settings())  # 165 days then
    assert facts.late_confirmed(ct_cm, today) is False  # status predates the planned end
    assert facts.late_confirmed(ct_cm, date(2025, 12, 1)) is None  # not late yet
    assert not facts.stale({**ct_cm, "status": "completed"}, today, Settings())
    assert facts.investment_basis(ct_cm) is None
