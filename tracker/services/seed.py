"""Use cases that change data. Each validates, writes in one transaction, and commits once;
on any error nothing is written."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, selectinload

from tracker import checks, geo, vocab
from tracker.errors import ValidationError
from tracker.formats.safe_json import MB
from tracker.formats.seedfile import SeedBundle, read_file
from tracker.limits import Limits
from tracker.models import (
    Boundary,
    FundingLine,
    InvestmentEstimate,
    Project,
    ProjectComponent,
    ProjectProvince,
    ProjectSource,
    Source,
    StatusUpdate,
)
from tracker.services.base import transaction
from tracker.text import shown


@dataclass
class SeedReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    updates_added: int = 0


@dataclass
class CleanFeature:
    """A feature's values after `checks`: the project's, and each update and funding line
    with the key of the source it cites."""

    code: str
    project: dict[str, Any]
    updates: list[tuple[dict[str, Any], str | None]]
    funding: list[tuple[dict[str, Any], str | None, str | None]]  # line, source, estimate
    sources: dict[str, str]
    estimates: list[tuple[dict[str, Any], str | None]] = field(default_factory=list)
    components: list[tuple[dict[str, Any], str | None]] = field(default_factory=list)


def clean_bundle(bundle: SeedBundle, limits: Limits
                 ) -> tuple[dict[str, dict[str, Any]], list[CleanFeature]]:
    """Every value of the file through the register's rules, before anything is written:
    the first problem raises, naming the source or the feature and the field. Every update
    is checked, also one the database already holds (the seed never rewrites history, but a
    file that says progress 150 is wrong wherever it says it)."""
    sources = {key: checks.clean_source({**raw, "key": key}, f"source {shown(key, 40)}")
               for key, raw in bundle.sources.items()}
    features = []
    for rec in bundle.features:
        project = checks.clean_project(
            {**rec.properties, "code": rec.code, "geometry": rec.geometry}, rec.label, limits)
        estimates = [(checks.clean_estimate(e, f"{rec.label}: estimate {i}"), e.get("source"))
                     for i, e in enumerate(rec.estimates, 1)]
        if estimates:
            project["total_investment_vnd"] = estimates[-1][0]["amount_vnd"]
        total = project["total_investment_vnd"]
        components = [(checks.clean_component(c, f"{rec.label}: component {i}"),
                       c.get("source")) for i, c in enumerate(rec.components, 1)]
        updates = [(checks.clean_update(u, f"{rec.label}: update {i}", total), u.get("source"))
                   for i, u in enumerate(rec.updates, 1)]
        funding = [(checks.clean_funding(f, f"{rec.label}: funding line {i}"), f.get("source"),
                    f.get("estimate")) for i, f in enumerate(rec.funding, 1)]
        features.append(CleanFeature(rec.code, project, updates, funding, rec.sources,
                                     estimates, components))
    return sources, features


def _set_if_changed(obj: Any, name: str, value: Any) -> bool:
    if getattr(obj, name) != value:
        setattr(obj, name, value)
        return True
    return False


def _sync_sources(session: Session, clean: dict[str, dict[str, Any]]) -> dict[str, Source]:
    existing = {s.key: s for s in session.scalars(select(Source))}
    for key, values in clean.items():
        src = existing.get(key)
        if src is None:
            src = existing[key] = Source(key=key, publisher=values["publisher"])
            session.add(src)
        for name in ("title", "publisher", "published_on", "url", "locator", "note"):
            _set_if_changed(src, name, values[name])
    return existing


OWN_VALUES = ("provinces", "geometry", "code")  # project values written apart from columns
ESTIMATE_COLUMNS = ("key", "amount_vnd", "as_of", "as_of_precision", "basis", "qualifier",
                    "original_amount", "original_currency", "note", "note_en")
COMPONENT_COLUMNS = ("province", "name_vi", "name_en", "governing_body", "stated_length_km",
                     "stated_length_decimals", "length_qualifier", "amount_vnd",
                     "amount_qualifier", "note", "note_en")


def apply_seed(session: Session, bundle: SeedBundle) -> SeedReport:
    """Upsert every project of the bundle by code, in one transaction.

    Every value is cleaned first (`clean_bundle`), so a bad file writes nothing. Running it
    twice changes nothing. Status history is appended, never rewritten: an update already
    present (same date, precision, status and source) is left as it is.
    """
    clean_sources, features = clean_bundle(bundle, Limits.of(session))
    report = SeedReport()
    with transaction(session):
        sources = _sync_sources(session, clean_sources)
        codes = [rec.code for rec in features]
        projects = {p.code: p for p in session.scalars(
            select(Project).where(Project.code.in_(codes)).options(
                selectinload(Project.provinces), selectinload(Project.funding_lines),
                selectinload(Project.updates), selectinload(Project.source_links),
                selectinload(Project.estimates), selectinload(Project.components)))}
        for rec in features:
            project = projects.get(rec.code)
            is_new = project is None
            if project is None:
                # "last changed" of a project the seed brings in is the date of its newest
                # dated fact, not the moment it was loaded: a 2021 status loaded today is
                # not news (updated_since). A later change, by a seed or an edit, is: the
                # flush hook stamps it with the time it is written.
                project = Project(code=rec.code, status=rec.updates[-1][0]["status"],
                                  updated_at=newest_fact_time(rec))
                session.add(project)
            changed = False
            for name, value in rec.project.items():
                if name not in OWN_VALUES and not (rec.estimates and
                                                   name == "total_investment_vnd"):
                    changed |= _set_if_changed(project, name, value)
            geometry = rec.project["geometry"]
            if project.geometry is None or geometry is None:
                changed |= _set_if_changed(project, "geometry", geometry)
            elif not project.geometry.equals_exact(geometry, 0):
                project.geometry = geometry
                changed = True

            if project.province_codes != rec.project["provinces"]:
                project.provinces = [ProjectProvince(province=p)
                                     for p in rec.project["provinces"]]
                changed = True

            wanted_links = {(sources[k].key, v) for k, v in rec.sources.items()}
            have_links = {(link.source.key, link.supports) for link in project.source_links}
            if wanted_links != have_links:
                project.source_links = [ProjectSource(source=sources[k], supports=v)
                                        for k, v in sorted(rec.sources.items())]
                changed = True

            def ekey(e: InvestmentEstimate) -> tuple[Any, ...]:
                return (*(getattr(e, n) for n in ESTIMATE_COLUMNS),
                        e.source.key if e.source else None)

            wanted_estimates = [(*(e[n] for n in ESTIMATE_COLUMNS), key)
                                for e, key in rec.estimates]
            estimates_changed = [ekey(e) for e in project.estimates] != wanted_estimates
            if estimates_changed:
                for line in project.funding_lines:  # they point at the estimates replaced
                    line.estimate = None
                project.estimates = [
                    InvestmentEstimate(**e, seq=i, source=sources[key] if key else None)
                    for i, (e, key) in enumerate(rec.estimates, 1)]
                changed = True
            by_key = {e.key: e for e in project.estimates}

            def ckey(c: ProjectComponent) -> tuple[Any, ...]:
                return (*(getattr(c, n) for n in COMPONENT_COLUMNS),
                        c.source.key if c.source else None)

            wanted_components = [(*(c[n] for n in COMPONENT_COLUMNS), key)
                                 for c, key in rec.components]
            if [ckey(c) for c in project.components] != wanted_components:
                project.components = [
                    ProjectComponent(**c, seq=i, source=sources[key] if key else None)
                    for i, (c, key) in enumerate(rec.components, 1)]
                changed = True

            def fkey(f: FundingLine) -> tuple[Any, ...]:
                return (f.source_type, f.province, f.amount_vnd, f.budget_year, f.note,
                        f.note_en, f.source.key if f.source else None,
                        f.estimate.key if f.estimate else None)

            wanted_funding = [(f["source_type"], f["province"], f["amount_vnd"],
                               f["budget_year"], f["note"], f["note_en"], key, estimate)
                              for f, key, estimate in rec.funding]
            if estimates_changed or [fkey(f) for f in project.funding_lines] != wanted_funding:
                project.funding_lines = [
                    FundingLine(**f, source=sources[key] if key else None,
                                estimate=by_key[estimate] if estimate else None)
                    for f, key, estimate in rec.funding]
                changed = True

            have = {(u.as_of, u.as_of_precision, u.status, u.source.key if u.source else None)
                    for u in project.updates}
            for u, key in rec.updates:
                if (u["as_of"], u["as_of_precision"], u["status"], key) in have:
                    continue
                project.updates.append(
                    StatusUpdate(**u, source=sources[key] if key else None))
                report.updates_added += 1
                changed = True

            if is_new:
                report.created.append(rec.code)
            elif changed:
                report.updated.append(rec.code)
            else:
                report.unchanged.append(rec.code)
            session.flush()  # validate project by project so an error names the right one
    return report


def newest_fact_time(rec: CleanFeature) -> datetime:
    """Midnight (UTC) of the newest status update's as-of date (a feature has at least one)."""
    return datetime.combine(max(u["as_of"] for u, _key in rec.updates), time(0))


def seed_from_file(session: Session, path: str | Path, max_bytes: int = 50 * MB
                   ) -> SeedReport:
    """Read, check and upsert a projects file; a file over `max_bytes` is not even read."""
    return apply_seed(session, read_file(path, max_bytes, Limits.of(session).max_vertices))


def record_update(session: Session, project: Project, *, as_of: date, status: str,
                  progress_pct: float | None = None, disbursed_vnd: int | None = None,
                  note: str | None = None, author: str | None = None,
                  source: Source | None = None, as_of_precision: str = "day") -> StatusUpdate:
    """Append one dated entry to a project's history; its current values follow."""
    with transaction(session):
        update = StatusUpdate(as_of=as_of, as_of_precision=as_of_precision, status=status,
                              progress_pct=progress_pct, disbursed_vnd=disbursed_vnd, note=note,
                              author=author, source=source)
        project.updates.append(update)
        session.flush()
    return update


# --------------------------------------------------------------------------- boundaries

def _province_for(props: dict[str, Any]) -> vocab.Province | None:
    code = props.get("code")
    if code in vocab.PROVINCE_BY_CODE:
        return vocab.PROVINCE_BY_CODE[code]
    for key in ("iso_3166_2", "shapeISO", "ISO"):
        if props.get(key) in vocab.PROVINCE_BY_ISO:
            return vocab.PROVINCE_BY_ISO[props[key]]
    return None


def read_boundaries(path: str | Path) -> list[Boundary]:
    """Read province outlines from any file GDAL reads, in any declared CRS, into WGS 84."""
    import pyogrio
    import shapely

    try:
        meta = pyogrio.read_info(str(path))
        df = pyogrio.read_dataframe(str(path))
    except Exception as exc:  # pyogrio raises DataSourceError and friends
        raise ValidationError(f"cannot read boundaries from {path}: {exc}") from exc
    src_crs = meta.get("crs") or "EPSG:4326"
    out: list[Boundary] = []
    for i, row in enumerate(df.to_dict("records"), 1):
        props = {k: v for k, v in row.items() if k != "geometry"}
        province = _province_for(props)
        label = f"boundary feature {i} ({props.get('shapeName') or props.get('code') or '?'})"
        if province is None:
            raise ValidationError(f"{label}: no known province code or ISO 3166-2 code")
        geom = row["geometry"]
        if geom is None or geom.is_empty:
            raise ValidationError(f"{label}: no geometry")
        if str(src_crs).upper() not in ("EPSG:4326", "OGC:CRS84"):
            geom = geo.transform(geom, str(src_crs), geo.WGS84)
        geom = shapely.force_2d(geom)
        if geom.geom_type not in ("Polygon", "MultiPolygon") or not geom.is_valid:
            raise ValidationError(f"{label}: must be a valid (Multi)Polygon")
        valid_until = props.get("valid_until")
        try:
            valid_until = date.fromisoformat(str(valid_until)[:10]) if valid_until else None
        except ValueError as exc:
            raise ValidationError(f"{label}: valid_until {shown(valid_until)} is not an ISO "
                                  "date", field="valid_until") from exc
        out.append(Boundary(
            code=province.code, name_vi=str(props.get("name_vi") or province.vi),
            name_en=str(props.get("name_en") or province.en), iso_3166_2=province.iso_3166_2,
            geometry=geom, geometry_accuracy=str(props.get("geometry_accuracy") or "digitised"),
            valid_until=valid_until,
            source=str(props.get("source") or Path(path).name)))
    if not out:
        raise ValidationError(f"{path} holds no boundary features")
    codes = [b.code for b in out]
    if len(set(codes)) != len(codes):
        raise ValidationError(f"{path} has more than one outline for a province")
    return out


def replace_boundaries(session: Session, boundaries: list[Boundary]) -> int:
    """Replace every stored outline with these, all or nothing."""
    with transaction(session):
        session.execute(delete(Boundary))
        session.add_all(boundaries)
    return len(boundaries)


def seed_boundaries_if_empty(session: Session, path: str | Path) -> int:
    """Our approximate outlines, unless someone already loaded better ones."""
    if session.scalar(select(Boundary.code).limit(1)) is not None:
        return 0
    return replace_boundaries(session, read_boundaries(path))

