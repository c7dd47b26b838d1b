"""Dates that sources state with reduced precision ("2026", "2026-03", "2026-03-09").

A year-only plan is a real fact; turning it into a day would be a guess. We store a date plus
its precision. Start-like dates are stored as the first day of their period and end-like dates
as the last, so `end >= start` and "has the planned end passed?" are plain comparisons in SQL
and Python alike.
"""

from __future__ import annotations

import calendar
import re
from datetime import date

from tracker.errors import ValidationError

_PARTIAL = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


def parse_partial(text: str, bound: str = "start", field: str = "date") -> tuple[date, str]:
    """'2026' -> (2026-01-01, 'year') for a start, (2026-12-31, 'year') for an end."""
    m = _PARTIAL.match(str(text).strip())
    if not m:
        raise ValidationError(
            f"{field}: {text!r} is not an ISO 8601 date (YYYY, YYYY-MM or YYYY-MM-DD)", field=field
        )
    year, month, day = int(m.group(1)), m.group(2), m.group(3)
    try:
        if day is not None:
            return date(year, int(month), int(day)), "day"  # type: ignore[arg-type]
        if month is not None:
            mo = int(month)
            last = calendar.monthrange(year, mo)[1]
            return (date(year, mo, 1) if bound == "start" else date(year, mo, last)), "month"
    except ValueError as exc:
        raise ValidationError(f"{field}: {text!r} is not a real date ({exc})", field=field) from exc
    return (date(year, 1, 1) if bound == "start" else date(year, 12, 31)), "year"


def iso_partial(value: date | None, precision: str | None) -> str | None:
    """The ISO 8601 text at the stated precision (what APIs and exports carry)."""
    if value is None:
        return None
    if precision == "year":
        return f"{value.year:04d}"
    if precision == "month":
        return f"{value.year:04d}-{value.month:02d}"
    return value.isoformat()


def display_partial(value: date | None, precision: str | None) -> str | None:
    """Vietnamese display: dd/mm/yyyy, mm/yyyy or yyyy (same in English for clarity)."""
    if value is None:
        return None
    if precision == "year":
        return f"{value.year:04d}"
    if precision == "month":
        return f"{value.month:02d}/{value.year:04d}"
    return value.strftime("%d/%m/%Y")


def parse_iso_date(text: str, field: str = "date") -> date:
    """A full ISO date (YYYY-MM-DD), for parameters where a period makes no sense."""
    try:
        return date.fromisoformat(str(text).strip())
    except ValueError as exc:
        raise ValidationError(f"{field}: {text!r} is not an ISO date YYYY-MM-DD",
                              field=field) from exc


