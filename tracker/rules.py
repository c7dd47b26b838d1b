"""The register's business rules as plain functions over plain values: no SQL, no Flask.

Where a rule also runs in SQL (the filters and sorts), its twin lives in `queries/select.py` and a
test pins the two equal on both databases.
"""

from __future__ import annotations

from datetime import date
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


BEHIND_MARGIN = 15  # percentage points of progress below the share of planned time elapsed


def behind_schedule(progress_pct: float | None, planned_start: date | None,
                    planned_end: date | None, today: date, margin: float = BEHIND_MARGIN
                    ) -> tuple[float, float] | None:
    """(progress, expected) when the progress is more than `margin` points below the share of
    the planned time elapsed by `today` (both in %, the expected share to one decimal); None
    when it is not behind, or when the progress or either planned date is unknown (or the plan
    has no length). The caller leaves closed projects out (they can be neither late nor
    behind)."""
    if progress_pct is None or planned_start is None or planned_end is None:
        return None
    length = (planned_end - planned_start).days
    if length <= 0:
        return None
    elapsed = min(max((today - planned_start).days, 0), length)
    expected = round(100.0 * elapsed / length, 1)
    if progress_pct + margin < expected:
        return (float(progress_pct), expected)
    return None
