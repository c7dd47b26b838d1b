"""The SQL of the filter and the orderings, and the SQL twins of the rules in tracker.rules
(pinned equal by tests/queries/test_rule_twins.py on both databases). No Flask here: functions
take a session and plain values, so tests call them directly."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Select, String, and_, case, cast, func, or_, select, type_coerce
from sqlalchemy.orm import Session, defer, selectinload

from tracker import vocab
from tracker.db import is_postgres
from tracker.errors import BadParameter
from tracker.models import Boundary, Project, ProjectProvince
from tracker.periods import Period
from tracker.queries.filter import ProjectFilter
from tracker.rules import CLOSED, stale_since
from tracker.text import fold

SORTABLE = ("code", "name", "kind", "status", "progress", "length", "investment",
            "disbursed", "disbursement", "planned_end", "updated", "as_of")


TABLE_SORTS = (*SORTABLE, "late")


_STATUS_ORDER = {s.code: s.order for s in vocab.STATUSES}


_KIND_ORDER = {k.code: i for i, k in enumerate(vocab.KINDS, start=1)}


def apply_filter(stmt: Any, f: ProjectFilter, postgres: bool) -> Any:
    """Add the filter's conditions to any SELECT over projects (rows, counts, sums). A
    soft-deleted project is in no selection (every view, count and export leaves it out)."""
    stmt = stmt.where(live())
    if f.status:
        stmt = stmt.where(Project.status.in_(f.status))
    if f.kind:
        stmt = stmt.where(Project.kind.in_(f.kind))
    if f.province:
        stmt = stmt.where(Project.id.in_(
            select(ProjectProvince.project_id).where(ProjectProvince.province.in_(f.province))))
    if f.programme_role in vocab.codes(vocab.PROGRAMME_ROLES):
        stmt = stmt.where(Project.programme_role == f.programme_role)
    if f.owner:  # one of the three roles contains the text, ignoring diacritics and case
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
        else:  # the same exact test, in Python (tracker.db.intersects_box)
            stmt = stmt.where(func.tracker_intersects_box(Project.geometry, x0, y0, x1, y1) == 1)
    if f.updated_since:
        stmt = stmt.where(Project.updated_at >= f.updated_since)
    if f.stale is not None:
        if f.stale_since is None:
            raise ValueError("a stale filter needs its cut-off date (ProjectFilter.on)")
        stale = stale_condition(f.stale_since)
        stmt = stmt.where(stale if f.stale else ~stale)
    if f.codes:
        stmt = stmt.where(Project.code.in_(f.codes))
    if f.geometry_types:
        stmt = stmt.where(Project.geometry_type.in_(f.geometry_types))
    return where_period(stmt, f.period)


def live() -> Any:
    """Projects that are not soft-deleted."""
    return Project.deleted_at.is_(None)


# ------------------------------------------------ SQL twins of tracker.rules (pinned equal by
# tests/queries/test_rule_twins.py on both databases)

def is_late(today: date) -> Any:
    """rules.days_late(p, today) is not None, in SQL."""
    return and_(Project.planned_end < today, Project.status.not_in(CLOSED))


def is_stale_sql(today: date, stale_days: int) -> Any:
    """rules.is_stale(p.status, p.status_as_of, today, stale_days), in SQL."""
    return stale_condition(stale_since(today, stale_days))


def stale_condition(since: date) -> Any:
    """Open projects whose status is undated or dated before `since` (rules.stale_since)."""
    return and_(Project.status.not_in(CLOSED),
                or_(Project.status_as_of.is_(None), Project.status_as_of < since))


def late_confirmed_sql(today: date) -> Any:
    """rules.late_confirmed(p.planned_end, p.status_as_of, rules.days_late(p, today)), in
    SQL: NULL when not late, else whether the status is dated on or after the planned end."""
    confirmed = and_(Project.status_as_of.is_not(None),
                     Project.status_as_of >= Project.planned_end)
    return case((is_late(today), case((confirmed, True), else_=False)), else_=None)
def effective_length_sql() -> Any:
    """rules.effective_length_km(stated, measured)[0], in SQL."""
    return func.coalesce(Project.stated_length_km, Project.length_km)


def disbursement_rate_sql() -> Any:
    """rules.disbursement_rate, in SQL (unrounded: it orders, it is not shown)."""
    return 100.0 * Project.disbursed_vnd / func.nullif(Project.total_investment_vnd, 0)



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
        column = case((is_late(today or date.today()), Project.planned_end), else_=None)
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
            "length": effective_length_sql(), "investment": Project.total_investment_vnd,
            "disbursed": Project.disbursed_vnd,
            "disbursement": disbursement_rate_sql(),
            "planned_end": Project.planned_end, "updated": Project.updated_at,
            "as_of": Project.status_as_of,
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
    """The project with this code, with its history; None when there is none or it was
    deleted (a deleted project is gone from every page and API answer)."""
    return session.scalar(select(Project).where(Project.code == code, live()).options(
        selectinload(Project.provinces), selectinload(Project.funding_lines),
        selectinload(Project.updates), selectinload(Project.source_links)))


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


def project_period_columns() -> tuple[Any, Any]:
    return (func.coalesce(Project.actual_start, Project.planned_start),
            func.coalesce(Project.actual_end, Project.planned_end))


def where_period(stmt: Select[Any], period: Period | None) -> Select[Any]:
    if period is None:
        return stmt
    start, end = project_period_columns()
    stmt = stmt.where(or_(start.is_not(None), end.is_not(None)))
    if period.end is not None:
        stmt = stmt.where(or_(start.is_(None), start <= period.end))
    if period.start is not None:
        stmt = stmt.where(or_(end.is_(None), end >= period.start))
    return stmt


def select_keys(session: Session, f: ProjectFilter, *,
                limit: int | None = None, offset: int = 0, sort: str = "code",
                desc: bool = False, today: date | None = None, lang: str = "vi"
                ) -> list[tuple[int, str, str]]:
    """(id, code, updated_at) of the selection, in the order of select_records: what a cached
    representation of each project is checked against."""
    p = Project
    postgres = is_postgres(session)
    stmt = apply_filter(select(p.id, p.code, timestamp_text(p.updated_at, postgres)), f,
                        postgres)
    stmt = stmt.order_by(*order_clauses(sort, desc, today, lang)).offset(offset)
    if limit is not None:
        stmt = stmt.limit(limit)
    return [tuple(r) for r in session.connection().execute(stmt).all()]  # type: ignore[misc]


def iso_date_text(column: Any, postgres: bool) -> Any:
    return func.to_char(column, "YYYY-MM-DD") if postgres else cast(column, String)


def timestamp_text(column: Any, postgres: bool) -> Any:
    """'2026-11-21 08:30:00.123456': the stored timestamp as text, to the microsecond (a
    version's identity for the feature cache; the record shows its first 19 characters)."""
    if postgres:
        return func.to_char(column, "YYYY-MM-DD HH24:MI:SS.US")
    return type_coerce(column, String)
