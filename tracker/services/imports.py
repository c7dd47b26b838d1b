"""Importing a GIS file: plan (the dry run), then apply exactly that plan, all or nothing.

`plan_import` reads nothing but the database: each feature of a FileRead
(tracker.formats.gdal) is matched to a project by `code` (a new code creates one), its columns
mapped by tracker.formats.fieldmap, and its values cleaned by tracker.checks, the rules every
writer shares. The plan says what would be created, changed (field by field, old → new), left
as it is, and rejected (feature number and reason), and carries a `token`: a hash of the
file, the options and every planned change, the versions of the rows read included.

`apply_import` plans again and, when the caller names a token (the preview's), refuses with
409 unless the plan is the same one: the file, the options and every row it read unchanged.
One rejected feature refuses the file (422, each feature's reason). Otherwise everything is
written in one transaction: each project created or changed, one audit entry per project
(kind "import", tied to the import's row), and the ImportRecord (who, file, hash, counts).

An empty cell changes nothing (a file need not carry every column). Values the register
draws from sources (FACT_FIELDS) need one cited when they are new or change: the feature's
`source` column or the import's `source`, the key of a stored source.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

import shapely
from shapely.geometry.base import BaseGeometry
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.exc import StaleDataError

from tracker import audit, checks
from tracker.audit import Actor
from tracker.dates import iso_partial
from tracker.errors import Conflict, InvalidFields, ValidationError
from tracker.formats.fieldmap import TARGET_BY_NAME, map_columns, mapped_values
from tracker.formats.gdal import FileRead
from tracker.formats.seedfile import FACT_FIELDS
from tracker.gcpause import gc_paused
from tracker.geo import round_coordinates
from tracker.limits import Limits
from tracker.models import (
    ImportRecord,
    Project,
    ProjectProvince,
    ProjectSource,
    Source,
    StatusUpdate,
    utcnow,
)
from tracker.services.base import transaction
from tracker.services.projects import (
    CURRENT,
    NEW_PROJECT,
    NEW_UPDATE,
    attributes,
    clean_fields,
    differing_values,
    public_name,
    snapshot,
    update_values,
)
from tracker.text import is_slug, shown

GEOMETRY_TOLERANCE = 1e-7  # degrees (about 1 cm): a geometry this close is unchanged
DATES = ("planned_start", "planned_end", "actual_start", "actual_end")
CUT_MARK = "…"  # how a Shapefile export marks text cut at 254 bytes
Progress = Callable[[int], None]


@dataclass
class Planned:
    number: int  # the feature's number in the file
    code: str
    action: str  # create | change | unchanged
    changes: list[dict[str, Any]] = field(default_factory=list)  # {field, old, new}
    version: int | None = None  # the row version read (None: a new project)
    project: dict[str, Any] = field(default_factory=dict, repr=False)  # clean values
    update: dict[str, Any] | None = None  # a status update to record
    source: str | None = None  # the key of the source cited
    cites: list[str] = field(default_factory=list)  # the fields it is cited for


@dataclass
class Rejected:
    number: int
    code: str | None
    field: str
    message: str


@dataclass
class ImportPlan:
    file_name: str
    file_format: str
    sha256: str
    crs: str | None
    layers: list[str]
    options: dict[str, Any]
    features: int
    notes: list[str]
    unknown_columns: list[str]
    ignored_columns: dict[str, str]
    entries: list[Planned]
    rejected: list[Rejected]
    token: str = ""
    import_id: int | None = None  # set once applied

    def of(self, action: str) -> list[Planned]:
        return [e for e in self.entries if e.action == action]

    def counts(self) -> dict[str, int]:
        return {"features": self.features, "created": len(self.of("create")),
                "changed": len(self.of("change")), "unchanged": len(self.of("unchanged")),
                "rejected": len(self.rejected)}

    def summary(self) -> dict[str, Any]:
        """The plan as plain JSON values (the API's body, the CLI's --json)."""
        def entry(e: Planned) -> dict[str, Any]:
            return {"feature": e.number, "code": e.code, "version": e.version,
                    "changes": e.changes}

        return {
            "file": {"name": self.file_name, "format": self.file_format,
                     "sha256": self.sha256, "crs": self.crs, "layers": self.layers},
            "options": self.options, "counts": self.counts(), "notes": self.notes,
            "unknown_columns": self.unknown_columns, "ignored_columns": self.ignored_columns,
            "created": [entry(e) for e in self.of("create")],
            "changed": [entry(e) for e in self.of("change")],
            "unchanged": [e.code for e in self.of("unchanged")],
            "rejected": [asdict(r) for r in self.rejected],
            "token": self.token, "import_id": self.import_id,
        }


# --------------------------------------------------------------------------- comparing

def _shown_geometry(g: BaseGeometry | None) -> str | None:
    if g is None:
        return None
    return f"{g.geom_type}, {shapely.get_num_coordinates(g):,} points"


def _same_geometry(a: BaseGeometry | None, b: BaseGeometry | None) -> bool:
    if a is None or b is None:
        return a is b
    return a.geom_type == b.geom_type and bool(a.equals_exact(b, GEOMETRY_TOLERANCE))


def _fit_type(g: BaseGeometry | None, stored: BaseGeometry | None) -> BaseGeometry | None:
    """A one-part Multi* (Shapefiles and GeoPackage layers promote) back to its single part,
    unless the stored geometry is a Multi* itself."""
    if g is None or not g.geom_type.startswith("Multi") or len(g.geoms) != 1:
        return g
    if stored is not None and stored.geom_type == g.geom_type:
        return g
    return g.geoms[0]


def _display(clean: dict[str, Any], name: str) -> Any:
    if name in DATES:
        return iso_partial(clean[name], clean[f"{name}_precision"])
    if name == "geometry":
        return _shown_geometry(clean["geometry"])
    return clean[name]


def _changed(project: Project, clean: dict[str, Any]) -> list[str]:
    """The names (the read API's) whose clean value differs from the project's."""
    out = [public_name(name) for name in differing_values(project, clean)]
    if project.province_codes != clean["provinces"]:
        out.append("provinces")
    if not _same_geometry(project.geometry, clean["geometry"]):
        out.append("geometry")
    return list(dict.fromkeys(out))


# --------------------------------------------------------------------------- planning

@dataclass
class Options:
    crs: str | None = None
    layer: str | None = None
    source: str | None = None  # a stored source's key, cited where a feature gives none

    def as_dict(self) -> dict[str, Any]:
        return {"crs": self.crs, "layer": self.layer, "source": self.source}


def _token(read: FileRead, options: Options, today: date, entries: list[Planned],
           rejected: list[Rejected]) -> str:
    body = {"sha256": read.sha256, "options": options.as_dict(), "today": today.isoformat(),
            "entries": [(e.number, e.code, e.action, e.version, e.changes, e.update, e.source)
                        for e in entries],
            "rejected": [asdict(r) for r in rejected]}
    text = json.dumps(body, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def plan_import(session: Session, read: FileRead, options: Options, *, today: date,
                progress: Progress | None = None) -> ImportPlan:
    """What importing `read` would do, feature by feature; writes nothing."""
    with gc_paused:  # many ORM rows and dicts: the cyclic GC's passes would cost a third
        return _plan(session, read, options, today, progress)


def _plan(session: Session, read: FileRead, options: Options, today: date,
          progress: Progress | None) -> ImportPlan:
    mapping = map_columns(read.columns)
    limits = Limits.of(session)
    notes = list(read.notes)
    for column, other in mapping.duplicates.items():
        notes.append(f"column {column} gives the same value as {other}: ignored")
    if "code" not in {t.name for t in mapping.columns.values()}:
        raise ValidationError("the file has no code column (code, ma_du_an): features are "
                              "matched to projects by their code", field="code")
    plan = ImportPlan(read.file_name, read.file_format, read.sha256, read.crs, read.layers,
                      options.as_dict(), len(read.features), notes, mapping.unknown,
                      mapping.ignored, [], [])
    rows: list[tuple[Any, str, dict[str, Any], list[dict[str, str]]]] = []
    seen: dict[str, int] = {}
    for feat in read.features:
        label = f"feature {feat.number}"
        values, errors = mapped_values(mapping, feat.values, label)
        code = values.get("code")
        if isinstance(code, str):
            code = code.strip()
        if not isinstance(code, str) or not is_slug(code):
            plan.rejected.append(Rejected(feat.number, None if code is None else str(code),
                                          "code", f"{label}: code {shown(code)} is not a "
                                          "slug (lowercase letters, digits, single hyphens)"))
            continue
        if code in seen:
            plan.rejected.append(Rejected(feat.number, code, "code", f"{label} ({code}): "
                                          f"the same code as feature {seen[code]}"))
            continue
        seen[code] = feat.number
        rows.append((feat, code, values, errors))
    codes = [code for _, code, _, _ in rows]
    existing: dict[str, Project] = {}
    for i in range(0, len(codes), 500):
        existing.update({p.code: p for p in session.scalars(
            select(Project).where(Project.code.in_(codes[i:i + 500])).options(
                selectinload(Project.provinces), selectinload(Project.source_links)
                .selectinload(ProjectSource.source)))})
    sources = {s.key: s for s in session.scalars(select(Source))}
    for n, (feat, code, values, errors) in enumerate(rows, 1):
        label = f"feature {feat.number} ({code})"
        project = existing.get(code)
        outcome = _plan_one(project, feat.geometry, values, errors, label, limits, options,
                            sources, today, notes)
        if isinstance(outcome, list):
            plan.rejected += [Rejected(feat.number, code, e["field"], e["message"])
                              for e in outcome]
        else:
            outcome.number, outcome.code = feat.number, code
            plan.entries.append(outcome)
        if progress is not None and n % 100 == 0:
            progress(100)
    if progress is not None:
        progress(len(rows) % 100 + len(read.features) - len(rows))
    plan.token = _token(read, options, today, plan.entries, plan.rejected)
    return plan


def _plan_one(project: Project | None, geometry: BaseGeometry | None, values: dict[str, Any],
              errors: list[dict[str, str]], label: str, limits: Limits, options: Options,
              sources: dict[str, Source], today: date, notes: list[str]
              ) -> Planned | list[dict[str, str]]:
    if project is not None and project.deleted_at is not None:
        return [{"field": "code", "message": f"{label}: the code belongs to a deleted "
                 "project (codes stay taken); use another code"}]
    own = {k: v for k, v in values.items() if TARGET_BY_NAME[k].part == "project"}
    geometry = _fit_type(geometry, project.geometry if project is not None else None)
    if geometry is not None:
        own["geometry"] = round_coordinates(geometry)
    source_key = values.get("source") or options.source
    if source_key is not None and source_key not in sources:
        errors.append({"field": "source", "message": f"{label}: no stored source with key "
                       f"{shown(source_key)} (cite a source already in the register)"})
    if project is None:
        return _plan_create(own, values, errors, label, limits, source_key, today)
    before = attributes(project)
    for name, value in list(own.items()):  # text a Shapefile cut at 254 bytes: unchanged
        old = before.get(name)
        if isinstance(value, str) and value.endswith(CUT_MARK) and isinstance(old, str) \
                and len(old.encode()) > 250 and old.startswith(value[:-1]):
            own[name] = old
    merged = {**before, **own, "code": project.code}
    clean, problems = clean_fields(lambda v: checks.clean_project(v, label, limits), merged,
                                   fallback={**before, "code": project.code})
    errors += problems
    if errors or clean is None:
        return errors
    changed = _changed(project, clean)
    shown_before = {**before, "geometry": _shown_geometry(project.geometry)}
    changes = [{"field": name, "old": shown_before.get(name), "new": _display(clean, name)}
               for name in changed]
    update = None
    given = {k: values[k] for k in CURRENT if k in values}
    if any(getattr(project, k) != v for k, v in given.items()):
        raw: dict[str, Any] = {"as_of": values.get("as_of") or today.isoformat(),
               **{k: getattr(project, k) for k in CURRENT}, **given,
               **{k: values[k] for k in ("note", "note_en") if k in values}}
        update, problems = clean_fields(
            lambda v: checks.clean_update(v, f"{label}: status", clean["total_investment_vnd"]),
            raw, NEW_UPDATE)
        if problems or update is None:
            return problems
        changes += [{"field": k, "old": getattr(project, k), "new": update[k]}
                    for k in CURRENT if getattr(project, k) != update[k]]
        changes.append({"field": "as_of", "old": None, "new": iso_partial(
            update["as_of"], update["as_of_precision"])})
    facts = [name for name in changed if name in FACT_FIELDS]
    if facts and source_key is None:
        return [{"field": "source", "message": f"{label}: {', '.join(facts)} change but no "
                 "source is cited: give a source column (the key of a stored source) or the "
                 "import's source"}]
    action = "change" if changes else "unchanged"
    return Planned(0, "", action, changes, project.version_id, clean if changes else {},
                   update, source_key if changes else None,
                   [*changed, *(k for k in CURRENT if update and k in given)])


def _plan_create(own: dict[str, Any], values: dict[str, Any], errors: list[dict[str, str]],
                 label: str, limits: Limits, source_key: str | None, today: date
                 ) -> Planned | list[dict[str, str]]:
    clean, problems = clean_fields(lambda v: checks.clean_project(v, label, limits),
                                   {**own, "code": values["code"]}, NEW_PROJECT)
    errors += problems
    if "status" not in values:
        errors.append({"field": "status", "message": f"{label}: a new project needs its "
                       "status (a status column: " + ", ".join(
                           t.code for t in TARGET_BY_NAME["status"].terms) + ")"})
    raw = {"as_of": values.get("as_of") or today.isoformat(),
           **{k: values[k] for k in (*CURRENT, "note", "note_en") if k in values}}
    update, problems = clean_fields(
        lambda v: checks.clean_update(v, f"{label}: status",
                                      clean["total_investment_vnd"] if clean else None),
        raw, NEW_UPDATE)
    errors += [p for p in problems if p["field"] != "status" or "status" in values]
    facts = [k for k in FACT_FIELDS if own.get(k) is not None]
    if facts and source_key is None:
        errors.append({"field": "source", "message": f"{label}: {', '.join(facts)} given but "
                       "no source is cited: give a source column (the key of a stored source) "
                       "or the import's source"})
    if errors or clean is None or update is None:
        return errors
    shown_values = [{"field": k, "old": None, "new": _display(clean, k)}
                    for k in ("name_vi", "name_en", "kind", "field", "governing_body",
                              "project_owner", "private_investor", "programme_role", "corridor",
                              "stated_length_km", "total_investment_vnd", *DATES,
                              "provinces", "geometry", "geometry_accuracy")
                    if clean.get(k) not in (None, [])]
    shown_values += [{"field": k, "old": None, "new": update[k]} for k in CURRENT
                     if update.get(k) is not None]
    given = [k for k in (*own, *CURRENT) if k in values or k == "geometry"]
    return Planned(0, "", "create", shown_values, None, clean, update, source_key, given)


# --------------------------------------------------------------------------- applying

def _cite(project: Project, source: Source | None, fields: list[str]) -> None:
    if source is None or not fields:
        return
    for link in project.source_links:
        if link.source is source:
            have = (link.supports or "").split()
            link.supports = " ".join(dict.fromkeys([*have, *fields]))
            return
    project.source_links.append(ProjectSource(source=source, supports=" ".join(fields)))


def _set(project: Project, clean: dict[str, Any]) -> None:
    for name, value in clean.items():
        if name in ("code", "provinces", "geometry"):
            continue
        if getattr(project, name) != value:
            setattr(project, name, value)
    if project.province_codes != clean["provinces"]:
        project.provinces = [ProjectProvince(province=p) for p in clean["provinces"]]
    if not _same_geometry(project.geometry, clean["geometry"]):
        project.geometry = clean["geometry"]


def apply_import(session: Session, actor: Actor, read: FileRead, options: Options, *,
                 today: date, expected_token: str | None = None,
                 progress: Progress | None = None, author: str | None = None) -> ImportPlan:
    """Plan, check the plan is the one previewed (`expected_token`), and write it all in
    one transaction; see the module's docstring."""
    with gc_paused:  # thousands of new ORM objects: the cyclic GC's passes cost 40 %
        return _apply(session, actor, read, options, today, expected_token, progress, author)


def _apply(session: Session, actor: Actor, read: FileRead, options: Options, today: date,
           expected_token: str | None, progress: Progress | None, author: str | None
           ) -> ImportPlan:
    plan = plan_import(session, read, options, today=today)
    if expected_token is not None and expected_token != plan.token:
        raise Conflict("the database (or the file) changed since the preview: nothing was "
                       "imported", detail="preview the file again, check the changes, and "
                       "confirm that preview")
    if plan.rejected:
        raise InvalidFields(
            f"{len(plan.rejected)} of {plan.features} features are rejected: nothing was "
            "imported", [{"field": f"feature {r.number}.{r.field}", "message": r.message}
                         for r in plan.rejected])
    todo = [e for e in plan.entries if e.action != "unchanged"]
    try:
        with transaction(session), session.no_autoflush:
            _write(session, actor, plan, todo, author or actor.name, progress)
    except StaleDataError as exc:
        raise Conflict("a project changed while the file was imported: nothing was imported",
                       detail="preview the file again") from exc
    except ValidationError as exc:
        if isinstance(exc, InvalidFields):
            raise
        raise InvalidFields(exc.message, [{"field": exc.field or "", "message": exc.message}],
                            detail=exc.detail) from exc
    return plan


def _write(session: Session, actor: Actor, plan: ImportPlan, todo: list[Planned],
           author: str, progress: Progress | None) -> None:
    codes = [e.code for e in todo]
    projects: dict[str, Project] = {}
    for i in range(0, len(codes), 500):
        projects.update({p.code: p for p in session.scalars(
            select(Project).where(Project.code.in_(codes[i:i + 500])).options(
                selectinload(Project.provinces), selectinload(Project.updates),
                selectinload(Project.source_links).selectinload(ProjectSource.source)))})
    sources = {s.key: s for s in session.scalars(select(Source))}
    before: dict[str, dict[str, Any]] = {}
    added: dict[str, StatusUpdate] = {}
    for e in todo:
        project = projects.get(e.code)
        if project is None:
            project = projects[e.code] = Project(code=e.code, status=e.update["status"]
                                                 if e.update else "proposed")
            before[e.code] = {}
            project.updates, project.source_links = [], []
            project.provinces, project.funding_lines = [], []
            session.add(project)
        else:
            if project.version_id != e.version:
                raise StaleDataError(f"project {e.code} moved on")
            before[e.code] = snapshot(project)
            project.updated_at = utcnow()
        if e.project:
            _set(project, e.project)
        if e.update is not None:
            u = StatusUpdate(**{**e.update, "author": author},
                             source=sources.get(e.source) if e.source else None)
            project.updates.append(u)
            added[e.code] = u
        _cite(project, sources.get(e.source) if e.source else None, e.cites)
    session.flush()
    record = ImportRecord(
        user_id=actor.user_id, actor=actor.name[:200], file_name=plan.file_name[:255],
        sha256=plan.sha256, file_format=plan.file_format,
        layer=", ".join(plan.layers)[:255] or None, crs=plan.crs, features=plan.features,
        created=len(plan.of("create")), changed=len(plan.of("change")),
        unchanged=len(plan.of("unchanged")),
        notes=json.dumps(plan.notes, ensure_ascii=False))
    session.add(record)
    session.flush()
    plan.import_id = record.id
    entries: list[dict[str, Any]] = []
    for n, e in enumerate(todo, 1):
        project = projects[e.code]
        extra = [audit.Change("update", None, update_values(added[e.code]))] \
            if e.code in added else []
        what = "created" if e.action == "create" else "changed"
        entries.append({**audit.values(
            actor, "import", f"project {e.code} {what} by the import of {plan.file_name} "
            f"(import {record.id}, feature {e.number})",
            audit.diff(before[e.code], snapshot(project)) + extra, project_id=project.id),
            "project_version": project.version_id, "import_id": record.id})
        if progress is not None and n % 100 == 0:
            progress(100)
    for i in range(0, len(entries), 1000):  # inserted in batches, in this transaction
        audit.record_many(session, entries[i:i + 1000])
    if progress is not None:
        progress(len(todo) % 100)
