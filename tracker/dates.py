"""Dates that sources state with reduced precision ("2026", "2026-03", "2026-03-09").

A year-only plan is a real fact; turning it into a day would be a guess. We store a date plus
its precision. Start-like dates are stored as the first day of their period and end-like dates
as the last, so `end >= start` and "has the planned end passed?" are plain comparisons in SQL
and Python alike.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime

from tracker.errors import ValidationError

_PARTIAL = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")

# The register's calendar: no fact it holds, and no date a filter asks about, lies outside
# these days (the programme's roads were planned from the 1970s; plans reach 2100 at most).
EARLIEST = date(1975, 1, 1)
LATEST = date(2100, 12, 31)
MAX_DATE_TEXT = 64  # an RFC 3339 date-time with a fraction and an offset is 35 characters


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


@dataclass(frozen=True)
class Period:
    """A date interval (the OGC `datetime` parameter); None at either end = unbounded.

    A project's own period runs from its start (actual, else planned) to its end (actual,
    else planned); a missing end is open. A project with neither date matches no period.
    """

    start: date | None = None
    end: date | None = None

    def to_text(self) -> str:
        """The OGC `datetime` text that parses back to this period."""
        if self.start is not None and self.start == self.end:
            return self.start.isoformat()
        return "/".join(d.isoformat() if d else ".." for d in (self.start, self.end))

class OutOfRange(ValueError):
    """A real date, outside the register's calendar."""


def check_range(value: date) -> None:
    """OutOfRange (a ValueError) when a day lies outside the register's calendar."""
    if not EARLIEST <= value <= LATEST:
        raise OutOfRange(f"{value.isoformat()} is outside {EARLIEST.isoformat()} … "
                         f"{LATEST.isoformat()}")


def parse_utc_datetime(text: str) -> datetime:
    """An ISO 8601 date or date-time -> naive UTC (the database's timestamps), within the
    register's calendar. A date-time without an offset is UTC.

    The range is checked on the local day before converting, so an offset at the
    calendar's edge (0001-01-01T00:00:00+14:00) is a ValueError, never an OverflowError.
    """
    text = str(text).strip()
    if len(text) > MAX_DATE_TEXT or not text.isascii():
        raise ValueError("not an ISO 8601 date or date-time")
    value = datetime.fromisoformat(text)
    check_range(value.date())
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value
