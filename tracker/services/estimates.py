"""Recording a new dated estimate of a project's total investment (a proposal, an approved or
an adjusted figure), the only way a total moves once a project has estimates: typing a total
is refused then (tracker.checks), because the latest estimate would overwrite it.

An estimate is a fact a source gives: it needs its amount, its date (at the precision the
source gives it) and the source. It takes its place in the project's estimates by date: after
every estimate dated on or before it, before the first dated later, so recording an older
figure keeps the history in order and does not make it the current total. The version check,
the cleaning (every wrong field at once), the audit entry and the one transaction are those of
tracker.services.projects.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from tracker import audit, checks, vocab
from tracker.audit import Actor
from tracker.models import AuditEntry, InvestmentEstimate, Project, utcnow
from tracker.services.projects import (
    Written,
    _cite,
    _commit,
    _record,
    _refuse,
    _source,
    check_version,
    clean_fields,
    needs_source,
    snapshot,
)
from tracker.text import shown

ESTIMATE_FIELDS = ("key", "amount_vnd", "as_of", "basis", "qualifier", "original_amount",
                   "original_currency", "note", "note_en")
# Values known to pass, put in place of a refused one while looking for the next problem.
NEW_ESTIMATE = {"key": "new-estimate", "amount_vnd": 0, "as_of": "2000", "qualifier": "exact"}


def estimate_values(e: InvestmentEstimate) -> dict[str, Any]:
    """One estimate as plain values (what the read API answers and the trail keeps)."""
    return {"key": e.key, "amount_vnd": e.amount_vnd, "as_of": e.as_of_iso, "basis": e.basis,
            "qualifier": e.qualifier, "original_amount": e.original_amount,
            "original_currency": e.original_currency, "note": e.note, "note_en": e.note_en,
            "source": e.source.key if e.source else None}


def _free_key(project: Project, clean: Mapping[str, Any]) -> str:
    """A key for the new estimate: its basis and date ("approved-2026-11"), made unique
    within the project (funding lines name an estimate by it)."""
    stem = "-".join(p for p in (clean.get("basis") or "estimate",
                                re.sub(r"-01$", "", str(clean["as_of"])[:7])) if p)
    taken = {e.key for e in project.estimates}
    return next(k for k in (stem, *(f"{stem}-{i}" for i in range(2, 10_000))) if k not in taken)


def _position(ordered: list[InvestmentEstimate], day: date) -> int:
    """Where an estimate dated `day` goes among the estimates in order: before the first one
    dated after it, else last (then it is the new total)."""
    return next((i for i, e in enumerate(ordered) if e.as_of is not None and e.as_of > day),
                len(ordered))


def _place(session: Session, project: Project, new: InvestmentEstimate,
           ordered: list[InvestmentEstimate], later: int) -> None:
    """Put `new` at `later` among the `ordered` estimates. Renumbering moves the later ones
    up in two flushes (through negative numbers), since each row's UPDATE is checked
    against the unique (project, seq) on its own."""
    if later == len(ordered):
        new.seq = max((e.seq for e in ordered), default=0) + 1
        project.estimates.append(new)
        return
    ordered.insert(later, new)
    for i, e in enumerate(ordered):
        e.seq = i - len(ordered)  # -n … -1: the same order, no number taken
    project.estimates.append(new)
    session.flush()
    for i, e in enumerate(ordered, 1):
        e.seq = i


def record_estimate(session: Session, actor: Actor, project: Project, raw: Mapping[str, Any],
                    *, expected_version: int | None, today: date,
                    refused: list[dict[str, str]] | None = None) -> Written:
    """Add a dated estimate (amount_vnd, as_of, basis, qualifier, original_amount with
    original_currency, note, note_en, source; key optional), dated no later than `today`
    (a figure is recorded once a source gives it). When it is the latest, the project's
    total, its basis, date and qualifier become the estimate's."""
    check_version(session, project, expected_version)
    label = f"project {shown(project.code)}: estimate"
    errors: list[dict[str, str]] = list(refused or [])
    given = {k: raw[k] for k in ESTIMATE_FIELDS if k in raw}
    given.setdefault("qualifier", "exact")
    typed_key = given.get("key")
    if not typed_key:
        given["key"] = NEW_ESTIMATE["key"]  # a slug, so the rules pass; the real one is made
    clean, problems = clean_fields(lambda v: checks.clean_estimate(v, label), given,
                                   NEW_ESTIMATE)
    unreadable = {e["field"] for e in errors}  # the caller's: not reported again as missing
    errors += [e for e in problems if e["field"] not in unreadable]
    if clean is not None and not typed_key:
        clean["key"] = None
    if clean is not None and clean["as_of"] is not None and clean["as_of"] > today:
        errors.append({"field": "as_of", "message": f"{label}: as_of {clean['as_of']} is after "
                       f"today ({today.isoformat()}): record a figure once a source gives it"})
    reported = {e["field"] for e in errors}
    errors += [e for e in _estimate_needs(project, {**given, "key": typed_key}, label)
               if e["field"] not in reported]
    errors += needs_source(raw.get("source"), label, "an estimate")
    source = _source(session, raw.get("source"), label, errors)
    _refuse(errors)
    assert clean is not None and expected_version is not None
    before = snapshot(project)

    def change() -> AuditEntry:
        values = {**clean, "key": clean.get("key") or _free_key(project, clean)}
        new = InvestmentEstimate(**values, source=source)
        ordered = sorted(project.estimates, key=lambda e: e.seq)
        later = _position(ordered, clean["as_of"])
        current = later == len(ordered)  # it goes last: the new total
        # both before _place's flush: one UPDATE of the project, one version step
        _cite(project, source, ["estimates", "total_investment_vnd"] if current
              else ["estimates"])
        project.updated_at = utcnow()
        _place(session, project, new, ordered, later)
        summary = (f"project {project.code}: estimate {new.key} of {new.amount_vnd} VND as of "
                   f"{new.as_of_iso}" + (" (the current total)" if current else "")
                   + (f" (source {source.key})" if source is not None else ""))
        return _record(session, actor, "estimate", project, summary, before,
                       [audit.Change("estimate", None, estimate_values(new))])

    return Written(project, _commit(session, project, expected_version, change))


def _estimate_needs(project: Project, given: Mapping[str, Any], label: str
                    ) -> list[dict[str, str]]:
    """What a recorded estimate needs beyond the register's rules for every estimate (read
    from the values as given, so they are reported with the others)."""
    clean = {k: (None if v == "" else v) for k, v in given.items()}
    errors = []
    if clean.get("as_of") is None:
        errors.append({"field": "as_of", "message": f"{label}: an estimate needs the date the "
                       "source gives it (a day, a month or a year)"})
    key = clean.get("key")
    if key and any(e.key == key for e in project.estimates):
        errors.append({"field": "key", "message": f"{label}: the project already has an "
                       f"estimate with key {shown(key)}"})
    if clean.get("basis") is None:
        errors.append({"field": "basis", "message": f"{label}: say what the figure is: "
                       f"{', '.join(vocab.codes(vocab.ESTIMATE_BASES))}"})
    return errors
