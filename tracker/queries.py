"""Reading projects: one ProjectFilter, parsed and validated once, drives every view.

No Flask here: functions take a session and plain values, so tests call them directly.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session, defer, selectinload

from . import vocab
from .db import is_postgres
from .errors import BadParameter
from .models import Boundary, Project, ProjectProvince
from .text import fold

SORTABLE = ("code", "name", "kind", "status", "progress", "length", "investment",
            "disbursed", "disbursement", "planned_end", "updated")
TABLE_SORTS = (*SORTABLE, "late")
_STATUS_ORDER = {s.code: s.order for s in vocab.STATUSES}
_KIND_ORDER = {k.code: i for i, k in enumerate(vocab.KINDS, start=1)}
_CLOSED = ("completed", "cancelled")


def _multi(args: Mapping[str, Any], name: str) -> list[str]:
    """Values of a parameter given repeatedly (?status=a&status=b) or comma-separated."""
    getlist = getattr(args, "getlist", None)
    raw = getlist(name) if getlist else ([args[name]] if name in args else [])
    out: list[str] = []
    for item in raw:
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


@dataclass(frozen=True)
class ProjectFilter:
    """What a person asked to see. The same filter drives map, table, exports and API."""

    status: tuple[str, ...] = ()
    kind: tuple[str, ...] = ()
    province: tuple[str, ...] = ()
    owner: str = ""
    q: str = ""
    bbox: tuple[float, float, float, float] | None = None
    updated_since: datetime | None = None
    codes: tuple[str, ...] = field(default=())

    @classmethod
    def from_args(cls, args: Mapping[str, Any]) -> ProjectFilter:
        """Parse request args or CLI options; unknown codes and bad values are BadParameter."""
        bbox = args.get("bbox")
        since = args.get("updated_since")
        updated_since = None
        if since:
            try:
                updated_since = datetime.fromisoformat(str(since).replace("Z", "+00:00"))
            except ValueError as exc:
                raise BadParameter("updated_since is not an ISO 8601 date or date-time",
                                   detail=f"got {since!r}", field="updated_since") from exc
            if updated_since.tzinfo is not None:
                from datetime import UTC

                updated_since = updated_since.astimezone(UTC).replace(tzinfo=None)
        return cls(
            status=_check_codes(_multi(args, "status"), vocab.codes(vocab.STATUSES), "status"),
            kind=_check_codes(_multi(args, "kind"), vocab.codes(vocab.KINDS), "kind"),
            province=_check_codes(_multi(args, "province"), vocab.codes(vocab.PROVINCES),
                                  "province"),
            owner=str(args.get("owner") or "").strip(),
            q=str(args.get("q") or "").strip(),
            bbox=parse_bbox(str(bbox)) if bbox else None,
            updated_since=updated_since,
        )

    def to_args(self) -> dict[str, str]:
        """Query parameters that reproduce this filter (for links between views)."""
        out: dict[str, str] = {}
        for name in ("status", "kind", "province"):
            if getattr(self, name):
                out[name] = ",".join(getattr(self, name))
        if self.owner:
            out["owner"] = self.owner
        if self.q:
            out["q"] = self.q
        if self.bbox:
            out["bbox"] = ",".join(f"{v:g}" for v in self.bbox)
        if self.updated_since:
            out["updated_since"] = self.updated_since.isoformat()
        return out

    def is_empty(self) -> bool:
        return not self.to_args() and not self.codes


def apply_filter(stmt: Any, f: ProjectFilter, postgres: bool) -> Any:
    """Add the filter's conditions to any SELECT over projects (rows, counts, sums)."""
    if f.status:
        stmt = stmt.where(Project.status.in_(f.status))
    if f.kind:
        stmt = stmt.where(Project.kind.in_(f.kind))
    if f.province:
        stmt = stmt.where(Project.id.in_(
            select(ProjectProvince.project_id).where(ProjectProvince.province.in_(f.province))))
    if f.owner:  # owner or investor contains the text, ignoring diacritics and case
        stmt = stmt.where(Project.owner_search.contains(fold(f.owner), autoescape=True))
    if f.q:
        for word in fold(f.q).split():
            stmt = stmt.where(Project.search_text.contains(word, autoescape=True))
    if f.bbox:
        x0, y0, x1, y1 = f.bbox
        stmt = stmt.where(and_(Project.min_lon <= x1, Project.max_lon >= x0,
                               Project.min_lat <= y1, Project.max_lat >= y0))
        if postgres:
            envelope = func.ST_MakeEnvelope(x0, y0, x1, y1, 4326)
            stmt = stmt.where(func.ST_Intersects(Project.geometry, envelope))
    if f.updated_since:
        stmt = stmt.where(Project.updated_at >= f.updated_since)
    if f.codes:
        stmt = stmt.where(Project.code.in_(f.codes))
    return stmt


def order_clauses(sort: str, desc: bool, today: date | None = None, lang: str = "vi"
                  ) -> list[Any]:
    """ORDER BY for a sort key of TABLE_SORTS; ties broken by code so pages are stable.

    Status and kind sort in vocabulary order, "name" in Vietnamese alphabetical order of the
    name shown in `lang`, and "late" by days late (projects that are not late last). Unknown
    values sort last either way: they are not "smallest", they are missing.
    """
    column: Any
    if sort == "late":
        # days late grow as the planned end gets older: "most late first" is the oldest end
        column = case((and_(Project.planned_end < (today or date.today()),
                            Project.status.not_in(_CLOSED)), Project.planned_end), else_=None)
        desc = not desc
    elif sort == "status":
        column = case(_STATUS_ORDER, value=Project.status, else_=len(_STATUS_ORDER) + 1)
    elif sort == "kind":
        column = case(_KIND_ORDER, value=Project.kind, else_=len(_KIND_ORDER) + 1)
    elif sort == "name":  # Vietnamese dictionary order of the shown name (tracker.collation)
        column = Project.sort_name_en if lang == "en" else Project.sort_name_vi
    else:
        column = {
            "code": Project.code, "progress": Project.progress_pct,
            "length": Project.length_km, "investment": Project.total_investment_vnd,
            "disbursed": Project.disbursed_vnd,
            "disbursement": Project.disbursed_vnd * 1.0
            / func.nullif(Project.total_investment_vnd, 0),
            "planned_end": Project.planned_end, "updated": Project.updated_at,
        }[sort]
    primary = column.desc().nulls_last() if desc else column.asc().nulls_last()
    return [primary, Project.code.asc()]


def select_projects(session: Session, f: ProjectFilter, *, sort: str = "code",
                    desc: bool = False, limit: int | None = None, offset: int = 0,
                    with_history: bool = False, geometry: bool = True,
                    today: date | None = None, lang: str = "vi") -> list[Project]:
    """The projects the filter selects, in a stable order (see order_clauses). Geometry can
    be left unloaded for views that do not draw it (the table)."""
    if sort not in TABLE_SORTS:
        raise BadParameter(f"cannot sort by {sort!r}",
                           detail=f"one of {', '.join(TABLE_SORTS)}", field="sort")
    options: list[Any] = [selectinload(Project.provinces)]
    if with_history:
        options += [selectinload(Project.funding_lines), selectinload(Project.updates),
                    selectinload(Project.source_links)]
    if not geometry:
        options.append(defer(Project.geometry))
    stmt = apply_filter(select(Project), f, is_postgres(session)).options(*options)
    stmt = stmt.order_by(*order_clauses(sort, desc, today, lang)).offset(offset)
    if limit is not None:
        stmt = stmt.limit(limit)
    return list(session.scalars(stmt))


def count_projects(session: Session, f: ProjectFilter) -> int:
    stmt = apply_filter(select(func.count(Project.id)), f, is_postgres(session))
    return int(session.scalar(stmt) or 0)


def get_project(session: Session, code: str) -> Project | None:
    return session.scalar(select(Project).where(Project.code == code).options(
        selectinload(Project.provinces), selectinload(Project.funding_lines),
        selectinload(Project.updates), selectinload(Project.source_links)))


# --------------------------------------------------------------------------- business rules

def disbursement_rate(project: Project) -> float | None:
    """Disbursed / total investment, in %; None when either is unknown or the total is 0."""
    if project.disbursed_vnd is None or not project.total_investment_vnd:
        return None
    return round(100.0 * project.disbursed_vnd / project.total_investment_vnd, 1)


def days_late(project: Project, today: date) -> int | None:
    """Days since the planned end passed, for a project not completed or cancelled; else None.

    A year- or month-precision planned end counts from the last day of its period.
    """
    if project.planned_end is None or project.status in ("completed", "cancelled"):
        return None
    late = (today - project.planned_end).days
    return late if late > 0 else None


def project_record(p: Project, today: date) -> dict[str, Any]:
    """The flat attribute set every export and API listing shares (stable names)."""
    return {
        "code": p.code,
        "name_vi": p.name_vi,
        "name_en": p.name_en,
        "kind": p.kind,
        "status": p.status,
        "progress_pct": p.progress_pct,
        "length_km": p.length_km,
        "stated_length_km": p.stated_length_km,
        "total_investment_vnd": p.total_investment_vnd,
        "disbursed_vnd": p.disbursed_vnd,
        "disbursement_pct": disbursement_rate(p),
        "planned_start": p.partial_date("planned_start"),
        "planned_end": p.partial_date("planned_end"),
        "actual_start": p.partial_date("actual_start"),
        "actual_end": p.partial_date("actual_end"),
        "days_late": days_late(p, today),
        "owner": p.owner,
        "investor": p.investor,
        "provinces": ";".join(p.province_codes),
        "current_unit": ";".join(vocab.current_units(p.province_codes)) or None,
        "field": p.field,
        "geometry_accuracy": p.geometry_accuracy,
        "geometry_note": p.geometry_note,
        "geometry_note_en": p.geometry_note_en,
        "updated_at": p.updated_at.isoformat(timespec="seconds") + "Z",
    }


RECORD_FIELDS: Sequence[str] = (
    "code", "name_vi", "name_en", "kind", "status", "progress_pct", "length_km",
    "stated_length_km", "total_investment_vnd", "disbursed_vnd", "disbursement_pct",
    "planned_start", "planned_end", "actual_start", "actual_end", "days_late", "owner",
    "investor", "provinces", "current_unit", "field", "geometry_accuracy", "geometry_note",
    "geometry_note_en", "updated_at")


# --------------------------------------------------------------------------- key figures

@dataclass
class Group:
    """Key figures of one group of projects (a status, a kind, or all)."""

    count: int = 0
    km: float = 0.0
    investment_vnd: int = 0
    disbursed_vnd: int = 0
    with_investment: int = 0  # how many projects the investment sum covers
    with_disbursed: int = 0


@dataclass
class Summary:
    total: Group
    by_status: dict[str, Group]
    by_kind: dict[str, Group]
    late: list[tuple[Project, int]]
    without_geometry: int


def summary(session: Session, f: ProjectFilter, today: date) -> Summary:
    """Counts, km and money by status and kind, and the late projects (the dashboard's and
    the API's numbers). Unknown amounts are left out of sums and counted separately, so a
    total never silently treats 'no data' as 0."""
    postgres = is_postgres(session)

    def groups(key: Any) -> dict[str, Group]:
        stmt = apply_filter(select(key, *_figure_columns()), f, postgres).group_by(key)
        return {row[0]: _group(row[1:]) for row in session.execute(stmt)}

    total = totals(session, f)
    late_stmt = apply_filter(select(Project), f, postgres).where(
        Project.planned_end < today, Project.status.not_in(("completed", "cancelled"))
    ).order_by(Project.planned_end, Project.code)
    late = [(p, days_late(p, today) or 0) for p in session.scalars(late_stmt)]
    no_geom = session.scalar(apply_filter(select(func.count(Project.id)), f, postgres).where(
        Project.geometry.is_(None))) or 0
    return Summary(total=total, by_status=groups(Project.status), by_kind=groups(Project.kind),
                   late=late, without_geometry=int(no_geom))


# =========================================================================== pages: light reads
# Added for the planners' pages (map, table, dashboard). These read only the columns or the one
# aggregate row a page needs, so the table and the map stay fast on 100,000 projects.



@dataclass(frozen=True)
class Extent:
    """How many projects a filter selects, how many of them have a geometry, and their
    envelope (minLon, minLat, maxLon, maxLat; None when nothing selected has a geometry)."""

    count: int
    with_geometry: int
    bounds: tuple[float, float, float, float] | None


def extent(session: Session, f: ProjectFilter) -> Extent:
    stmt = apply_filter(select(func.count(Project.id), func.count(Project.geometry_type),
                         func.min(Project.min_lon), func.min(Project.min_lat),
                         func.max(Project.max_lon), func.max(Project.max_lat)),
                  f, is_postgres(session))
    row = session.execute(stmt).one()
    bounds = None if row[2] is None else (float(row[2]), float(row[3]), float(row[4]),
                                          float(row[5]))
    return Extent(int(row[0]), int(row[1]), bounds)


def _figure_columns() -> tuple[Any, ...]:
    """count, km, investment, disbursed, and how many projects the two sums cover."""
    return (func.count(Project.id), func.coalesce(func.sum(Project.length_km), 0.0),
            func.coalesce(func.sum(Project.total_investment_vnd), 0),
            func.coalesce(func.sum(Project.disbursed_vnd), 0),
            func.count(Project.total_investment_vnd), func.count(Project.disbursed_vnd))


def _group(row: Any) -> Group:
    return Group(int(row[0]), float(row[1]), int(row[2]), int(row[3]), int(row[4]), int(row[5]))


def totals(session: Session, f: ProjectFilter) -> Group:
    """The key figures of the whole selection in one aggregate row (the table's totals)."""
    stmt = apply_filter(select(*_figure_columns()), f, is_postgres(session))
    return _group(session.execute(stmt).one())


MAP_COLUMNS = ("code", "name_vi", "name_en", "kind", "status", "geometry_accuracy", "geometry")


def map_rows(session: Session, f: ProjectFilter) -> list[Any]:
    """What the map needs to draw, label and find the projects that have a geometry: plain rows
    of MAP_COLUMNS, not entities (several times faster on large selections)."""
    cols = [getattr(Project, name) for name in MAP_COLUMNS]
    stmt = apply_filter(select(*cols), f, is_postgres(session)).where(
        Project.geometry_type.is_not(None)).order_by(Project.code)
    return list(session.execute(stmt))


def boundaries(session: Session) -> list[Any]:
    """The province outlines the maps draw for context (a handful of rows)."""
    return list(session.scalars(select(Boundary).order_by(Boundary.code)))
