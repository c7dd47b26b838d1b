"""The register's business rules as plain functions over plain values: no SQL, no Flask.

Where a rule also runs in SQL (the filters and sorts), its twin lives in `queries/select.py` and a
test pins the two equal on both databases.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Protocol

CLOSED = ("completed", "cancelled")


class ProjectFacts(Protocol):
    """What the rules read of a project: an ORM Project or the fast path's plain facts."""

    status: str
    planned_end: date | None
    total_investment_vnd: int | None
    disbursed_vnd: int | None


def is_closed(status: str | None) -> bool:
    """A completed or cancelled project can be neither late nor stale."""
    return status in CLOSED


def disbursement_rate(project: ProjectFacts) -> float | None:
    """Disbursed / total investment, in %; None when either is unknown or the total is 0."""
    return share_pct(project.disbursed_vnd, project.total_investment_vnd)


def share_pct(part: float | None, whole: float | None) -> float | None:
    """part / whole in % to one decimal; None when either is unknown or the whole is 0."""
    if part is None or not whole:
        return None
    return round(100.0 * part / whole, 1)


def display_name(name_vi: str, name_en: str | None, lang: str) -> str:
    """The name in the reader's language: English when asked and known, else Vietnamese."""
    return name_en if lang == "en" and name_en else name_vi


def days_late(project: ProjectFacts, today: date) -> int | None:
    """Days since the planned end passed, for a project not completed or cancelled; else None.

    A year- or month-precision planned end counts from the last day of its period.
    """
    if project.planned_end is None or is_closed(project.status):
        return None
    late = (today - project.planned_end).days
    return late if late > 0 else None


# ------------------------------------------------------------------ how old a status is

STALE_DAYS = 180  # the default of settings.stale_days (TRACKER_STALE_DAYS)


def status_age_days(as_of: date | None, today: date) -> int | None:
    """Days from the date the shown status is true as of to today; None when it has no date.

    A month- or year-precision status counts from the first day of its period (the date
    StatusUpdate stores), so its age is never understated."""
    return None if as_of is None else (today - as_of).days


def is_stale(status: str | None, as_of: date | None, today: date,
             stale_days: int = STALE_DAYS) -> bool:
    """The status needs an update: older than `stale_days` (or undated) and not closed.

    A completed or cancelled project stays as it is: its last status never goes stale."""
    if is_closed(status):
        return False
    age = status_age_days(as_of, today)
    return age is None or age > stale_days


def stale_since(today: date, stale_days: int = STALE_DAYS) -> date:
    """The oldest as-of date that is not stale today: is_stale's `age > stale_days` as a
    date, for SQL (an open project whose status is dated before it is stale)."""
    return today - timedelta(days=stale_days)


def late_confirmed(planned_end: date | None, status_as_of: date | None,
                   days_late: int | None) -> bool | None:
    """Whether a lateness rests on a status dated on or after the planned end.

    None when the project is not late (`days_late` None). False when the status behind it
    is dated before the planned end (or undated): nobody has said what happened since the
    end passed, so the lateness is "overdue — unconfirmed", not a fact."""
    if days_late is None:
        return None
    if planned_end is None or status_as_of is None:
        return False
    return status_as_of >= planned_end
