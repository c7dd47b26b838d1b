"""Writing the audit trail: who changed what, when, and each field's old → new value.

`record` only adds the row to the caller's session: it commits or rolls back with the change
it describes (services call it inside their `transaction()`), so the trail can never claim a
change that did not happen, nor miss one that did.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from tracker import vocab
from tracker.models import AuditEntry, User, utcnow

ACTOR_MAX = 200


@dataclass(frozen=True)
class Actor:
    """Who is acting: a user (by id and name), or a named process such as the command line."""

    name: str
    user_id: int | None = None

    @classmethod
    def of(cls, user: User) -> Actor:
        return cls(name=user.username, user_id=user.id)


CLI = Actor("cli")


@dataclass(frozen=True)
class Change:
    field: str
    old: Any
    new: Any


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[Change]:
    """The fields whose value differs, in `after`'s order (a field missing on one side is None)."""
    names = list(after) + [k for k in before if k not in after]
    return [Change(n, before.get(n), after.get(n)) for n in names
            if before.get(n) != after.get(n)]


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"an audit value must be plain JSON, got {type(value).__name__}")


def encode_changes(changes: Iterable[Change]) -> str:
    return json.dumps([{"field": c.field, "old": c.old, "new": c.new} for c in changes],
                      ensure_ascii=False, default=_plain)


def record(session: Session, actor: Actor, kind: str, summary: str,
           changes: Iterable[Change] = (), project_id: int | None = None,
           at: datetime | None = None) -> AuditEntry:
    """Add one audit row to `session` (the caller's transaction commits it)."""
    entry = AuditEntry(**values(actor, kind, summary, changes, project_id, at))
    session.add(entry)
    return entry


def values(actor: Actor, kind: str, summary: str, changes: Iterable[Change] = (),
           project_id: int | None = None, at: datetime | None = None) -> dict[str, Any]:
    """The columns of one audit row, as `record` writes it."""
    if kind not in vocab.codes(vocab.AUDIT_KINDS):
        raise ValueError(f"unknown audit kind {kind!r}")
    return {"at": at or utcnow(), "user_id": actor.user_id, "actor": actor.name[:ACTOR_MAX],
            "kind": kind, "project_id": project_id, "summary": summary,
            "changes": encode_changes(changes)}


def record_many(session: Session, rows: list[dict[str, Any]]) -> None:
    """Insert many audit rows (each made by `values`, plus any other column such as
    `project_version`) in the caller's transaction, in one batched statement: for a bulk
    writer (an import of 10,000 features) the ORM's one INSERT … RETURNING per row is most of
    its time. The rows get no ORM object: nothing reads them back in that transaction."""
    if rows:
        session.execute(insert(AuditEntry), rows)
