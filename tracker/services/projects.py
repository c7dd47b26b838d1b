"""Changing projects one at a time: create, edit attributes (geometry included), record a
status update, soft delete. The write API and the edit forms both call these.

Each use case: check the version the caller read (a stale one is PreconditionFailed, listing
what others changed since), clean the input with tracker.checks (every field that is wrong is
reported at once: InvalidFields), then change, audit and commit in one transaction. The audit
entry holds each field's old → new value as `snapshot` gives them, so replaying a project's
trail from nothing gives its current values; a status update also carries the entry it added
to the history (`update`). SQLAlchemy's version counter on Project guards the window between
the check and the commit: a concurrent write makes the UPDATE match no row (StaleDataError),
which is a PreconditionFailed too, with nothing written.

Values are named as the read API names them (`planned_end` is ISO text at its precision,
`provinces` a list of codes, `geometry` a Shapely geometry here).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from tracker import audit, checks, vocab
from tracker.audit import Actor
from tracker.errors import InvalidFields, PreconditionFailed, PreconditionRequired, ValidationError
from tracker.formats.seedfile import FACT_FIELDS
from tracker.limits import Limits
from tracker.models import (
    AuditEntry,
    Project,
    ProjectProvince,
    ProjectSource,
    Source,
    StatusUpdate,
    utcnow,
)
from tracker.queries.audit import changes_since, entry_summary
from tracker.services.base import transaction
from tracker.text import shown

TEXT_FIELDS = ("name_vi", "name_en", "kind", "field", "description_vi", "description_en",
               "governing_body", "project_owner", "private_investor", "programme_role",
               "corridor", "geometry_accuracy", "geometry_note", "geometry_note_en")
DATE_FIELDS = ("planned_start", "planned_end", "actual_start", "actual_end")
NUMBER_FIELDS = ("stated_length_km", "total_investment_vnd")
# What an editor may change on a project (the read API's names).
EDITABLE = (*TEXT_FIELDS[:11], *NUMBER_FIELDS, *DATE_FIELDS, "provinces", "geometry",
            *TEXT_FIELDS[11:])
GEOMETRY_FIELDS = ("geometry", "geometry_accuracy", "geometry_note", "geometry_note_en")
# The project's current values, moved only by its history.
CURRENT = ("status", "progress_pct", "disbursed_vnd")
UPDATE_FIELDS = ("as_of", "status", "progress_pct", "disbursed_vnd", "note", "note_en")
SOURCE_FIELDS = ("key", "title", "publisher", "published", "url", "locator", "note")


# --------------------------------------------------------------------------- values

def attributes(p: Project) -> dict[str, Any]:
    """The project's editable values, named and typed as the input to `edit_project`."""
    out: dict[str, Any] = {name: getattr(p, name) for name in (*TEXT_FIELDS, *NUMBER_FIELDS)}
    out.update({name: p.partial_date(name) for name in DATE_FIELDS})
    out["provinces"] = list(p.province_codes)
    out["geometry"] = p.geometry
    return {name: out[name] for name in EDITABLE}


def snapshot(p: Project) -> dict[str, Any]:
    """What the audit trail records of a project, as plain JSON values: the editable values
    (the geometry as its stored GeoJSON), the current status values, the sources it cites,
    and whether it is deleted. Taken after a flush, so derived values are up to date."""
    out = attributes(p)
    out["geometry"] = json.loads(p.geometry_geojson) if p.geometry_geojson else None
    out.update({name: getattr(p, name) for name in CURRENT})
    out["sources"] = sorted(link.source.key for link in p.source_links)
    out["deleted_at"] = p.deleted_at.isoformat(timespec="seconds") if p.deleted_at else None
    return out


def update_values(u: StatusUpdate) -> dict[str, Any]:
    """One history entry as plain values (what the trail keeps of it)."""
    return {"as_of": u.as_of_iso, "status": u.status, "progress_pct": u.progress_pct,
            "disbursed_vnd": u.disbursed_vnd, "note": u.note, "note_en": u.note_en,
            "author": u.author, "source": u.source.key if u.source else None}


# --------------------------------------------------------------------------- cleaning

def clean_fields(clean: Callable[[dict[str, Any]], dict[str, Any]], raw: Mapping[str, Any],
                 fallback: Mapping[str, Any] | None = None, prefix: str = ""
                 ) -> tuple[dict[str, Any] | None, list[dict[str, str]]]:
    """Run one of tracker.checks' cleaners over `raw` until it passes, collecting every field
    it refuses: each refused field is given its `fallback` value (one known to pass, or None)
    and the rest cleaned again, only to find the next problem. Returns the clean values
    (None if any field was refused: a fallback is never written) and the errors as
    {"field", "message"}."""
    values = dict(raw)
    back = fallback or {}
    errors: list[dict[str, str]] = []
    for _ in range(len(values) + len(back) + 2):
        try:
            out = clean(values)
        except ValidationError as exc:
            name = exc.field or ""
            errors.append({"field": prefix + name, "message": exc.message})
            if values.get(name) == back.get(name):
                break  # the rule does not rest on this one field: it is reported as is
            values[name] = back.get(name)
            continue
        return (None if errors else out), errors
    return None, errors


# Values known to pass, put in place of a refused one while looking for the next problem.
NEW_PROJECT = {"code": "new-project", "name_vi": "-", "kind": "other", "field": "transport"}
NEW_UPDATE = {"as_of": "2000", "status": vocab.codes(vocab.STATUSES)[0]}
NEW_SOURCE = {"key": "new-source", "publisher": "-"}


def _refuse(errors: list[dict[str, str]]) -> None:
    if errors:
        fields = ", ".join(dict.fromkeys(e["field"] or "(body)" for e in errors))
        raise InvalidFields(f"invalid fields: {fields}", errors)


def find_source(session: Session, key: str) -> Source | None:
    return session.scalar(select(Source).where(Source.key == key))


def _source(session: Session, raw: Any, label: str, errors: list[dict[str, str]]
            ) -> Source | None:
    """The source a change cites: the key of a stored one, or the values of a new one."""
    if raw is None or raw == "":
        return None
    if isinstance(raw, str):
        found = find_source(session, raw.strip())
        if found is None:
            errors.append({"field": "source",
                           "message": f"{label}: no source with key {shown(raw)}"})
        return found
    if not isinstance(raw, Mapping):
        errors.append({"field": "source", "message": f"{label}: source must be the key of a "
                       f"stored source or an object describing a new one, got {shown(raw)}"})
        return None
    unknown = [k for k in raw if k not in SOURCE_FIELDS]
    errors += [{"field": f"source.{k}", "message": f"{label}: a source has no field "
                f"{shown(k)}"} for k in unknown]
    values, problems = clean_fields(
        lambda v: checks.clean_source(v, f"{label}: source"),
        {k: v for k, v in raw.items() if k in SOURCE_FIELDS}, NEW_SOURCE, prefix="source.")
    errors += problems
    if values is None or unknown:
        return None
    stored = find_source(session, values["key"])
    if stored is not None:
        errors.append({"field": "source.key", "message": f"{label}: a source with key "
                       f"{shown(values['key'])} is already stored; cite it by its key"})
        return None
    return Source(**values)  # written with the change that cites it (cascade), or never


def needs_source(raw: Any, label: str, what: str) -> list[dict[str, str]]:
    """The error of a change that states facts without citing where they come from (the
    seed's and the import's rule: every figure carries its source)."""
    if raw is None or raw == "":
        return [{"field": "source", "message": f"{label}: {what} cites its source (a stored "
                 "source's key, or a new source)"}]
    return []


def _cite(project: Project, source: Source | None, fields: list[str]) -> None:
    """Link the source to the project as supporting `fields` (added to what it supported)."""
    if source is None:
        return
    for link in project.source_links:
        if link.source is source:
            have = (link.supports or "").split()
            link.supports = " ".join(dict.fromkeys([*have, *fields]))
            return
    project.source_links.append(ProjectSource(source=source, supports=" ".join(fields)))


# --------------------------------------------------------------------------- versions

def stale(session: Session, project: Project, read_version: int | None) -> PreconditionFailed:
    """The refusal of a write based on `read_version`, saying what changed since."""
    since = changes_since(session, project.id, read_version) if read_version else []
    return PreconditionFailed(
        f"project {project.code!r} changed since version {read_version} was read; it is at "
        f"version {project.version_id} now", detail="read it again, then repeat the change",
        current_version=project.version_id, changes=[entry_summary(e) for e in since])


def check_version(session: Session, project: Project, expected: int | None) -> None:
    if expected is None:
        raise PreconditionRequired(
            "say which version of the project this change is based on",
            detail="send If-Match with the ETag of the project as you read it")
    if project.version_id != expected:
        raise stale(session, project, expected)


@dataclass
class Written:
    """What a use case did: the project and the audit entry it wrote (None: no change)."""

    project: Project
    entry: AuditEntry | None


def _commit(session: Session, project: Project, read_version: int,
            change: Callable[[], AuditEntry | None]) -> AuditEntry | None:
    """Run `change` in one transaction; a concurrent write (StaleDataError) or a rule the
    flush finds broken comes back as PreconditionFailed or InvalidFields, nothing written."""
    try:
        with transaction(session), session.no_autoflush:  # one UPDATE: the version moves by 1
            return change()
    except StaleDataError as exc:
        session.expire(project)
        raise stale(session, project, read_version) from exc
    except InvalidFields:
        raise
    except ValidationError as exc:
        raise InvalidFields(exc.message, [{"field": exc.field or "", "message": exc.message}],
                            detail=exc.detail) from exc


def _record(session: Session, actor: Actor, kind: str, project: Project, summary: str,
            before: dict[str, Any], extra: list[audit.Change] | None = None) -> AuditEntry:
    session.flush()  # derived values, and the version the UPDATE moved to
    changes = audit.diff(before, snapshot(project)) + (extra or [])
    entry = audit.record(session, actor, kind, summary, changes, project_id=project.id)
    entry.project_version = project.version_id
    return entry


# --------------------------------------------------------------------------- use cases

def differing_values(project: Project, clean: dict[str, Any]) -> list[str]:
    """The stored names of the cleaned values that differ from the project's (code, provinces
    and geometry aside): what an edit sets and an import's plan lists."""
    return [name for name, value in clean.items()
            if name not in ("code", "provinces", "geometry") and getattr(project, name) != value]


def public_name(name: str) -> str:
    """A stored column's name as the read API says it (a precision or decimals column is part
    of its value)."""
    return ("stated_length_km" if name == "stated_length_decimals"
            else name.removesuffix("_precision"))


def _apply(project: Project, clean: dict[str, Any]) -> list[str]:
    """Set the cleaned values that differ; return the names (the read API's) that changed."""
    changed: list[str] = []
    for name in differing_values(project, clean):
        setattr(project, name, clean[name])
        changed.append(public_name(name))
    if project.province_codes != clean["provinces"]:
        project.provinces = [ProjectProvince(province=p) for p in clean["provinces"]]
        changed.append("provinces")
    geometry = clean["geometry"]
    if (project.geometry is None) != (geometry is None) or (
            geometry is not None and not project.geometry.equals_exact(geometry, 0)):
        project.geometry = geometry
        changed.append("geometry")
    return list(dict.fromkeys(changed))


def create_project(session: Session, actor: Actor, raw: Mapping[str, Any], *, today: date,
                   author: str | None = None,
                   refused: list[dict[str, str]] | None = None) -> Written:
    """A new project and its first status update. `raw` holds the code, the editable values,
    `status` (required) with the update's `as_of` (default: today), `progress_pct`,
    `disbursed_vnd`, `note`, `note_en`, and `source` (a key, or a new source's values).
    `refused`: errors the caller found already (reported with these; nothing written)."""
    label = f"project {shown(raw.get('code'), 70)}"
    errors: list[dict[str, str]] = list(refused or [])
    given = {k: raw[k] for k in ("code", *EDITABLE) if k in raw}
    clean, problems = clean_fields(
        lambda v: checks.clean_project(v, label, Limits.of(session)), given, NEW_PROJECT)
    errors += problems
    first = {k: raw[k] for k in UPDATE_FIELDS if k in raw}
    first.setdefault("as_of", today.isoformat())
    total = clean["total_investment_vnd"] if clean else None
    update, problems = clean_fields(
        lambda v: checks.clean_update(v, f"{label}: first status", total), first, NEW_UPDATE)
    errors += problems
    errors += needs_source(raw.get("source"), label, "a new project and its first status")
    source = _source(session, raw.get("source"), label, errors)
    code = raw.get("code")
    if clean and session.scalar(select(Project.id).where(Project.code == clean["code"])):
        errors.append({"field": "code", "message": f"{label}: the code {code!r} is already "
                       "used by another project (or a deleted one)"})
    _refuse(errors)
    assert clean is not None and update is not None
    project = Project(code=clean["code"], status=update["status"])
    for name, value in clean.items():
        if name not in ("code", "provinces", "geometry"):
            setattr(project, name, value)
    project.geometry = clean["geometry"]
    project.provinces = [ProjectProvince(province=p) for p in clean["provinces"]]
    entry_update = StatusUpdate(**{**update, "author": author or actor.name}, source=source)
    project.updates = [entry_update]

    def change() -> AuditEntry:
        session.add(project)
        given_fields = [k for k in (*EDITABLE, *CURRENT) if raw.get(k) is not None]
        _cite(project, source, given_fields)
        session.flush()
        return _record(session, actor, "create", project, f"project {project.code} created",
                       {}, [audit.Change("update", None, update_values(entry_update))])

    try:
        entry = _commit(session, project, 1, change)
    except InvalidFields as exc:
        if session.scalar(select(Project.id).where(Project.code == clean["code"])):
            raise InvalidFields("invalid fields: code", [{"field": "code", "message": (
                f"{label}: the code {code!r} was just taken by another project")}]) from exc
        raise
    return Written(project, entry)


def edit_project(session: Session, actor: Actor, project: Project, patch: Mapping[str, Any],
                 *, expected_version: int | None, source: Any = None,
                 refused: list[dict[str, str]] | None = None) -> Written:
    """Change some of a project's editable values (any of EDITABLE, the geometry included).
    The source is cited for the changed values; a change of a fact (FACT_FIELDS: roles,
    lengths, money, dates) needs one. A patch that changes nothing writes nothing."""
    check_version(session, project, expected_version)
    label = f"project {shown(project.code)}"
    before_values = attributes(project)
    merged = {**before_values, **{k: patch[k] for k in EDITABLE if k in patch},
              "code": project.code}
    errors: list[dict[str, str]] = list(refused or [])
    clean, problems = clean_fields(
        lambda v: checks.clean_project(v, label, Limits.of(session)), merged,
        fallback={**before_values, "code": project.code})
    errors += problems
    if clean is not None:
        facts = list(dict.fromkeys(public_name(n) for n in differing_values(project, clean)
                                   if public_name(n) in FACT_FIELDS))
        if facts:
            errors += needs_source(source, label, f"a change of {', '.join(facts)}")
    cited = _source(session, source, label, errors)
    _refuse(errors)
    assert clean is not None and expected_version is not None
    before = snapshot(project)

    def change() -> AuditEntry | None:
        changed = _apply(project, clean)
        if not changed:
            return None
        _cite(project, cited, changed)
        project.updated_at = utcnow()  # an UPDATE, so the version moves whatever changed
        kind = "geometry" if all(c in GEOMETRY_FIELDS for c in changed) else "edit"
        what = "geometry replaced" if kind == "geometry" else f"edited: {', '.join(changed)}"
        citation = f" (source {cited.key})" if cited is not None else ""
        return _record(session, actor, kind, project,
                       f"project {project.code} {what}{citation}", before)

    return Written(project, _commit(session, project, expected_version, change))


def record_update(session: Session, actor: Actor, project: Project, raw: Mapping[str, Any],
                  *, expected_version: int | None, author: str | None = None,
                  refused: list[dict[str, str]] | None = None) -> Written:
    """Append a status update (as_of, status, progress_pct, disbursed_vnd, note, note_en,
    source) to the history; the project's current values move when it is the latest."""
    check_version(session, project, expected_version)
    label = f"project {shown(project.code)}: status update"
    errors: list[dict[str, str]] = list(refused or [])
    clean, problems = clean_fields(
        lambda v: checks.clean_update(v, label, project.total_investment_vnd),
        {k: raw[k] for k in UPDATE_FIELDS if k in raw}, NEW_UPDATE)
    errors += problems
    errors += needs_source(raw.get("source"), label, "a status update")
    source = _source(session, raw.get("source"), label, errors)
    _refuse(errors)
    assert clean is not None and expected_version is not None
    before = snapshot(project)

    def change() -> AuditEntry:
        u = StatusUpdate(**{**clean, "author": author or actor.name}, source=source)
        project.updates.append(u)
        _cite(project, source, [k for k in CURRENT if clean.get(k) is not None])
        project.updated_at = utcnow()
        citation = f" (source {source.key})" if source is not None else ""
        return _record(session, actor, "status_update", project,
                       f"project {project.code}: status {clean['status']} as of "
                       f"{u.as_of_iso}{citation}", before,
                       [audit.Change("update", None, update_values(u))])

    return Written(project, _commit(session, project, expected_version, change))


def delete_project(session: Session, actor: Actor, project: Project, *,
                   expected_version: int | None) -> Written:
    """Soft delete: the project leaves every view and export; its row, history and trail
    stay (its code stays taken)."""
    check_version(session, project, expected_version)
    assert expected_version is not None
    before = snapshot(project)

    def change() -> AuditEntry:
        project.deleted_at = project.updated_at = utcnow()
        return _record(session, actor, "delete", project, f"project {project.code} deleted",
                       before)

    return Written(project, _commit(session, project, expected_version, change))
