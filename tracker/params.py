"""Request parameters of the API and the OGC API, parsed once by small validators.

Each validator raises BadParameter naming the parameter, so a client (or a person with a
typo in a URL) learns exactly what to fix. No Flask here: `args` is any mapping with `get`
(and `getlist` for repeated parameters), e.g. werkzeug's MultiDict or a plain dict.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

from tracker.dates import Period
from tracker.errors import BadParameter

DEFAULT_LIMIT = 100
MAX_LIMIT = 10_000
OGC_DEFAULT_LIMIT = 10
FILTER_PARAMS = ("status", "kind", "province", "owner", "q", "bbox", "updated_since")
COMMON_PARAMS = ("lang",)  # the translation layer's ?lang= is accepted everywhere

_EPSG_URI = re.compile(r"^https?://www\.opengis\.net/def/crs/EPSG/0/(\d+)$")
_CRS84 = ("OGC:CRS84", "CRS84", "http://www.opengis.net/def/crs/OGC/1.3/CRS84",
          "https://www.opengis.net/def/crs/OGC/1.3/CRS84")


def names(args: Mapping[str, Any]) -> list[str]:
    keys = getattr(args, "keys", None)
    return list(keys()) if keys else list(args)


def check_known(args: Mapping[str, Any], allowed: Iterable[str]) -> None:
    """400 for a parameter the endpoint does not define (a typo must not be silently ignored;
    OGC API Features /req/core/query-param-unknown)."""
    known = set(allowed) | set(COMMON_PARAMS)
    unknown = sorted(set(names(args)) - known)
    if unknown:
        raise BadParameter(f"unknown parameter {unknown[0]!r}",
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


def parse_int(args: Mapping[str, Any], name: str, default: int | None, minimum: int,
              maximum: int | None) -> int | None:
    text = single(args, name)
    if text is None:
        return default
    if not re.fullmatch(r"\d+", text):
        raise BadParameter(f"{name} must be a whole number", detail=f"got {text!r}", field=name)
    value = int(text)
    if value < minimum or (maximum is not None and value > maximum):
        upper = f" and {maximum:,}" if maximum is not None else ""
        raise BadParameter(f"{name} must be between {minimum}{upper}",
                           detail=f"got {value}", field=name)
    return value


def parse_limit(args: Mapping[str, Any], default: int | None = DEFAULT_LIMIT,
                maximum: int = MAX_LIMIT) -> int | None:
    return parse_int(args, "limit", default, 1, maximum)


def parse_offset(args: Mapping[str, Any]) -> int:
    return parse_int(args, "offset", 0, 0, None) or 0


def _instant(text: str, name: str) -> date:
    """A date from an RFC 3339 date or date-time (the date part: projects are dated by day)."""
    try:
        if "T" in text.upper():
            return datetime.fromisoformat(text.replace("z", "Z").replace("Z", "+00:00")).date()
        return date.fromisoformat(text)
    except ValueError as exc:
        raise BadParameter(f"{name} is not an RFC 3339 date or date-time",
                           detail=f"got {text!r} (e.g. 2026-03-09, 2026-03-09T00:00:00Z, "
                           "2025-01-01/2026-12-31, ../2026-12-31)", field=name) from exc


def parse_datetime(args: Mapping[str, Any], name: str = "datetime") -> Period | None:
    """OGC `datetime`: an instant, or an interval 'start/end' with '..' (or empty) open."""
    text = single(args, name)
    if text is None:
        return None
    if "/" not in text:
        day = _instant(text, name)
        return Period(day, day)
    parts = text.split("/")
    if len(parts) != 2:
        raise BadParameter(f"{name} interval has more than one '/'", detail=f"got {text!r}",
                           field=name)
    start = None if parts[0] in ("", "..") else _instant(parts[0], name)
    end = None if parts[1] in ("", "..") else _instant(parts[1], name)
    if start is None and end is None:
        raise BadParameter(f"{name} interval is open at both ends", detail=f"got {text!r}",
                           field=name)
    if start is not None and end is not None and start > end:
        raise BadParameter(f"{name} interval ends before it starts", detail=f"got {text!r}",
                           field=name)
    return Period(start, end)


def parse_crs(args: Mapping[str, Any], name: str = "crs") -> str | None:
    """'EPSG:3405', '3405' or the OGC URI form -> 'EPSG:3405' (None for WGS 84 / absent).

    Only EPSG codes PROJ knows, of a 2D geographic or projected CRS, are accepted."""
    text = single(args, name)
    if text is None:
        return None
    if text.upper() in (c.upper() for c in _CRS84):
        return None
    m = _EPSG_URI.match(text)
    code = m.group(1) if m else text.upper().removeprefix("EPSG:")
    if not code.isdigit():
        raise BadParameter(f"{name} must be an EPSG code such as EPSG:3405",
                           detail=f"got {text!r}", field=name)
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
        raise BadParameter(f"unknown format f={text!r}", detail=f"one of: {', '.join(allowed)}",
                           field="f")
    return text.lower()
