"""Key figures of a selection: counts, km and money by status and kind, late projects, the
extent, and the fingerprint (count, last change) that ETags and caches are keyed on."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from tracker.db import is_postgres
from tracker.models import Project
from tracker.queries.filter import ProjectFilter
from tracker.queries.select import (
    apply_filter,
    is_late,
    is_stale_sql,
    live,
    project_period_columns,
)
from tracker.rules import STALE_DAYS, days_late, late_confirmed


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
    late: list[tuple[Project, int]]  # every late project, with its days late
    without_geometry: int
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


def summary(session: Session, f: ProjectFilter, today: date, stale_days: int = STALE_DAYS
            ) -> Summary:
    """Counts, km and money by status and kind, and the late projects (the dashboard's and
    the API's numbers). Unknown amounts are left out of sums and counted separately, so a
    total never silently treats 'no data' as 0."""
    postgres = is_postgres(session)

    def groups(key: Any) -> dict[str, Group]:
        stmt = apply_filter(select(key, *_figure_columns()), f, postgres).group_by(key)
        return {row[0]: _group(row[1:]) for row in session.execute(stmt)}

    total = totals(session, f)
    late_stmt = apply_filter(select(Project), f, postgres).where(is_late(today)).order_by(
        Project.planned_end, Project.code)
    late = [(p, days_late(p, today) or 0) for p in session.scalars(late_stmt)]
    no_geom = session.scalar(apply_filter(select(func.count(Project.id)), f, postgres).where(
        Project.geometry.is_(None))) or 0
    stale = session.scalar(apply_filter(select(func.count(Project.id)), f, postgres).where(
        is_stale_sql(today, stale_days))) or 0
    unconfirmed = frozenset(p.code for p, days in late
                            if late_confirmed(p.planned_end, p.status_as_of, days) is False)
    return Summary(total=total, by_status=groups(Project.status), by_kind=groups(Project.kind),
                   late=late, without_geometry=int(no_geom), stale=int(stale),
                   unconfirmed=unconfirmed)


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
