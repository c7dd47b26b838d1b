"""Replacing a project's components: the parts a source splits it into (a province's share of a
national expressway, 57 km / 13.799 tỷ in An Giang; a named section). A province filter counts
a project's component there, so a component is a figure like any other: each one cites its
source, and the whole list changes at once (the list as the source gives it), validated,
audited (old list → new list) and committed in one transaction, or not at all.

Rows are changed in place (row i keeps its number), so no two rows ever share a number while
the change is written.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy.orm import Session

from tracker import audit, checks, vocab
from tracker.audit import Actor
from tracker.models import AuditEntry, Project, ProjectComponent, Source, utcnow
from tracker.services.projects import (
    Written,
    _cite,
    _commit,
    _record,
    _refuse,
    _source,
    check_version,
    clean_fields,
    snapshot,
)
from tracker.text import shown

COMPONENT_FIELDS = ("province", "name_vi", "name_en", "governing_body", "stated_length_km",
                    "length_qualifier", "amount_vnd", "amount_qualifier", "note", "note_en")
# what the read API answers beside the fields, so a list read can be sent back as it is
ALSO_READ = ("source", "stated_length_decimals")
MAX_COMPONENTS = 50
# Values known to pass, put in place of a refused one while looking for the next problem.
NEW_COMPONENT = {"province": None, "name_vi": "-"}


def component_values(c: ProjectComponent) -> dict[str, Any]:
    """One component as plain values (what the read API answers and the trail keeps)."""
    out = {name: getattr(c, name) for name in COMPONENT_FIELDS}
    out["stated_length_decimals"] = c.stated_length_decimals
    out["source"] = c.source.key if c.source else None
    return out


def _row_source(session: Session, raw: Any, fallback: Source | None, label: str,
                where: str, errors: list[dict[str, str]]) -> Source | None:
    """A row's source: a stored source's key, else the change's own source."""
    if raw is None or raw == "":
        if fallback is None:
            errors.append({"field": f"{where}.source", "message": f"{label}: a component "
                           "cites its source (its own, or the change's `source`)"})
        return fallback
    if not isinstance(raw, str):
        errors.append({"field": f"{where}.source", "message": f"{label}: a component's "
                       f"source is a stored source's key, got {shown(raw)}"})
        return None
    problems: list[dict[str, str]] = []
    found = _source(session, raw, label, problems)
    errors += [{**e, "field": f"{where}.{e['field']}"} for e in problems]
    return found


def _cleaner(label: str) -> Callable[[dict[str, Any]], dict[str, Any]]:
    return lambda values: checks.clean_component(values, label)


def _clean_rows(session: Session, project: Project, rows: Sequence[Any], cited: Source | None,
                label: str, errors: list[dict[str, str]]
                ) -> list[tuple[dict[str, Any], Source | None]]:
    out: list[tuple[dict[str, Any], Source | None]] = []
    if len(rows) > MAX_COMPONENTS:
        errors.append({"field": "components", "message": f"{label}: at most {MAX_COMPONENTS} "
                       f"components, got {len(rows)}"})
        return out
    provinces = set(project.province_codes)
    for i, row in enumerate(rows, 1):
        where, row_label = f"components.{i}", f"{label}: component {i}"
        if not isinstance(row, Mapping):
            errors.append({"field": where, "message": f"{row_label} must be an object with "
                           f"the fields {', '.join(COMPONENT_FIELDS)}, got {shown(row)}"})
            continue
        unknown = [k for k in row if k not in (*COMPONENT_FIELDS, *ALSO_READ)]
        errors += [{"field": f"{where}.{shown(k, 40).strip(chr(39))}", "message": (
            f"{row_label}: unknown field {shown(k, 40)}; the fields are "
            f"{', '.join(COMPONENT_FIELDS)}, source")} for k in unknown]
        clean, problems = clean_fields(
            _cleaner(row_label), {k: row[k] for k in COMPONENT_FIELDS if k in row},
            NEW_COMPONENT, prefix=f"{where}.")
        errors += problems
        source = _row_source(session, row.get("source"), cited, row_label, where, errors)
        province = row.get("province")
        if province in vocab.codes(vocab.PROVINCES) and province not in provinces:
            errors.append({"field": f"{where}.province", "message": (
                f"{row_label}: {province} is not one of the project's provinces "
                f"({', '.join(sorted(provinces)) or 'none'})")})
        decimals = row.get("stated_length_decimals")
        if decimals is not None and (type(decimals) is not int or not 0 <= decimals <= 6):
            errors.append({"field": f"{where}.stated_length_decimals", "message": (
                f"{row_label}: stated_length_decimals is a whole number 0–6 (how many "
                f"decimals the source writes), got {shown(decimals)}")})
        elif clean is not None:
            if decimals is not None and isinstance(row.get("stated_length_km"), int | float):
                clean["stated_length_decimals"] = decimals
            out.append((clean, source))
    return out


def replace_components(session: Session, actor: Actor, project: Project,
                       rows: Sequence[Any], *, expected_version: int | None,
                       source: Any = None,
                       refused: list[dict[str, str]] | None = None) -> Written:
    """Make the project's components exactly `rows` (each: COMPONENT_FIELDS and `source`, a
    stored key; `source` here, a key or a new source, stands for the rows that cite none).
    An empty list removes them all; the same list as now writes nothing."""
    check_version(session, project, expected_version)
    label = f"project {shown(project.code)}"
    errors: list[dict[str, str]] = list(refused or [])
    cited = _source(session, source, label, errors)
    if not isinstance(rows, Sequence) or isinstance(rows, str | bytes):
        errors.append({"field": "components", "message": f"{label}: components must be a "
                       f"list of objects, got {shown(rows)}"})
        rows = []
    wanted = _clean_rows(session, project, rows, cited, label, errors)
    _refuse(errors)
    assert expected_version is not None
    before = snapshot(project)
    old = [component_values(c) for c in project.components]

    def change() -> AuditEntry | None:
        current = sorted(project.components, key=lambda c: c.seq)
        for i, (values, row_source) in enumerate(wanted, 1):
            row = current[i - 1] if i <= len(current) else None
            if row is None:
                row = ProjectComponent(seq=i)
                project.components.append(row)
            for name, value in values.items():  # what checks.clean_component stores
                setattr(row, name, value)
            row.source = row_source
        for extra in current[len(wanted):]:
            project.components.remove(extra)
        new = [component_values(c) for c in sorted(project.components, key=lambda c: c.seq)]
        if new == old:
            return None
        for _values, row_source in wanted:
            _cite(project, row_source, ["components"])
        project.updated_at = utcnow()
        return _record(session, actor, "edit", project,
                       f"project {project.code}: components replaced ({len(old)} → "
                       f"{len(new)})", before, [audit.Change("components", old, new)])

    return Written(project, _commit(session, project, expected_version, change))
