"""The register's calendar: the range of dates it accepts, date intervals, and ISO date-times
read into UTC. Plain values and ValueErrors only (the parsers in params.py name the parameter)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

# The register's calendar: no fact it holds, and no date a filter asks about, lies outside
# these days (the programme's roads were planned from the 1970s; plans reach 2100 at most).
EARLIEST = date(1975, 1, 1)


LATEST = date(2100, 12, 31)


MAX_DATE_TEXT = 64  # an RFC 3339 date-time with a fraction and an offset is 35 characters


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
