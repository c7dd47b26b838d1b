"""What a person asked to see: ProjectFilter, parsed and validated once from URL arguments or
CLI options, and the same for the map, the table, the exports, the API and the OGC API."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from tracker import vocab
from tracker.errors import BadParameter
from tracker.params import (
    parse_datetime,
    parse_flag,
    parse_search_text,
    parse_updated_since,
    values,
)
from tracker.periods import Period
from tracker.rules import STALE_DAYS, stale_since


def _multi(args: Mapping[str, Any], name: str) -> list[str]:
    """Values of a parameter given repeatedly (?status=a&status=b) or comma-separated."""
    out: list[str] = []
    for item in values(args, name):
        if isinstance(item, list | tuple):
            out.extend(str(x) for x in item)
        else:
            out.extend(p.strip() for p in str(item).split(",") if p.strip())
    return out


def _check_codes(values: list[str], allowed: tuple[str, ...], name: str) -> tuple[str, ...]:
    bad = [v for v in values if v not in allowed]
    if bad:
        raise BadParameter(f"unknown {name} {', '.join(repr(b) for b in bad)}",
                           detail=f"{name} must be one of: {', '.join(allowed)}", field=name)
    return tuple(dict.fromkeys(values))


def parse_bbox(text: str) -> tuple[float, float, float, float]:
    parts = text.split(",")
    if len(parts) != 4:
        raise BadParameter("bbox needs four numbers: minLon,minLat,maxLon,maxLat",
                           detail=f"got {text!r}", field="bbox")
    try:
        x0, y0, x1, y1 = (float(p) for p in parts)
    except ValueError as exc:
        raise BadParameter("bbox values must be numbers", detail=f"got {text!r}",
                           field="bbox") from exc
    if not (-180 <= x0 <= 180 and -180 <= x1 <= 180 and -90 <= y0 <= 90 and -90 <= y1 <= 90):
        raise BadParameter("bbox is outside ±180° longitude / ±90° latitude",
                           detail=f"got {text!r}", field="bbox")
    if x0 > x1 or y0 > y1:
        raise BadParameter("bbox minimum is greater than its maximum",
                           detail=f"got {text!r} (order: minLon,minLat,maxLon,maxLat)",
                           field="bbox")
    return (x0, y0, x1, y1)


def _programme_role(args: Mapping[str, Any]) -> str:
    given = _multi(args, "programme_role")
    allowed = (*vocab.codes(vocab.PROGRAMME_ROLES), vocab.PROGRAMME_ROLE_ALL)
    if len(given) > 1:
        raise BadParameter("give programme_role once", detail=f"one of {', '.join(allowed)}",
                           field="programme_role")
    return _check_codes(given, allowed, "programme_role")[0] if given else ""


@dataclass(frozen=True)
class ProjectFilter:
    """What a person asked to see. The same filter drives map, table, exports and API."""

    status: tuple[str, ...] = ()
    kind: tuple[str, ...] = ()
    province: tuple[str, ...] = ()
    # "" (not given: both listed, totals apart), "programme", "related", or "all" (both,
    # and the totals also together)
    programme_role: str = ""
    owner: str = ""
    q: str = ""
    bbox: tuple[float, float, float, float] | None = None
    updated_since: datetime | None = None
    period: Period | None = None  # OGC `datetime`: the project's own period meets it
    # "cần cập nhật": True only stale projects, False only current ones (rules.is_stale);
    # stale_since is the cut-off it was parsed against (rules.stale_since of today)
    stale: bool | None = None
    stale_since: date | None = None
    codes: tuple[str, ...] = field(default=())
    # an OGC collection of one geometry family (Project.geometry_type); never a URL argument
    geometry_types: tuple[str, ...] = field(default=())

    @classmethod
    def from_args(cls, args: Mapping[str, Any], *, today: date | None = None,
                  stale_days: int = STALE_DAYS) -> ProjectFilter:
        """Parse request args or CLI options; unknown codes and bad values are BadParameter.
        `today` and `stale_days` (the settings') say what `stale` means."""
        bbox = args.get("bbox")
        stale = parse_flag(args.get("stale"), "stale")
        return cls(
            stale=stale,
            stale_since=None if stale is None else stale_since(today or date.today(),
                                                               stale_days),
            status=_check_codes(_multi(args, "status"), vocab.codes(vocab.STATUSES), "status"),
            kind=_check_codes(_multi(args, "kind"), vocab.codes(vocab.KINDS), "kind"),
            province=_check_codes(_multi(args, "province"), vocab.codes(vocab.PROVINCES),
                                  "province"),
            programme_role=_programme_role(args),
            owner=parse_search_text(args.get("owner"), "owner"),
            q=parse_search_text(args.get("q"), "q"),
            bbox=parse_bbox(str(bbox)) if bbox else None,
            updated_since=parse_updated_since(args.get("updated_since")),
            period=parse_datetime(args),
        )

    def to_args(self) -> dict[str, str]:
        """Query parameters that reproduce this filter (for links between views)."""
        out: dict[str, str] = {}
        for name in ("status", "kind", "province"):
            if getattr(self, name):
                out[name] = ",".join(getattr(self, name))
        if self.programme_role:
            out["programme_role"] = self.programme_role
        if self.owner:
            out["owner"] = self.owner
        if self.q:
            out["q"] = self.q
        if self.bbox:
            out["bbox"] = ",".join(f"{v:g}" for v in self.bbox)
        if self.updated_since:
            out["updated_since"] = self.updated_since.isoformat()
        if self.period:
            out["datetime"] = self.period.to_text()
        if self.stale is not None:
            out["stale"] = "1" if self.stale else "0"
        return out

    @property
    def roles(self) -> tuple[str, ...]:
        """The programme roles selected (both unless one is asked for)."""
        if self.programme_role in vocab.codes(vocab.PROGRAMME_ROLES):
            return (self.programme_role,)
        return vocab.codes(vocab.PROGRAMME_ROLES)

    @property
    def together(self) -> bool:
        """Totals of programme and related projects together only when asked (all)."""
        return self.programme_role == vocab.PROGRAMME_ROLE_ALL

    def is_empty(self) -> bool:
        return not self.to_args() and not self.codes and not self.geometry_types


