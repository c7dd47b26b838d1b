"""The register as it stood on a past day, and what changed between two days, from the history.

The current status, progress and disbursement of a project are its latest update's (the
model's rule: the status of the latest update, the latest known progress and disbursement);
`register_as_of(day)` applies the same rule to the updates dated on or before `day`, so the
register of today equals the current values and a past day shows the state of that day. A
project whose first update is dated after the day did not exist yet in the register and is
absent (its row's `created_at` is when it was loaded, not when it became a fact: a seed loaded
today carries history from 2021). A project's total investment on a day is, like the model's,
the last of its estimates in the sources' order, counting only those before the first one
dated after the day (an undated figure of the sources counts where they list it); with no
estimate then, it is unknown. Facts the history does not date (a total typed without
estimates, length, planned dates) are the project's current ones.

`changes(since, until)` lists what happened in between, dated: status changes, new projects,
disbursement changes, new investment estimates (by the date the source gives them), planned
ends moved (from the audit trail). Each kind is one function of CHANGE_FINDERS.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker.db import is_postgres
from tracker.formatting import VIETNAM
from tracker.models import (
    AuditEntry,
    InvestmentEstimate,
    Project,
    ProjectComponent,
    ProjectProvince,
    StatusUpdate,
)
from tracker.queries.audit import vietnam_day_start
from tracker.queries.filter import ProjectFilter
from tracker.queries.select import apply_filter
from tracker.rules import ComponentFacts

# what a register row holds of the project as it stands today (not dated by the history)
_PROJECT_COLUMNS = ("id", "code", "name_vi", "name_en", "kind", "field", "length_km",
                    "stated_length_km", "total_investment_vnd", "planned_start",
                    "planned_start_precision", "planned_end", "planned_end_precision",
                    "actual_start", "actual_start_precision", "actual_end",
                    "actual_end_precision", "programme_role", "total_investment_basis",
                    "total_investment_as_of", "total_investment_as_of_precision",
                    "total_investment_qualifier", "geometry_accuracy", "corridor")


@dataclass(frozen=True)
class Update:
    as_of: date
    precision: str
    status: str
    progress_pct: float | None
    disbursed_vnd: int | None


@dataclass(frozen=True)
class Estimate:
    as_of: date | None
    precision: str | None
    amount_vnd: int
    basis: str | None
    qualifier: str


def total_on(estimates: list[Estimate], day: date) -> dict[str, Any]:
    """The total investment fields on `day` from the estimates in the sources' order."""
    known: Estimate | None = None
    for e in estimates:
        if e.as_of is not None and e.as_of > day:
            break
        known = e
    if known is None:
        return {"total_investment_vnd": None, "total_investment_basis": None,
                "total_investment_as_of": None, "total_investment_as_of_precision": None,
                "total_investment_qualifier": None}
    return {"total_investment_vnd": known.amount_vnd, "total_investment_basis": known.basis,
            "total_investment_as_of": known.as_of,
            "total_investment_as_of_precision": known.precision,
            "total_investment_qualifier": known.qualifier}


@dataclass
class Timeline:
    """A selected project: its undated facts (the record's names), its dated updates in
    order (on the same day the later entry wins, as in the model) and its investment
    estimates in the sources' order."""

    project: dict[str, Any]
    updates: list[Update] = field(default_factory=list)
    estimates: list[Estimate] = field(default_factory=list)

    def state(self, day: date) -> dict[str, Any] | None:
        """The project's register row on `day`; None when it had no update yet."""
        seen = [u for u in self.updates if u.as_of <= day]
        if not seen:
            return None
        last = seen[-1]
        progress = [u.progress_pct for u in seen if u.progress_pct is not None]
        disbursed = [u.disbursed_vnd for u in seen if u.disbursed_vnd is not None]
        total = total_on(self.estimates, day) if self.estimates else {}
        return {**self.project, **total, "status": last.status,
                "progress_pct": progress[-1] if progress else None,
                "disbursed_vnd": disbursed[-1] if disbursed else None,
                "update_as_of": last.as_of, "update_as_of_precision": last.precision,
                "status_as_of": last.as_of, "status_as_of_precision": last.precision,
                "first_as_of": seen[0].as_of}


def timelines(session: Session, f: ProjectFilter, until: date) -> list[Timeline]:
    """Every project the filter selects (its status condition aside: the status of the day is
    checked on the day) with its updates dated on or before `until`, by code."""
    postgres = is_postgres(session)
    unstatused = replace(f, status=())
    cols = [getattr(Project, name) for name in _PROJECT_COLUMNS]
    conn = session.connection()
    rows = conn.execute(apply_filter(select(*cols), unstatused, postgres)
                        .order_by(Project.code)).all()
    out: dict[int, Timeline] = {}
    for row in rows:
        values = dict(zip(_PROJECT_COLUMNS, row, strict=True))
        values["provinces"] = []
        out[values["id"]] = Timeline(values)
    if not out:
        return []
    ids: Any = (list(out) if len(out) <= 2000
                else apply_filter(select(Project.id), unstatused, postgres))
    u = StatusUpdate
    for pid, as_of, precision, status, progress, disbursed in conn.execute(
            select(u.project_id, u.as_of, u.as_of_precision, u.status, u.progress_pct,
                   u.disbursed_vnd).where(u.project_id.in_(ids), u.as_of <= until)
            .order_by(u.project_id, u.as_of, u.id)).all():
        out[pid].updates.append(Update(as_of, precision, status, progress, disbursed))
    e = InvestmentEstimate
    for row in conn.execute(
            select(e.project_id, e.as_of, e.as_of_precision, e.amount_vnd, e.basis,
                   e.qualifier).where(e.project_id.in_(ids)).order_by(e.project_id, e.seq)
            ).all():
        out[row.project_id].estimates.append(Estimate(
            row.as_of, row.as_of_precision, row.amount_vnd, row.basis, row.qualifier))
    pp = ProjectProvince
    for pid, province in conn.execute(select(pp.project_id, pp.province)
                                      .where(pp.project_id.in_(ids))
                                      .order_by(pp.project_id, pp.province)).all():
        out[pid].project["provinces"].append(province)
    if f.province:  # the province filter counts each project's components there
        c = ProjectComponent
        for pid, part_of, km, amount, km_q, amount_q in conn.execute(select(
                c.project_id, c.province, c.stated_length_km, c.amount_vnd, c.length_qualifier,
                c.amount_qualifier).where(c.project_id.in_(ids))
                .order_by(c.project_id, c.seq)).all():
            out[pid].project.setdefault("components", []).append(
                ComponentFacts(part_of, km, amount, km_q, amount_q))
    return list(out.values())


def states(lines: Iterable[Timeline], f: ProjectFilter, day: date) -> list[dict[str, Any]]:
    """The register rows on `day` of these timelines that the filter's status selects."""
    rows = []
    for line in lines:
        row = line.state(day)
        if row is not None and (not f.status or row["status"] in f.status):
            rows.append(row)
    return rows


def register_as_of(session: Session, f: ProjectFilter, day: date) -> list[dict[str, Any]]:
    """The register as it stood on `day`: one row per project then known, by code."""
    return states(timelines(session, f, day), f, day)


# --------------------------------------------------------------------------- changes

@dataclass(frozen=True)
class Change:
    """One dated change: `kind` (status | new_project | disbursed | estimate | planned_end),
    the project, the value before and after, and a code that qualifies it (an estimate's
    basis)."""

    kind: str
    day: date
    precision: str
    code: str
    name_vi: str
    name_en: str | None
    old: Any = None
    new: Any = None
    detail: str | None = None


@dataclass
class ChangeContext:
    session: Session
    lines: list[Timeline]  # the selected projects, updates up to `until`
    since: date  # exclusive
    until: date  # inclusive

    def in_window(self, day: date) -> bool:
        return self.since < day <= self.until


def _change(kind: str, p: dict[str, Any], day: date, precision: str, old: Any, new: Any
            ) -> Change:
    return Change(kind, day, precision, p["code"], p["name_vi"], p["name_en"], old, new)


def status_changes(ctx: ChangeContext) -> list[Change]:
    out = []
    for line in ctx.lines:
        for before, after in zip(line.updates, line.updates[1:], strict=False):
            if ctx.in_window(after.as_of) and after.status != before.status:
                out.append(_change("status", line.project, after.as_of, after.precision,
                                   before.status, after.status))
    return out


def new_projects(ctx: ChangeContext) -> list[Change]:
    out = []
    for line in ctx.lines:
        if line.updates and ctx.in_window(line.updates[0].as_of):
            first = line.updates[0]
            out.append(_change("new_project", line.project, first.as_of, first.precision,
                               None, first.status))
    return out


def disbursement_changes(ctx: ChangeContext) -> list[Change]:
    out = []
    for line in ctx.lines:
        known: int | None = None
        for u in line.updates:
            if u.disbursed_vnd is None:
                continue
            if ctx.in_window(u.as_of) and u.disbursed_vnd != known:
                out.append(_change("disbursed", line.project, u.as_of, u.precision, known,
                                   u.disbursed_vnd))
            known = u.disbursed_vnd
    return out


def new_estimates(ctx: ChangeContext) -> list[Change]:
    """Estimates of the total investment dated in the window, each against the one before it
    in the sources' order (old: that estimate's amount, or None for the first)."""
    out = []
    for line in ctx.lines:
        previous: int | None = None
        for e in line.estimates:
            if e.as_of is not None and ctx.in_window(e.as_of):
                out.append(replace(_change("estimate", line.project, e.as_of,
                                           e.precision or "day", previous, e.amount_vnd),
                                   detail=e.basis))
            previous = e.amount_vnd
    return out


def planned_end_moves(ctx: ChangeContext) -> list[Change]:
    """Planned ends changed by an edit or an import in the window (the audit trail; dated by
    the Vietnam day of the change)."""
    by_id = {line.project["id"]: line.project for line in ctx.lines}
    if not by_id:
        return []
    start = vietnam_day_start(ctx.since + timedelta(days=1))
    end = vietnam_day_start(ctx.until + timedelta(days=1))
    a = AuditEntry
    stmt = (select(a.project_id, a.at, a.changes)
            .where(a.project_id.is_not(None), a.at >= start, a.at < end,
                   a.changes.contains("planned_end"))
            .order_by(a.at, a.id))
    out = []
    for pid, at, changes in ctx.session.execute(stmt).all():
        p = by_id.get(pid)
        if p is None:
            continue
        for item in json.loads(changes or "[]"):
            if item.get("field") == "planned_end" and item.get("old") != item.get("new"):
                out.append(_change("planned_end", p, _vietnam_day(at), "day",
                                   item.get("old"), item.get("new")))
    return out


def _vietnam_day(at: Any) -> date:
    return at.replace(tzinfo=UTC).astimezone(VIETNAM).date()  # type: ignore[no-any-return]


CHANGE_FINDERS: list[Callable[[ChangeContext], list[Change]]] = [
    status_changes, new_projects, disbursement_changes, new_estimates, planned_end_moves]


def find_changes(ctx: ChangeContext) -> list[Change]:
    """Every change of every kind, newest first (ties by code)."""
    found = [c for finder in CHANGE_FINDERS for c in finder(ctx)]
    found.sort(key=lambda c: c.code)
    found.sort(key=lambda c: c.day, reverse=True)
    return found


def changes_between(session: Session, f: ProjectFilter, since: date, until: date
                    ) -> list[Change]:
    """What changed after `since` up to `until` among the projects the filter selects on
    `until`."""
    lines = timelines(session, f, until)
    selected = {row["id"] for row in states(lines, f, until)}
    return find_changes(ChangeContext(session, [ln for ln in lines
                                                if ln.project["id"] in selected],
                                      since, until))
