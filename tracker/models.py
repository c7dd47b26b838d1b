"""The ORM only: projects, their funding, their dated history, their sources, province outlines.

Validation and derived values are in `checks.py` (run by a flush hook on the app's sessions).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from tracker import geo
from tracker.collation import sort_key
from tracker.dates import iso_partial
from tracker.db import GeometryType
from tracker.rules import display_name
from tracker.text import SLUG_MAX, fold


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
    # Roles as public investment names them (Luật Đầu tư công): cơ quan chủ quản, chủ đầu tư,
    # and for a PPP project only, nhà đầu tư
    governing_body: Mapped[str | None] = mapped_column(String(300))
    project_owner: Mapped[str | None] = mapped_column(String(300))
    private_investor: Mapped[str | None] = mapped_column(String(300))
    # "programme": in the 2021–2025 cooperation programme; "related": pushed for beside it
    programme_role: Mapped[str] = mapped_column(String(10), default="programme",
                                                server_default="programme", index=True)
    # Projects sharing one corridor (QL61C phases 1 and 2) carry the same key: a km total
    # counts the corridor once (tracker.rules.km_total)
    corridor: Mapped[str | None] = mapped_column(String(SLUG_MAX))

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
    # decimals the source wrote the stated length with ("37,152 km": 3), to show it so
    stated_length_decimals: Mapped[int | None] = mapped_column(Integer)

    # the latest dated estimate's (derived at flush time when the project has estimates)
    total_investment_vnd: Mapped[int | None] = mapped_column(BigInteger)
    total_investment_basis: Mapped[str | None] = mapped_column(String(10))
    total_investment_as_of: Mapped[date | None] = mapped_column(Date)
    total_investment_as_of_precision: Mapped[str | None] = mapped_column(String(5))
    total_investment_qualifier: Mapped[str | None] = mapped_column(String(12))
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

    # the date the shown status is true as of, at its precision: the latest update's
    # (derived at flush time, like status; null only for a project with no history)
    status_as_of: Mapped[date | None] = mapped_column(Date, index=True)
    status_as_of_precision: Mapped[str | None] = mapped_column(String(5))

    search_text: Mapped[str] = mapped_column(Text, default="")
    owner_search: Mapped[str] = mapped_column(Text, default="")  # folded roles (all three)
    # Vietnamese alphabetical order of the name shown in each language (tracker.collation)
    sort_name_vi: Mapped[str] = mapped_column(Text, default="", index=True)
    sort_name_en: Mapped[str] = mapped_column(Text, default="", index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    # The row version (SQLAlchemy's version counter): every UPDATE checks and bumps it, so a
    # write based on an older read fails (StaleDataError) instead of overwriting; it is the
    # strong ETag of the project's API resource and the version an edit form carries.
    version_id: Mapped[int] = mapped_column(Integer, nullable=False, server_default="1")
    # Soft delete (admins): the row and its history stay, every view and export leaves it out
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime)

    __mapper_args__ = {"version_id_col": version_id}

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
    estimates: Mapped[list[InvestmentEstimate]] = relationship(
        back_populates="project", cascade="all, delete-orphan",
        order_by="InvestmentEstimate.seq")
    components: Mapped[list[ProjectComponent]] = relationship(
        back_populates="project", cascade="all, delete-orphan",
        order_by="ProjectComponent.seq")

    @property
    def province_codes(self) -> list[str]:
        return [p.province for p in self.provinces]

    def partial_date(self, name: str) -> str | None:
        """ISO text of a planned/actual date at its stated precision ('2026', '2026-03-09')."""
        return iso_partial(getattr(self, name), getattr(self, f"{name}_precision"))

    def status_as_of_iso(self) -> str | None:
        """The status's as-of date as ISO text at its precision ('2021', '2025-12-18')."""
        return iso_partial(self.status_as_of, self.status_as_of_precision)
    def latest_estimate(self) -> InvestmentEstimate | None:
        """The estimate the current total is: the last in the sources' order (seq)."""
        return max(self.estimates, key=lambda e: e.seq, default=None)

    @property
    def total_investment_as_of_iso(self) -> str | None:
        return iso_partial(self.total_investment_as_of, self.total_investment_as_of_precision)

    def latest_update(self) -> StatusUpdate | None:
        # on the same day the later entry wins; one not yet flushed (no id) is the latest
        return max(self.updates, key=lambda u: (u.as_of, u.id is None, u.id or 0), default=None)

    def refresh_derived(self) -> None:
        """Recompute everything derived: geometry facts, current status, the total of the
        latest dated estimate, search text."""
        if self.programme_role is None:
            self.programme_role = "programme"
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
            # the order of latest_update: on the same day the later entry wins, and one not
            # yet flushed (no id) is the latest
            history = sorted(self.updates, key=lambda u: (u.as_of, u.id is None, u.id or 0))
            self.status = history[-1].status
            self.status_as_of = history[-1].as_of
            self.status_as_of_precision = history[-1].as_of_precision or "day"
            progress = [u.progress_pct for u in history if u.progress_pct is not None]
            disbursed = [u.disbursed_vnd for u in history if u.disbursed_vnd is not None]
            self.progress_pct = progress[-1] if progress else None
            self.disbursed_vnd = disbursed[-1] if disbursed else None
        self.search_text = fold(" ".join(x for x in (self.code, self.name_vi, self.name_en) if x))
        latest = self.latest_estimate()
        if latest is not None:
            self.total_investment_vnd = latest.amount_vnd
            self.total_investment_basis = latest.basis
            self.total_investment_as_of = latest.as_of
            self.total_investment_as_of_precision = latest.as_of_precision
            self.total_investment_qualifier = latest.qualifier
        elif self.total_investment_vnd is None:
            self.total_investment_basis = self.total_investment_qualifier = None
            self.total_investment_as_of = self.total_investment_as_of_precision = None
        self.owner_search = fold(" ".join(
            x for x in (self.governing_body, self.project_owner, self.private_investor) if x))
        self.sort_name_vi = sort_key(self.name_vi)
        self.sort_name_en = sort_key(display_name(self.name_vi, self.name_en, "en"))


class ProjectProvince(Base):
    """A programme-era province (until 30/06/2025) the project lies in."""

    __tablename__ = "project_provinces"

    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True)
    province: Mapped[str] = mapped_column(String(20), primary_key=True, index=True)
    project: Mapped[Project] = relationship(back_populates="provinces")


class InvestmentEstimate(Base):
    """One dated figure of a project's total investment, as a source gives it: the first
    proposal, an approved or an adjusted figure. `seq` is the sources' order (oldest first);
    the last one is the project's current total."""

    __tablename__ = "investment_estimates"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    key: Mapped[str] = mapped_column(String(SLUG_MAX))  # names it for funding lines
    amount_vnd: Mapped[int] = mapped_column(BigInteger)
    as_of: Mapped[date | None] = mapped_column(Date)  # null: the source gives no date
    as_of_precision: Mapped[str | None] = mapped_column(String(5))
    basis: Mapped[str | None] = mapped_column(String(10))  # vocab.ESTIMATE_BASES
    qualifier: Mapped[str] = mapped_column(String(12), default="exact")  # vocab.QUALIFIERS
    original_amount: Mapped[float | None] = mapped_column(Float)  # e.g. 21.82e9
    original_currency: Mapped[str | None] = mapped_column(String(3))  # ISO 4217, e.g. JPY
    note: Mapped[str | None] = mapped_column(Text)  # Vietnamese
    note_en: Mapped[str | None] = mapped_column(Text)
    source_id: Mapped[int | None] = mapped_column(ForeignKey("sources.id"))

    project: Mapped[Project] = relationship(back_populates="estimates")
    source: Mapped[Source | None] = relationship()

    @property
    def as_of_iso(self) -> str | None:
        return iso_partial(self.as_of, self.as_of_precision)


class ProjectComponent(Base):
    """A part of a project as a source splits it: a province's component (An Giang 57 km /
    13.799 tỷ) or a named section that is no province's (province null)."""

    __tablename__ = "project_components"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    province: Mapped[str | None] = mapped_column(String(20))
    name_vi: Mapped[str | None] = mapped_column(String(300))
    name_en: Mapped[str | None] = mapped_column(String(300))
    governing_body: Mapped[str | None] = mapped_column(String(300))  # cơ quan chủ quản
    stated_length_km: Mapped[float | None] = mapped_column(Float)
    stated_length_decimals: Mapped[int | None] = mapped_column(Integer)
    length_qualifier: Mapped[str | None] = mapped_column(String(12))
    amount_vnd: Mapped[int | None] = mapped_column(BigInteger)
    amount_qualifier: Mapped[str | None] = mapped_column(String(12))
    note: Mapped[str | None] = mapped_column(Text)  # Vietnamese
    note_en: Mapped[str | None] = mapped_column(Text)
    source_id: Mapped[int | None] = mapped_column(ForeignKey("sources.id"))

    project: Mapped[Project] = relationship(back_populates="components")
    source: Mapped[Source | None] = relationship()


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
    # the estimate this line is a part of: its share is computed against that one only
    estimate_id: Mapped[int | None] = mapped_column(
        ForeignKey("investment_estimates.id", ondelete="SET NULL"))

    project: Mapped[Project] = relationship(back_populates="funding_lines")
    source: Mapped[Source | None] = relationship()
    estimate: Mapped[InvestmentEstimate | None] = relationship()


class StatusUpdate(Base):
    """One dated entry of a project's history; the latest one gives the current values."""

    __tablename__ = "status_updates"
    # the newest fact first: how recent a page's data is (tracker.queries.data_date)
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


# --------------------------------------------------------------------------- accounts and audit

class User(Base):
    """A person who signs in. `role` is one of vocab.ROLES; a disabled user (active false)
    can neither sign in nor use a token, and is kept so the audit trail still names them.

    It also speaks the protocol Flask-Login expects (is_authenticated, is_active, get_id) by
    duck typing, so this module needs no Flask.
    """

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)  # lowercase (tracker.auth)
    display_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(10))
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime)

    tokens: Mapped[list[ApiToken]] = relationship(
        back_populates="user", cascade="all, delete-orphan", order_by="ApiToken.id")

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    @property
    def is_active(self) -> bool:
        return bool(self.active)

    def session_stamp(self) -> str:
        """Changes when the password does: a session signed with the old one stops working."""
        import hashlib

        return hashlib.sha256(self.password_hash.encode("utf-8")).hexdigest()[:16]

    def get_id(self) -> str:
        return f"{self.id}.{self.session_stamp()}"


class ApiToken(Base):
    """A personal API token. Only its SHA-256 is stored (the plain token is shown once, when
    it is created); `prefix` is its first characters, so a person can tell tokens apart."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)

    user: Mapped[User] = relationship(back_populates="tokens")

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None


class AuditEntry(Base):
    """One change, written in the same transaction as the change: who (`user_id`, and `actor`
    as text so the entry reads the same after the user is renamed or for the CLI), when (`at`,
    UTC), what (`kind` from vocab.AUDIT_KINDS, `summary`), and `changes`: a JSON list of
    {"field", "old", "new"}."""

    __tablename__ = "audit_entries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True)
    actor: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20), index=True)
    project_id: Mapped[int | None] = mapped_column(
        ForeignKey("projects.id", ondelete="SET NULL"), index=True)
    summary: Mapped[str] = mapped_column(Text)
    changes: Mapped[str] = mapped_column(Text, default="[]")
    # the project's row version after the change: "what changed since version N" for a stale
    # edit form or a 412 (None for entries that change no project)
    project_version: Mapped[int | None] = mapped_column(Integer)
    # the import (ImportRecord) that made this change, if one did
    import_id: Mapped[int | None] = mapped_column(Integer, index=True)

    user: Mapped[User | None] = relationship()
    project: Mapped[Project | None] = relationship()

    @property
    def change_list(self) -> list[dict[str, Any]]:
        import json

        value: list[dict[str, Any]] = json.loads(self.changes or "[]")
        return value


class ImportRecord(Base):
    """One applied GIS import: who, the file (name, SHA-256, format, layer, CRS), and how many
    projects it created, changed and left as they were; `notes` is a JSON list of what the
    preview said about the file (CRS recognised, columns ignored). Each project it changed
    has its own audit entry pointing here (AuditEntry.import_id)."""

    __tablename__ = "imports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True)
    actor: Mapped[str] = mapped_column(String(200))
    file_name: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    file_format: Mapped[str] = mapped_column(String(20))
    layer: Mapped[str | None] = mapped_column(String(255))
    crs: Mapped[str | None] = mapped_column(String(100))
    features: Mapped[int] = mapped_column(Integer)
    created: Mapped[int] = mapped_column(Integer)
    changed: Mapped[int] = mapped_column(Integer)
    unchanged: Mapped[int] = mapped_column(Integer)
    notes: Mapped[str] = mapped_column(Text, default="[]")

    user: Mapped[User | None] = relationship()


class SignInThrottle(Base):
    """Failed sign-ins counted per key ("account:NAME" or "address:IP") in a fixed window, in
    the database so every worker process sees the same count (tracker.auth.Throttle)."""

    __tablename__ = "sign_in_throttles"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    window_start: Mapped[datetime] = mapped_column(DateTime, index=True)  # to prune old rows
    failures: Mapped[int] = mapped_column(Integer, default=0)
