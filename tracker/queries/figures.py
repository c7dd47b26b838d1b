"""Key figures of a selection: counts, km and money by status and kind, late projects, the
extent, and the fingerprint (count, last change) that ETags and caches are keyed on."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import NamedTuple

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from tracker.db import is_postgres
from tracker.models import Project, ProjectComponent
from tracker.queries.filter import ProjectFilter
from tracker.queries.select import (
    apply_filter,
    is_late,
    is_stale_sql,
    live,
    project_period_columns,
)
from tracker.rules import (
    STALE_DAYS,
    ComponentFacts,
    LengthItem,
    ProvinceShare,
    combined_qualifier,
    counted_part,
    days_late,
    km_total,
    late_confirmed,
)


@dataclass
class Group:
    """Key figures of one group of projects (a status, a kind, a programme role, or all).

    Kilometres use the stated length where a source gives it, else the measured one, and
    count a shared corridor once (tracker.rules.km_total). Under a province filter a project
    split into provincial components counts only its components there (km and money); one
    whose split is unknown counts whole (`counted_whole`)."""

    count: int = 0
    km: float = 0.0
    investment_vnd: int = 0
    disbursed_vnd: int = 0
    with_investment: int = 0  # how many projects the investment sum covers
    with_disbursed: int = 0
    km_stated: int = 0  # projects whose km is the stated length
    km_measured: int = 0  # ... measured on the map
    km_measured_approximate: int = 0  # ... measured on an approximate line
    corridor_shared: int = 0  # projects not added again: their corridor is counted
    investment_qualifier: str = "exact"  # "at_least" when a lower bound is in the sum
    counted_whole: int = 0  # province filter: projects with no split, counted whole


@dataclass
class Summary:
    total: Group  # programme and related together: shown only when asked (f.together)
    by_role: dict[str, Group]
    by_role_status: dict[str, dict[str, Group]]
    by_role_kind: dict[str, dict[str, Group]]
    by_status: dict[str, Group]  # both roles: shown only when asked, as `total`
    by_kind: dict[str, Group]
    late: list[tuple[Project, int]]  # every late project, with its days late
    without_geometry: int
    # under a province filter: each project's share there (split or counted whole)
    shares: list[ShareLine] = field(default_factory=list)
    stale: int = 0  # projects whose status needs an update (rules.is_stale)
    # codes of the late projects whose lateness rests on a status dated before the planned
    # end (rules.late_confirmed false): "quá hạn — chưa xác nhận", shown apart
    unconfirmed: frozenset[str] = frozenset()

    @property
    def late_confirmed(self) -> list[tuple[Project, int]]:
        return [(p, d) for p, d in self.late if p.code not in self.unconfirmed]

    @property
    def late_unconfirmed(self) -> list[tuple[Project, int]]:
        return [(p, d) for p, d in self.late if p.code in self.unconfirmed]


@dataclass(frozen=True)
class ShareLine:
    """One project's part in the filtered provinces, for the dashboard's list."""

    code: str
    name_vi: str
    name_en: str | None
    role: str
    share: ProvinceShare


class _Row(NamedTuple):
    """What a figure reads of one project (its share, under a province filter); a tuple:
    a summary builds one per project."""

    code: str
    name_vi: str
    name_en: str | None
    share: ProvinceShare | None
    role: str
    status: str
    kind: str
    length: LengthItem
    investment_vnd: int | None
    investment_qualifier: str | None
    disbursed_vnd: int | None
    counted_whole: bool


def _rows(session: Session, f: ProjectFilter) -> list[_Row]:
    p = Project
    stmt = apply_filter(select(
        p.id, p.code, p.name_vi, p.name_en, p.programme_role, p.status, p.kind,
        p.stated_length_km, p.length_km,
        p.geometry_accuracy, p.corridor, p.total_investment_vnd, p.total_investment_qualifier,
        p.disbursed_vnd), f, is_postgres(session))
    rows = session.connection().execute(stmt).all()  # Core: plain tuples, no ORM rows
    components: dict[int, list[ComponentFacts]] = {}
    if f.province and rows:
        c = ProjectComponent
        ids = apply_filter(select(p.id), f, is_postgres(session))
        for pid, province, km, amount, km_q, amount_q in session.connection().execute(select(
                c.project_id, c.province, c.stated_length_km, c.amount_vnd, c.length_qualifier,
                c.amount_qualifier).where(c.project_id.in_(ids)).order_by(c.project_id, c.seq)):
            components.setdefault(pid, []).append(
                ComponentFacts(province, km, amount, km_q, amount_q))
    out = []
    for (pid, code, name_vi, name_en, role, status, kind, stated, measured, accuracy, corridor,
         total, qualifier, disbursed) in rows:
        part = counted_part(stated, measured, accuracy == "approximate", corridor, total,
                            qualifier, disbursed, components.get(pid, []), f.province)
        out.append(_Row(code, name_vi, name_en, part.share, role, status, kind, part.length,
                        part.investment_vnd, part.investment_qualifier, part.disbursed_vnd,
                        part.counted_whole))
    return out


def _group(rows: list[_Row]) -> Group:
    km = km_total(r.length for r in rows)
    invested = [r for r in rows if r.investment_vnd is not None]
    disbursed = [r.disbursed_vnd for r in rows if r.disbursed_vnd is not None]
    return Group(
        count=len(rows), km=km.km,
        investment_vnd=sum(r.investment_vnd or 0 for r in invested),
        disbursed_vnd=sum(disbursed), with_investment=len(invested),
        with_disbursed=len(disbursed), km_stated=km.stated, km_measured=km.measured,
        km_measured_approximate=km.measured_on_approximate,
        corridor_shared=km.corridor_shared,
        investment_qualifier=combined_qualifier(r.investment_qualifier for r in invested),
        counted_whole=sum(1 for r in rows if r.counted_whole))


def _by(rows: list[_Row], key: Callable[[_Row], str]) -> dict[str, Group]:
    parts: dict[str, list[_Row]] = {}
    for r in rows:
        parts.setdefault(key(r), []).append(r)
    return {k: _group(v) for k, v in parts.items()}


def summary(session: Session, f: ProjectFilter, today: date, stale_days: int = STALE_DAYS
            ) -> Summary:
    """Counts, km and money by programme role, status and kind, and the late projects (the
    dashboard's and the API's numbers). Unknown amounts are left out of sums and counted
    separately, so a total never silently treats 'no data' as 0."""
    postgres = is_postgres(session)
    rows = _rows(session, f)
    by_role = {role: _group([r for r in rows if r.role == role]) for role in f.roles}
    by_role_status = {role: _by([r for r in rows if r.role == role], lambda r: r.status)
                      for role in f.roles}
    by_role_kind = {role: _by([r for r in rows if r.role == role], lambda r: r.kind)
                    for role in f.roles}
    late_stmt = apply_filter(select(Project), f, postgres).where(is_late(today)).order_by(
        Project.planned_end, Project.code)
    late = [(p, days_late(p, today) or 0) for p in session.scalars(late_stmt)]
    no_geom = session.scalar(apply_filter(select(func.count(Project.id)), f, postgres).where(
        Project.geometry.is_(None))) or 0
    stale = session.scalar(apply_filter(select(func.count(Project.id)), f, postgres).where(
        is_stale_sql(today, stale_days))) or 0
    unconfirmed = frozenset(p.code for p, days in late
                            if late_confirmed(p.planned_end, p.status_as_of, days) is False)
    return Summary(total=_group(rows), by_role=by_role, by_role_status=by_role_status,
                   by_role_kind=by_role_kind,
                   by_status=_by(rows, lambda r: r.status), by_kind=_by(rows, lambda r: r.kind),
                   late=late, without_geometry=int(no_geom),
                   shares=[ShareLine(r.code, r.name_vi, r.name_en, r.role, r.share)
                           for r in rows if r.share is not None],
                   stale=int(stale), unconfirmed=unconfirmed)


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


def totals(session: Session, f: ProjectFilter) -> Group:
    """The key figures of the whole selection together (the table's count and pages)."""
    return _group(_rows(session, f))


def role_totals(session: Session, f: ProjectFilter) -> dict[str, Group]:
    """The table's totals rows: one per programme role selected."""
    rows = _rows(session, f)
    return {role: _group([r for r in rows if r.role == role]) for role in f.roles}


@dataclass(frozen=True)
class SelectionStats:
    """What identifies the state of a selection cheaply: any insert, edit or delete in it
    changes at least one of these (edits move updated_at; deletes change count and id_sum)."""

    count: int
    last_updated: datetime | None
    id_sum: int

    def fingerprint(self) -> str:
        stamp = self.last_updated.isoformat() if self.last_updated else "-"
        return f"{self.count}:{stamp}:{self.id_sum}"


def selection_stats(session: Session, f: ProjectFilter
                    ) -> SelectionStats:
    """Count, latest update and id checksum of the selection, in one small query."""
    stmt = select(func.count(Project.id), func.max(Project.updated_at),
                  func.coalesce(func.sum(Project.id), 0))
    stmt = apply_filter(stmt, f, is_postgres(session))
    row = session.execute(stmt).one()
    return SelectionStats(int(row[0]), row[1], int(row[2]))


def projects_extent(session: Session, f: ProjectFilter | None = None
                    ) -> tuple[tuple[float, float, float, float] | None,
                               tuple[date | None, date | None] | None]:
    """Bounding box of the geometries of the selection (every project without `f`) and the
    span of their periods (None: none).

    The span covers exactly what the `datetime` filter matches: a project whose period has
    an end but no known start is open at its start (it may have been running for ever), so
    the span is open there too (None); likewise a known start with no end opens the end."""
    start, end = project_period_columns()
    open_start = func.sum(case((and_(start.is_(None), end.is_not(None)), 1), else_=0))
    open_end = func.sum(case((and_(end.is_(None), start.is_not(None)), 1), else_=0))
    stmt = select(func.min(Project.min_lon), func.min(Project.min_lat),
                  func.max(Project.max_lon), func.max(Project.max_lat), func.min(start),
                  func.max(end), open_start, open_end).where(live())
    if f is not None:
        stmt = apply_filter(stmt, f, is_postgres(session))
    x0, y0, x1, y1, t0, t1, n0, n1 = session.execute(stmt).one()
    bbox = (float(x0), float(y0), float(x1), float(y1)) if x0 is not None else None
    if t0 is None and t1 is None:
        return bbox, None
    return bbox, (None if n0 else t0, None if n1 else t1)
