"""The honest-figure facts the reports read of a project record, in ONE place.

The record (tracker.queries.records, or a register row of tracker.queries.history) carries
`status_as_of`, `programme_role` and the total's basis, date and qualifier; stale and the
lateness's confirmation are the rules of tracker.rules, computed here against the report's own
day (`as_of`), not the real today, so a brief of a past day stays right.

A record here is a mapping with the record's names; dates may be `date` objects or ISO text
(the register of tracker.queries.history gives dates, the API's records ISO text).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from tracker import rules
from tracker.rules import days_late

PROGRAMME = "programme"
RELATED = "related"
ROLES = (PROGRAMME, RELATED)
DEFAULT_STALE_DAYS = rules.STALE_DAYS

class _Facts:
    """What tracker.rules.days_late reads."""

    __slots__ = ("status", "planned_end", "total_investment_vnd", "disbursed_vnd")

    def __init__(self, status: str, planned_end: date | None) -> None:
        self.status = status
        self.planned_end = planned_end
        self.total_investment_vnd: int | None = None
        self.disbursed_vnd: int | None = None


def as_date(value: Any) -> date | None:
    """A date from a date, or from ISO text at any precision (its first day)."""
    if value is None or isinstance(value, date):
        return value
    text = str(value)
    if len(text) == 4:
        return date(int(text), 1, 1)
    if len(text) == 7:
        return date(int(text[:4]), int(text[5:7]), 1)
    return date.fromisoformat(text[:10])


def stale_days(settings: Any) -> int:
    """The stale threshold in days (TRACKER_STALE_DAYS)."""
    return int(getattr(settings, "stale_days", DEFAULT_STALE_DAYS))


def status_as_of(record: Mapping[str, Any]) -> date | None:
    """The date the status shown is true as of."""
    return as_date(record.get("status_as_of"))


def status_as_of_precision(record: Mapping[str, Any]) -> str:
    return str(record.get("status_as_of_precision") or "day")


def status_age_days(record: Mapping[str, Any], today: date) -> int | None:
    """Days from status_as_of to `today` (the day the report is as of)."""
    shown = status_as_of(record)
    return None if shown is None else (today - shown).days


def stale(record: Mapping[str, Any], today: date, settings: Any) -> bool:
    """rules.is_stale on `today` (the day the report is as of: the record's own `stale`
    counts from the real today, so it is computed here). A project with no dated status
    (none in a register) is left out rather than flagged."""
    shown = status_as_of(record)
    return shown is not None and rules.is_stale(record.get("status"), shown, today,
                                                stale_days(settings))


def late_days(record: Mapping[str, Any], today: date) -> int | None:
    """Days past the planned end on `today` (tracker.rules.days_late)."""
    return days_late(_Facts(str(record.get("status")), as_date(record.get("planned_end"))),
                     today)


def late_confirmed(record: Mapping[str, Any], today: date) -> bool | None:
    """rules.late_confirmed on `today`: True when late and the status behind the lateness is
    dated on or after the planned end, False when it predates it; None when not late."""
    return rules.late_confirmed(as_date(record.get("planned_end")), status_as_of(record),
                                late_days(record, today))


def programme_role(record: Mapping[str, Any]) -> str:
    """"programme" (in the 2021–2025 cooperation programme) or "related"."""
    return str(record.get("programme_role") or PROGRAMME)


def investment_basis(record: Mapping[str, Any]) -> str | None:
    """"proposal" | "approved" | "adjusted": what the total investment figure is."""
    return record.get("total_investment_basis")


def investment_as_of(record: Mapping[str, Any]) -> date | None:
    return as_date(record.get("total_investment_as_of"))


def investment_qualifier(record: Mapping[str, Any]) -> str | None:
    """"exact" | "approximate" | "at_least"."""
    return record.get("total_investment_qualifier")
