"""The ORM: projects, their funding, their dated history, their sources, province outlines.

Rules live twice on purpose: `validate_*` below gives a person a clear message before anything
is written, and CHECK constraints in the database (see the migration) keep other writers honest.
Derived values (length, bounding box, current status, search text) are computed at flush time so
no code path can store them inconsistently.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    event,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship

from . import geo, vocab
from .collation import sort_key
from .dates import iso_partial
from .db import GeometryType
from .errors import ValidationError
from .text import fold

SLUG_MAX = 64


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class Base(DeclarativeBase):
    pass


class Source(Base):
    """Where a fact comes from: an article, a letter, a dataset."""

    __tablename__ = "sources"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(SLUG_MAX), unique=True)
    title: Mapped[str | None] = mapped_column(String(500))
    publisher: Mapped[str] = mapped_column(String(300))
    published_on: Mapped[date | None] = mapped_column(Date)
    url: Mapped[str | None] = mapped_column(String(1000))
    locator: Mapped[str | None] = mapped_column(String(300))
    note: Mapped[str | None] = mapped_column(Text)

    def citation(self) -> str:
        parts = [self.title or "", self.publisher, self.locator or ""]
        return ", ".join(p for p in parts if p)


class Project(Base):
    __tablename__ = "projects"
    __table_args__ = (Index("ix_projects_bbox", "min_lon", "max_lon", "min_lat", "max_lat"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(SLUG_MAX), unique=True)
    name_vi: Mapped[str] = mapped_column(String(300))
    name_en: Mapped[str | None] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(20), index=True)
    field: Mapped[str] = mapped_column(String(20), default="transport")
    status: Mapped[str] = mapped_column(String(24), index=True)
    description_vi: Mapped[str | None] = mapped_column(Text)
    description_en: Mapped[str | None] = mapped_column(Text)
    owner: Mapped[str | None] = mapped_column(String(300))
    investor: Mapped[str | None] = mapped_column(String(300))

    geometry: Mapped[Any] = mapped_column(GeometryType, nullable=True)
    geometry_type: Mapped[str | None] = mapped_column(String(20))
    geometry_accuracy: Mapped[str | None] = mapped_column(String(20))
    geometry_note: Mapped[str | None] = mapped_column(Text)  # Vietnamese
    geometry_note_en: Mapped[str | None] = mapped_column(Text)
    geometry_geojson: Mapped[str | None] = mapped_column(Text)  # derived, for fast exports
    min_lon: Mapped[float | None] = mapped_column(Float)
    min_lat: Mapped[float | None] = mapped_column(Float)
    max_lon: Mapped[float | None] = mapped_column(Float)
    max_lat: Mapped[float | None] = mapped_column(Float)
    length_km: Mapped[float | None] = mapped_column(Float)
    stated_length_km: Mapped[float | None] = mapped_column(Float)

    total_investment_vnd: Mapped[int | None] = mapped_column(BigInteger)
    disbursed_vnd: Mapped[int | None] = mapped_column(BigInteger)
    progress_pct: Mapped[float | None] = mapped_column(Float)

    planned_start: Mapped[date | None] = mapped_column(Date)
    planned_start_precision: Mapped[str | None] = mapped_column(String(5))
    planned_end: Mapped[date | None] = mapped_column(Date)
    planned_end_precision: Mapped[str | None] = mapped_column(String(5))
    actual_start: Mapped[date | None] = mapped_column(Date)
    actual_start_precision: Mapped[str | None] = mapped_column(String(5))
    actual_end: Mapped[date | None] = mapped_column(Date)
    actual_end_precision: Mapped[str | None] = mapped_column(String(5))

    search_text: Mapped[str] = mapped_column(Text, default="")
    owner_search: Mapped[str] = mapped_column(Text, default="")  # folded owner + investor
    # Vietnamese alphabetical order of the name shown in each language (tracker.collation)
    sort_name_vi: Mapped[str] = mapped_column(Text, default="", index=True)
    sort_name_en: Mapped[str] = mapped_column(Text, default="", index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)

    provinces: Mapped[list[ProjectProvince]] = relationship(
        back_populates="project", cascade="all, delete-orphan",
        order_by="ProjectProvince.province")
    funding_lines: Mapped[list[FundingLine]] = relationship(
        back_populates="project", cascade="all, delete-orphan", order_by="FundingLine.id")
    updates: Mapped[list[StatusUpdate]] = relationship(
        back_populates="project", cascade="all, delete-orphan",
        order_by="(StatusUpdate.as_of, StatusUpdate.id)")
    source_links: Mapped[list[ProjectSource]] = relationship(
        back_populates="project", cascade="all, delete-orphan", order_by="ProjectSource.source_id")

    @property
    def province_codes(self) -> list[str]:
        return [p.province for p in self.provinces]

    def partial_date(self, name: str) -> str | None:
        """ISO text of a planned/actual date at its stated precision ('2026', '2026-03-09')."""
        return iso_partial(getattr(self, name), getattr(self, f"{name}_precision"))

    def latest_update(self) -> StatusUpdate | None:
        return max(self.updates, key=lambda u: (u.as_of, u.id or 0), default=None)

    def refresh_derived(self) -> None:
        """Recompute everything derived: geometry facts, current status, search text."""
        g = self.geometry
        if g is not None:
            if g.has_z:
                import shapely

                g = self.geometry = shapely.force_2d(g)
            self.geometry_type = g.geom_type
            self.min_lon, self.min_lat, self.max_lon, self.max_lat = (float(v) for v in g.bounds)
            self.length_km = geo.length_km(g)
            self.geometry_geojson = geo.geojson_text(g)
        else:
            self.geometry_type = None
            self.min_lon = self.min_lat = self.max_lon = self.max_lat = None
            self.length_km = None
            self.geometry_geojson = None
        if self.updates:
            history = sorted(self.updates, key=lambda u: (u.as_of, u.id or 0))
            self.status = history[-1].status
            progress = [u.progress_pct for u in history if u.progress_pct is not None]
            disbursed = [u.disbursed_vnd for u in history if u.disbursed_vnd is not None]
            self.progress_pct = progress[-1] if progress else None
            self.disbursed_vnd = disbursed[-1] if disbursed else None
        self.search_text = fold(" ".join(x for x in (self.code, self.name_vi, self.name_en) if x))
        self.owner_search = fold(" ".join(x for x in (self.owner, self.investor) if x))
        self.sort_name_vi = sort_key(self.name_vi)
        self.sort_name_en = sort_key(self.name_en or self.name_vi)


class ProjectProvince(Base):
    """A programme-era province (until 30/06/2025) the project lies in."""

    __tablename__ = "project_provinces"

    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True)
    province: Mapped[str] = mapped_column(String(20), primary_key=True, index=True)
    project: Mapped[Project] = relationship(back_populates="provinces")


class FundingLine(Base):
    __tablename__ = "funding_lines"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    source_type: Mapped[str] = mapped_column(String(20))
    province: Mapped[str | None] = mapped_column(String(20))
    amount_vnd: Mapped[int | None] = mapped_column(BigInteger)
    budget_year: Mapped[int | None] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(Text)  # Vietnamese
    note_en: Mapped[str | None] = mapped_column(Text)
    source_id: Mapped[int | None] = mapped_column(ForeignKey("sources.id"))

    project: Mapped[Project] = relationship(back_populates="funding_lines")
    source: Mapped[Source | None] = relationship()


class StatusUpdate(Base):
    """One dated entry of a project's history; the latest one gives the current values."""

    __tablename__ = "status_updates"
    # the newest fact first: how recent a page's data is (tracker.data_date)
    __table_args__ = (Index("ix_status_updates_as_of", "as_of", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    as_of: Mapped[date] = mapped_column(Date)
    as_of_precision: Mapped[str] = mapped_column(String(5), default="day")
    status: Mapped[str] = mapped_column(String(24))
    progress_pct: Mapped[float | None] = mapped_column(Float)
    disbursed_vnd: Mapped[int | None] = mapped_column(BigInteger)
    note: Mapped[str | None] = mapped_column(Text)  # Vietnamese
    note_en: Mapped[str | None] = mapped_column(Text)
    author: Mapped[str | None] = mapped_column(String(200))
    source_id: Mapped[int | None] = mapped_column(ForeignKey("sources.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    project: Mapped[Project] = relationship(back_populates="updates")
    source: Mapped[Source | None] = relationship()

    @property
    def as_of_iso(self) -> str | None:
        return iso_partial(self.as_of, self.as_of_precision)


class ProjectSource(Base):
    """A source cited by a project, with the facts (field names) it supports."""

    __tablename__ = "project_sources"

    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id"), primary_key=True)
    supports: Mapped[str] = mapped_column(Text, default="")

    project: Mapped[Project] = relationship(back_populates="source_links")
    source: Mapped[Source] = relationship()


class Boundary(Base):
    """A province outline, for map context only (coarse; not for measurement)."""

    __tablename__ = "boundaries"

    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    name_vi: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str | None] = mapped_column(String(200))
    iso_3166_2: Mapped[str | None] = mapped_column(String(10))
    geometry: Mapped[Any] = mapped_column(GeometryType)
    geometry_accuracy: Mapped[str] = mapped_column(String(20))
    valid_until: Mapped[date | None] = mapped_column(Date)
    source: Mapped[str | None] = mapped_column(Text)


# --------------------------------------------------------------------------- validation

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


def is_slug(code: Any) -> bool:
    import re

    return isinstance(code, str) and len(code) <= SLUG_MAX and \
        re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", code) is not None


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


@event.listens_for(Session, "before_flush")
def _derive_and_validate(session: Session, _ctx: Any, _instances: Any) -> None:
    """Derive and check every project touched by this flush, before SQL is sent."""
    region = session.info.get("region", (104.4, 8.5, 106.9, 11.1))
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
