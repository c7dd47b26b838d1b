"""Reading the audit trail: who changed what and when, filtered by project, person, kind and
day (days as Vietnam reads them; the trail stores UTC), and what changed on a project since a
version someone read (a stale edit form, a 412).

Changes to accounts (users, tokens, failed sign-ins) are a separate set of kinds, so the pages
can show them to admins only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, selectinload

from tracker import vocab
from tracker.dates import parse_iso_date
from tracker.errors import BadParameter, ValidationError
from tracker.formatting import VIETNAM
from tracker.models import AuditEntry, Project
from tracker.text import is_slug

ACCOUNT_KINDS = ("user", "token", "sign_in_failed")
PROJECT_KINDS = tuple(k for k in vocab.codes(vocab.AUDIT_KINDS) if k not in ACCOUNT_KINDS)
PERSON_MAX = 64


def vietnam_day_start(day: date) -> datetime:
    """The first instant of a Vietnam day, as the naive UTC the trail stores."""
    return datetime.combine(day, time(0), tzinfo=VIETNAM).astimezone(UTC).replace(tzinfo=None)


@dataclass(frozen=True)
class AuditFilter:
    """What a person asked to see of the trail; every part optional."""

    project: str = ""  # a project code (deleted projects too: their trail stays)
    person: str = ""  # the actor: a username, or "cli"
    kind: tuple[str, ...] = ()
    since: date | None = None  # Vietnam days, inclusive
    until: date | None = None

    @classmethod
    def from_args(cls, args: Mapping[str, Any], kinds: tuple[str, ...]) -> AuditFilter:
        """Parse request args; a bad value is a BadParameter naming it. `kinds` are the
        kinds this reader may see."""
        project = str(args.get("project") or "").strip()
        if project and not is_slug(project):
            raise BadParameter("project must be a project code", detail=f"got {project[:80]!r}",
                               field="project")
        person = str(args.get("person") or "").strip().lower()
        if len(person) > PERSON_MAX:
            raise BadParameter(f"person: at most {PERSON_MAX} characters", field="person")
        wanted: list[str] = []
        for raw in (args.getlist("kind") if hasattr(args, "getlist") else
                    [args.get("kind")] if args.get("kind") else []):
            wanted += [k.strip() for k in str(raw).split(",") if k.strip()]
        bad = [k for k in wanted if k not in kinds]
        if bad:
            raise BadParameter(f"unknown kind {', '.join(repr(b[:40]) for b in bad)}",
                               detail=f"kind must be one of: {', '.join(kinds)}", field="kind")
        since, until = (_day(args, name) for name in ("since", "until"))
        if since and until and until < since:
            raise BadParameter("until is before since", field="until")
        return cls(project, person, tuple(dict.fromkeys(wanted)), since, until)

    def to_args(self) -> dict[str, str]:
        out = {"project": self.project, "person": self.person, "kind": ",".join(self.kind),
               "since": self.since.isoformat() if self.since else "",
               "until": self.until.isoformat() if self.until else ""}
        return {k: v for k, v in out.items() if v}


def _day(args: Mapping[str, Any], name: str) -> date | None:
    raw = str(args.get(name) or "").strip()
    if not raw:
        return None
    try:
        return parse_iso_date(raw[:20], field=name)
    except ValidationError as exc:
        raise BadParameter(exc.message, field=name) from exc


def _where(stmt: Select[Any], f: AuditFilter, kinds: tuple[str, ...]) -> Select[Any]:
    stmt = stmt.where(AuditEntry.kind.in_(f.kind or kinds))
    if f.project:
        stmt = stmt.where(AuditEntry.project_id.in_(
            select(Project.id).where(Project.code == f.project)))
    if f.person:
        stmt = stmt.where(AuditEntry.actor == f.person)
    if f.since:
        stmt = stmt.where(AuditEntry.at >= vietnam_day_start(f.since))
    if f.until:
        stmt = stmt.where(AuditEntry.at < vietnam_day_start(f.until + timedelta(days=1)))
    return stmt


def select_entries(session: Session, f: AuditFilter, kinds: tuple[str, ...], *,
                   limit: int | None = None, offset: int = 0) -> list[AuditEntry]:
    """The entries the filter selects among `kinds`, newest first."""
    stmt = _where(select(AuditEntry), f, kinds).options(selectinload(AuditEntry.project))
    stmt = stmt.order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).offset(offset)
    if limit is not None:
        stmt = stmt.limit(limit)
    return list(session.scalars(stmt))


def count_entries(session: Session, f: AuditFilter, kinds: tuple[str, ...]) -> int:
    return int(session.scalar(_where(select(func.count(AuditEntry.id)), f, kinds)) or 0)


def people(session: Session, kinds: tuple[str, ...]) -> list[str]:
    """Everyone who appears in the trail among `kinds` (for the filter's choices)."""
    return list(session.scalars(select(AuditEntry.actor).where(AuditEntry.kind.in_(kinds))
                                .distinct().order_by(AuditEntry.actor)))


def project_entries(session: Session, project_id: int, limit: int | None = None
                    ) -> list[AuditEntry]:
    """A project's trail, newest first."""
    stmt = select(AuditEntry).where(AuditEntry.project_id == project_id).order_by(
        AuditEntry.at.desc(), AuditEntry.id.desc())
    if limit is not None:
        stmt = stmt.limit(limit)
    return list(session.scalars(stmt))


def changes_since(session: Session, project_id: int, version: int) -> list[AuditEntry]:
    """What was done to a project after the version someone read, oldest first."""
    return list(session.scalars(select(AuditEntry).where(
        AuditEntry.project_id == project_id, AuditEntry.project_version > version)
        .order_by(AuditEntry.id)))


def entry_summary(entry: AuditEntry) -> dict[str, Any]:
    """An entry as plain values (for a 412's body): who, when (UTC), what, which fields."""
    return {"at": entry.at.isoformat(timespec="seconds") + "Z", "actor": entry.actor,
            "kind": entry.kind, "summary": entry.summary, "version": entry.project_version,
            "fields": [c["field"] for c in entry.change_list]}
