"""Every input parser (URL arguments of the API, the OGC API and the pages; CLI options),
bounded, each raising BadParameter naming the parameter.

A client (or a person with a typo in a URL) learns exactly what to fix, and no value can
reach the database or Python's converters unbounded: integers are ASCII digits within
BIGINT, dates within the register's calendar, search text within MAX_SEARCH_CHARS and
MAX_SEARCH_WORDS. No Flask here: `args` is any mapping with `get` (and `getlist` for
repeated parameters), e.g. werkzeug's MultiDict or a plain dict.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

from tracker.errors import BadParameter
from tracker.periods import (
    EARLIEST,
    LATEST,
    MAX_DATE_TEXT,
    OutOfRange,
    Period,
    check_range,
    parse_utc_datetime,
)

DEFAULT_LIMIT = 100
MAX_LIMIT = 10_000
OGC_DEFAULT_LIMIT = 10
MAX_INT = 2**63 - 1  # BIGINT: the largest integer both databases take in LIMIT / OFFSET
MAX_EPSG_DIGITS = 9  # EPSG codes have at most 6 digits; 9 stays well inside PROJ's int
MAX_SEARCH_CHARS = 200  # `q` and `owner`: a long name is ~120 characters
MAX_SEARCH_WORDS = 20  # each word of `q` is one more condition in the SQL
SHOWN_CHARS = 40  # how much of a bad value an error message repeats
FILTER_PARAMS = ("status", "kind", "province", "programme_role", "owner", "q", "bbox",
                 "updated_since", "stale")
COMMON_PARAMS = ("lang",)  # the translation layer's ?lang= is accepted everywhere

_ASCII_DIGITS = re.compile(r"[0-9]+")
_EPSG_URI = re.compile(r"^https?://www\.opengis\.net/def/crs/EPSG/0/([0-9]+)$")
_CRS84 = ("OGC:CRS84", "CRS84", "http://www.opengis.net/def/crs/OGC/1.3/CRS84",
          "https://www.opengis.net/def/crs/OGC/1.3/CRS84")


def shown(value: Any) -> str:
    """A bad value as an error message repeats it: quoted, and cut when it is long."""
    text = str(value)
    if len(text) > SHOWN_CHARS:
        return repr(text[:SHOWN_CHARS]) + f"… ({len(text):,} characters)"
    return repr(text)


def names(args: Mapping[str, Any]) -> list[str]:
    keys = getattr(args, "keys", None)
    return list(keys()) if keys else list(args)


def check_known(args: Mapping[str, Any], allowed: Iterable[str]) -> None:
    """400 for a parameter the endpoint does not define (a typo must not be silently ignored;
    OGC API Features /req/core/query-param-unknown)."""
    known = set(allowed) | set(COMMON_PARAMS)
    unknown = sorted(set(names(args)) - known)
    if unknown:
        raise BadParameter(f"unknown parameter {shown(unknown[0])}",
                           detail=f"this endpoint accepts: {', '.join(sorted(known))}",
                           field=unknown[0])


def values(args: Mapping[str, Any], name: str) -> list[Any]:
    """Every value given for `name`: the one accessor for werkzeug's MultiDict (repeated
    parameters), a plain dict (CLI options, tests) and our Request's args."""
    getlist = getattr(args, "getlist", None)
    if getlist is not None:
        return list(getlist(name))
    return [args[name]] if name in args else []


def single(args: Mapping[str, Any], name: str) -> str | None:
    """The value of a parameter that may be given once (None when absent or empty)."""
    given = values(args, name)
    if len(given) > 1:
        raise BadParameter(f"{name} is given {len(given)} times", detail="give it once",
                           field=name)
    if not given:
        return None
    text = str(given[0]).strip()
    return text or None


def whole_number(text: str, name: str, minimum: int, maximum: int) -> int:
    """ASCII digits only (int() would take '²' or '١'), bounded before converting (int()
    refuses more than 4,300 digits, and the databases more than BIGINT)."""
    if not _ASCII_DIGITS.fullmatch(text):
        raise BadParameter(f"{name} must be a whole number (digits 0-9)",
                           detail=f"got {shown(text)}", field=name)
    digits = text.lstrip("0") or "0"
    value = int(digits) if len(digits) <= len(str(maximum)) else None
    if value is None or not minimum <= value <= maximum:
        raise BadParameter(f"{name} must be between {minimum:,} and {maximum:,}",
                           detail=f"got {shown(text)}", field=name)
    return value


def parse_int(args: Mapping[str, Any], name: str, default: int | None, minimum: int,
              maximum: int | None) -> int | None:
    """A whole-number parameter between `minimum` and `maximum` (at most MAX_INT)."""
    text = single(args, name)
    if text is None:
        return default
    return whole_number(text, name, minimum, MAX_INT if maximum is None else
                        min(maximum, MAX_INT))


def parse_limit(args: Mapping[str, Any], default: int | None = DEFAULT_LIMIT,
                maximum: int = MAX_LIMIT) -> int | None:
    """A page size from 1; above `maximum` it is clamped to it, as OGC API - Features
    requires (the answer's numberReturned and links say what was served). Not a number, or
    beyond MAX_INT, is still a 400."""
    value = parse_int(args, "limit", default, 1, MAX_INT)
    return None if value is None else min(value, maximum)


def parse_offset(args: Mapping[str, Any]) -> int:
    return parse_int(args, "offset", 0, 0, MAX_INT) or 0


def parse_page(args: Mapping[str, Any]) -> int:
    """The table's `page`, from 1 (a page past the last one is the page's 404, not a 400)."""
    return parse_int(args, "page", 1, 1, MAX_INT) or 1


def parse_search_text(value: Any, name: str) -> str:
    """`q` or `owner`: free text, stripped; at most MAX_SEARCH_CHARS characters and
    MAX_SEARCH_WORDS words (every word is one more condition in the SQL)."""
    text = str(value or "").strip()
    if any(ord(c) < 32 or 127 <= ord(c) < 160 for c in text):  # NUL breaks PostgreSQL
        raise BadParameter(f"{name} holds a control character", field=name)
    if len(text) > MAX_SEARCH_CHARS:
        raise BadParameter(f"{name} is longer than {MAX_SEARCH_CHARS} characters",
                           detail=f"got {len(text):,} characters", field=name)
    words = len(text.split())
    if words > MAX_SEARCH_WORDS:
        raise BadParameter(f"{name} has more than {MAX_SEARCH_WORDS} words",
                           detail=f"got {words:,} words", field=name)
    return text


def parse_flag(value: Any, name: str) -> bool | None:
    """A yes/no filter (`stale=1` or `stale=0`; true/false too); None when absent or empty."""
    text = str(value if value is not None else "").strip().lower()
    if not text:
        return None
    if text in ("1", "true"):
        return True
    if text in ("0", "false"):
        return False
    raise BadParameter(f"{name} must be 1 or 0", detail=f"got {shown(text)}", field=name)


def _calendar_error(name: str, text: str) -> BadParameter:
    return BadParameter(f"{name} must lie between {EARLIEST.isoformat()} and "
                        f"{LATEST.isoformat()}", detail=f"got {shown(text)}", field=name)


def parse_updated_since(value: Any, name: str = "updated_since") -> datetime | None:
    """An ISO 8601 date or date-time (naive means UTC) -> naive UTC; None when absent."""
    text = str(value or "").strip()
    if not text:
        return None
    try:
        return parse_utc_datetime(text)
    except OutOfRange as exc:
        raise _calendar_error(name, text) from exc
    except ValueError as exc:
        raise BadParameter(f"{name} is not an ISO 8601 date or date-time",
                           detail=f"got {shown(text)} (e.g. 2026-03-09 or "
                           "2026-03-09T08:00:00Z)", field=name) from exc


def _instant(text: str, name: str) -> date:
    """A date from an RFC 3339 date or date-time (the date part: projects are dated by day),
    within the register's calendar."""
    try:
        if not text.isascii():
            raise ValueError("not ASCII")
        if "T" in text.upper():
            day = datetime.fromisoformat(text.replace("z", "Z").replace("Z", "+00:00")).date()
        else:
            day = date.fromisoformat(text)
    except ValueError as exc:
        raise BadParameter(f"{name} is not an RFC 3339 date or date-time",
                           detail=f"got {shown(text)} (e.g. 2026-03-09, 2026-03-09T00:00:00Z, "
                           "2025-01-01/2026-12-31, ../2026-12-31)", field=name) from exc
    try:
        check_range(day)
    except OutOfRange as exc:
        raise _calendar_error(name, text) from exc
    return day


def parse_datetime(args: Mapping[str, Any], name: str = "datetime") -> Period | None:
    """OGC `datetime`: an instant, or an interval 'start/end' with '..' (or empty) open."""
    text = single(args, name)
    if text is None:
        return None
    if len(text) > 2 * MAX_DATE_TEXT + 1:
        raise BadParameter(f"{name} is too long for a date or an interval",
                           detail=f"got {shown(text)}", field=name)
    if "/" not in text:
        day = _instant(text, name)
        return Period(day, day)
    parts = text.split("/")
    if len(parts) != 2:
        raise BadParameter(f"{name} interval has more than one '/'",
                           detail=f"got {shown(text)}", field=name)
    start = None if parts[0] in ("", "..") else _instant(parts[0], name)
    end = None if parts[1] in ("", "..") else _instant(parts[1], name)
    if start is None and end is None:
        raise BadParameter(f"{name} interval is open at both ends",
                           detail=f"got {shown(text)}", field=name)
    if start is not None and end is not None and start > end:
        raise BadParameter(f"{name} interval ends before it starts",
                           detail=f"got {shown(text)}", field=name)
    return Period(start, end)


def parse_crs(args: Mapping[str, Any], name: str = "crs") -> str | None:
    """'EPSG:3405', '3405' or the OGC URI form -> 'EPSG:3405' (None for WGS 84 / absent).

    Only EPSG codes PROJ knows, of a 2D geographic or projected CRS, are accepted; the code
    is ASCII digits, short enough for PROJ (never '¹²' nor 5,000 digits)."""
    text = single(args, name)
    if text is None:
        return None
    if text.upper() in (c.upper() for c in _CRS84):
        return None
    m = _EPSG_URI.match(text)
    code = m.group(1) if m else text.upper().removeprefix("EPSG:")
    if not _ASCII_DIGITS.fullmatch(code) or len(code) > MAX_EPSG_DIGITS:
        raise BadParameter(f"{name} must be an EPSG code such as EPSG:3405",
                           detail=f"got {shown(text)}", field=name)
    from pyproj import CRS
    from pyproj.exceptions import CRSError

    try:
        crs = CRS.from_epsg(int(code))
    except CRSError as exc:
        raise BadParameter(f"{name} EPSG:{code} is not a known coordinate reference system",
                           detail=str(exc), field=name) from exc
    if not (crs.is_geographic or crs.is_projected) or len(crs.axis_info) != 2:
        raise BadParameter(f"{name} EPSG:{code} is not a 2D geographic or projected CRS",
                           detail=crs.name, field=name)
    return None if int(code) == 4326 else f"EPSG:{int(code)}"


def parse_format(args: Mapping[str, Any], allowed: tuple[str, ...], default: str | None
                 ) -> str | None:
    """The `f` parameter (OGC: json or html)."""
    text = single(args, "f")
    if text is None:
        return default
    if text.lower() not in allowed:
        raise BadParameter(f"unknown format f={shown(text)}",
                           detail=f"one of: {', '.join(allowed)}", field="f")
    return text.lower()
