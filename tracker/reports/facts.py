"""The honest-figure facts the reports read of a project record, in ONE place.

Issue 9 (status dates, stale, roles and money) adds these to the record: `status_as_of`,
`stale`, `late_confirmed`, `programme_role`, `total_investment_basis`, `total_investment_as_of`,
`total_investment_qualifier`, and the setting `stale_days`. Until it is merged, each function
below reads the contract's name and, when the record does not carry it, computes it from what
exists today. Every line of such a fallback is marked `# ISSUE-9:`; switching to the real
fields means deleting those lines (and calling the rules issue 9 adds to tracker.rules).
Nothing else in the reports knows about the fallbacks.

A record here is a mapping with the record's names; dates may be `date` objects or ISO text
(the register of tracker.queries.history gives dates, the API's records ISO text).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from tracker.rules import days_late, is_closed

PROGRAMME = "programme"
RELATED = "related"
ROLES = (PROGRAMME, RELATED)
DEFAULT_STALE_DAYS = 180

# ISSUE-9: the two related national expressways (geodata/projects.geojson), until the record
# ISSUE-9: carries programme_role
RELATED_CODES = ("can-tho-ca-mau-expressway", "chau-doc-can-tho-soc-trang-expressway")  # ISSUE-9:


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
    """The stale threshold in days (TRACKER_STALE_DAYS once issue 9 adds it)."""
    value = getattr(settings, "stale_days", None)
    if value is None:  # ISSUE-9: the setting does not exist yet
        value = DEFAULT_STALE_DAYS  # ISSUE-9:
    return int(value)


def status_as_of(record: Mapping[str, Any]) -> date | None:
    """The date the status shown is true as of."""
    value = record.get("status_as_of")
    if value is None:  # ISSUE-9: the latest update's as-of date
        value = record.get("update_as_of")  # ISSUE-9:
    return as_date(value)


def status_as_of_precision(record: Mapping[str, Any]) -> str:
    value = record.get("status_as_of_precision")
    if value is None:  # ISSUE-9:
        value = record.get("update_as_of_precision")  # ISSUE-9:
    return str(value or "day")


def status_age_days(record: Mapping[str, Any], today: date) -> int | None:
    """Days from status_as_of to `today` (the day the report is as of)."""
    shown = status_as_of(record)
    return None if shown is None else (today - shown).days


def stale(record: Mapping[str, Any], today: date, settings: Any) -> bool:
    """No update for more than stale_days on `today` (the day the report is as of: the
    record's own `stale` counts from the real today, so it is computed here), not closed."""
    age = status_age_days(record, today)  # ISSUE-9: rules.is_stale(status, as_of, today, days)
    return (age is not None and age > stale_days(settings)  # ISSUE-9:
            and not is_closed(record.get("status")))  # ISSUE-9:


def late_days(record: Mapping[str, Any], today: date) -> int | None:
    """Days past the planned end on `today` (tracker.rules.days_late)."""
    return days_late(_Facts(str(record.get("status")), as_date(record.get("planned_end"))),
                     today)


def late_confirmed(record: Mapping[str, Any], today: date) -> bool | None:
    """True when late and the status behind the lateness is dated on or after the planned end,
    False when it predates it (late, unconfirmed); None when not late."""
    late = late_days(record, today)
    if late is None:
        return None
    shown = status_as_of(record)  # ISSUE-9: rules.late_confirmed(planned_end, as_of, late)
    end = as_date(record.get("planned_end"))  # ISSUE-9:
    return shown is not None and end is not None and shown >= end  # ISSUE-9:


def programme_role(record: Mapping[str, Any]) -> str:
    """"programme" (in the 2021–2025 cooperation programme) or "related"."""
    role = record.get("programme_role")
    if role is None:  # ISSUE-9: the two related expressways, by code
        role = RELATED if record.get("code") in RELATED_CODES else PROGRAMME  # ISSUE-9:
    return str(role)


def investment_basis(record: Mapping[str, Any]) -> str | None:
    """"proposal" | "approved" | "adjusted": what the total investment figure is."""
    return record.get("total_investment_basis")  # ISSUE-9: null until issue 9 dates estimates


def investment_as_of(record: Mapping[str, Any]) -> date | None:
    return as_date(record.get("total_investment_as_of"))  # ISSUE-9: null until issue 9


def investment_qualifier(record: Mapping[str, Any]) -> str | None:
    """"exact" | "approximate" | "at_least"."""
    return record.get("total_investment_qualifier")  # ISSUE-9: null until issue 9
