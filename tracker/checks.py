"""Validation of the register and the derive-and-validate flush hook.

Rules live twice on purpose: `validate_*` here gives a person a clear message before anything
is written, and CHECK constraints in the database (see the migrations) keep other writers honest.
Derived values (length, bounding box, current status, search text) are computed at flush time so
no code path can store them inconsistently. The hook is installed on the app's session factory
(`install`), never on SQLAlchemy's global Session class.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import (
    event,
)
from sqlalchemy.orm import Session, sessionmaker

from tracker import geo, vocab
from tracker.errors import ValidationError
from tracker.models import (
    FundingLine,
    Project,
    ProjectProvince,
    ProjectSource,
    StatusUpdate,
    utcnow,
)
from tracker.text import SLUG_MAX, is_slug


def _in(value: Any, allowed: tuple[str, ...], label: str, field: str) -> None:
    if value not in allowed:
        raise ValidationError(
            f"{label}: {field} {value!r} is not one of {', '.join(allowed)}", field=field)


def _non_negative(value: Any, label: str, field: str) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValidationError(f"{label}: {field} must be a number, got {value!r}", field=field)
    if value < 0:
        raise ValidationError(f"{label}: {field} must be ≥ 0, got {value}", field=field)


def _progress(value: Any, label: str) -> None:
    _non_negative(value, label, "progress_pct")
    if value is not None and value > 100:
        raise ValidationError(f"{label}: progress_pct must be between 0 and 100, got {value}",
                              field="progress_pct")


def _order(start: date | None, end: date | None, label: str, what: str) -> None:
    if start is not None and end is not None and end < start:
        raise ValidationError(f"{label}: {what} end {end} is before its start {start}",
                              field=f"{what}_end")


def validate_project(p: Project, region: tuple[float, float, float, float]) -> None:
    """Every rule a project must satisfy; raises ValidationError naming the project and field."""
    label = f"project {p.code!r}"
    if not is_slug(p.code):
        raise ValidationError(
            f"{label}: code must be a slug (lowercase letters, digits and single hyphens, "
            f"at most {SLUG_MAX} characters)", field="code")
    if not (p.name_vi or "").strip():
        raise ValidationError(f"{label}: name_vi is required", field="name_vi")
    _in(p.kind, vocab.codes(vocab.KINDS), label, "kind")
    _in(p.status, vocab.codes(vocab.STATUSES), label, "status")
    _in(p.field, vocab.codes(vocab.COOPERATION_FIELDS), label, "field")
    for prov in p.province_codes:
        _in(prov, vocab.codes(vocab.PROVINCES), label, "provinces")
    _progress(p.progress_pct, label)
    for name in ("total_investment_vnd", "disbursed_vnd", "stated_length_km"):
        _non_negative(getattr(p, name), label, name)
    for name in ("total_investment_vnd", "disbursed_vnd"):
        v = getattr(p, name)
        if v is not None and not isinstance(v, int):
            raise ValidationError(f"{label}: {name} must be whole đồng, got {v!r}", field=name)
    if (p.disbursed_vnd is not None and p.total_investment_vnd is not None
            and p.disbursed_vnd > p.total_investment_vnd):
        raise ValidationError(
            f"{label}: disbursed {p.disbursed_vnd} VND exceeds the total investment "
            f"{p.total_investment_vnd} VND", field="disbursed_vnd")
    for what in ("planned", "actual"):
        for end in ("start", "end"):
            d, prec = getattr(p, f"{what}_{end}"), getattr(p, f"{what}_{end}_precision")
            if d is not None and prec is None:
                raise ValidationError(f"{label}: {what}_{end} has no precision",
                                      field=f"{what}_{end}")
            if prec is not None:
                _in(prec, vocab.DATE_PRECISIONS, label, f"{what}_{end}_precision")
        _order(getattr(p, f"{what}_start"), getattr(p, f"{what}_end"), label, what)
    geo.validate_geometry(p.geometry, p.kind, region, label=f"{label}: geometry")
    if p.geometry is not None:
        _in(p.geometry_accuracy, vocab.codes(vocab.GEOMETRY_ACCURACY), label,
            "geometry_accuracy")
    for u in p.updates:
        validate_update(u, p)
    for f in p.funding_lines:
        validate_funding(f, p)


def validate_update(u: StatusUpdate, p: Project) -> None:
    label = f"project {p.code!r}: update of {u.as_of}"
    if u.as_of is None:
        raise ValidationError(f"project {p.code!r}: an update needs its as-of date",
                              field="as_of")
    _in(u.as_of_precision, vocab.DATE_PRECISIONS, label, "as_of_precision")
    _in(u.status, vocab.codes(vocab.STATUSES), label, "status")
    _progress(u.progress_pct, label)
    _non_negative(u.disbursed_vnd, label, "disbursed_vnd")
    if (u.disbursed_vnd is not None and p.total_investment_vnd is not None
            and u.disbursed_vnd > p.total_investment_vnd):
        raise ValidationError(f"{label}: disbursed exceeds the total investment",
                              field="disbursed_vnd")


def validate_funding(f: FundingLine, p: Project) -> None:
    label = f"project {p.code!r}: funding line"
    _in(f.source_type, vocab.codes(vocab.FUNDING_SOURCES), label, "source_type")
    if f.province is not None:
        if f.source_type != "provincial_budget":
            raise ValidationError(f"{label}: a province is only given for a provincial budget",
                                  field="province")
        _in(f.province, vocab.codes(vocab.PROVINCES), label, "province")
    _non_negative(f.amount_vnd, label, "amount_vnd")
    if f.budget_year is not None and not 1900 <= f.budget_year <= 2100:
        raise ValidationError(f"{label}: budget_year {f.budget_year} is not a plausible year",
                              field="budget_year")


def _derive_and_validate(session: Session, _ctx: Any, _instances: Any) -> None:
    """Derive and check every project touched by this flush, before SQL is sent."""
    region = session.info["region"]
    touched: dict[int, Project] = {}
    for obj in list(session.new) + list(session.dirty):
        if isinstance(obj, Project):
            project: Project | None = obj
        elif isinstance(obj, StatusUpdate | FundingLine | ProjectProvince | ProjectSource):
            project = obj.project
        else:
            continue
        if project is not None and project not in session.deleted:
            touched[id(project)] = project
    for project in touched.values():
        project.refresh_derived()
        validate_project(project, region)
        if project in session.dirty and session.is_modified(project):
            project.updated_at = utcnow()


def install(factory: sessionmaker[Session]) -> None:
    """Derive and validate on every flush of sessions made by this factory."""
    event.listen(factory, "before_flush", _derive_and_validate)
