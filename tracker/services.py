"""Use cases that change data. Each validates, writes in one transaction, and commits once;
on any error nothing is written."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from tracker import geo, vocab
from tracker.errors import ValidationError
from tracker.formats.seedfile import SeedBundle, read_file
from tracker.models import (
    Boundary,
    FundingLine,
    Project,
    ProjectProvince,
    ProjectSource,
    Source,
    StatusUpdate,
)


@contextmanager
def transaction(session: Session) -> Iterator[Session]:
    """Commit on success; roll back everything and re-raise on failure.

    A constraint the database rejects becomes a ValidationError naming the constraint.
    """
    try:
        yield session
        session.commit()
    except IntegrityError as exc:
        session.rollback()
        raise ValidationError("the database rejected the change",
                              detail=str(exc.orig).splitlines()[0]) from exc
    except BaseException:
        session.rollback()
        raise


@dataclass
class SeedReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    updates_added: int = 0


def _set_if_changed(obj: Any, name: str, value: Any) -> bool:
    if getattr(obj, name) != value:
        setattr(obj, name, value)
        return True
    return False


def _sync_sources(session: Session, bundle: SeedBundle) -> dict[str, Source]:
    existing = {s.key: s for s in session.scalars(select(Source))}
    for rec in bundle.sources.values():
        src = existing.get(rec.key)
        if src is None:
            src = existing[rec.key] = Source(key=rec.key, publisher=rec.publisher)
            session.add(src)
        for name in ("title", "publisher", "published_on", "url", "locator", "note"):
            _set_if_changed(src, name, getattr(rec, name))
    return existing


def apply_seed(session: Session, bundle: SeedBundle) -> SeedReport:
    """Upsert every project of the bundle by code, in one transaction.

    Running it twice changes nothing. Status history is appended, never rewritten: an update
    already present (same date, precision, status and source) is left as it is.
    """
    report = SeedReport()
    with transaction(session):
        sources = _sync_sources(session, bundle)
        codes = [r.code for r in bundle.projects]
        projects = {p.code: p for p in session.scalars(
            select(Project).where(Project.code.in_(codes)).options(
                selectinload(Project.provinces), selectinload(Project.funding_lines),
                selectinload(Project.updates), selectinload(Project.source_links)))}
        for rec in bundle.projects:
            project = projects.get(rec.code)
            is_new = project is None
            if project is None:
                project = Project(code=rec.code, status=rec.updates[-1].status)
                session.add(project)
            changed = False
            for name, value in rec.scalars.items():
                if name == "status":
                    continue  # the current status is derived from the history
                changed |= _set_if_changed(project, name, value)
            if project.geometry is None or rec.geometry is None:
                changed |= _set_if_changed(project, "geometry", rec.geometry)
            elif not project.geometry.equals_exact(rec.geometry, 0):
                project.geometry = rec.geometry
                changed = True

            if project.province_codes != sorted(rec.provinces):
                project.provinces = [ProjectProvince(province=p)
                                     for p in sorted(set(rec.provinces))]
                changed = True

            wanted_links = {(sources[k].key, v) for k, v in rec.sources.items()}
            have_links = {(link.source.key, link.supports) for link in project.source_links}
            if wanted_links != have_links:
                project.source_links = [ProjectSource(source=sources[k], supports=v)
                                        for k, v in sorted(rec.sources.items())]
                changed = True

            def fkey(f: FundingLine) -> tuple[Any, ...]:
                return (f.source_type, f.province, f.amount_vnd, f.budget_year, f.note,
                        f.note_en, f.source.key if f.source else None)

            wanted_funding = [(f.source_type, f.province, f.amount_vnd, f.budget_year, f.note,
                               f.note_en, f.source) for f in rec.funding]
            if [fkey(f) for f in project.funding_lines] != wanted_funding:
                project.funding_lines = [
                    FundingLine(source_type=f.source_type, province=f.province,
                                amount_vnd=f.amount_vnd, budget_year=f.budget_year, note=f.note,
                                note_en=f.note_en, source=sources[f.source] if f.source else None)
                    for f in rec.funding]
                changed = True

            have = {(u.as_of, u.as_of_precision, u.status, u.source.key if u.source else None)
                    for u in project.updates}
            for u in rec.updates:
                if (u.as_of, u.as_of_precision, u.status, u.source) in have:
                    continue
                project.updates.append(StatusUpdate(
                    as_of=u.as_of, as_of_precision=u.as_of_precision, status=u.status,
                    progress_pct=u.progress_pct, disbursed_vnd=u.disbursed_vnd, note=u.note,
                    note_en=u.note_en, author=u.author,
                    source=sources[u.source] if u.source else None))
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


def seed_from_file(session: Session, path: str | Path) -> SeedReport:
    return apply_seed(session, read_file(path))


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
        out.append(Boundary(
            code=province.code, name_vi=str(props.get("name_vi") or province.vi),
            name_en=str(props.get("name_en") or province.en), iso_3166_2=province.iso_3166_2,
            geometry=geom, geometry_accuracy=str(props.get("geometry_accuracy") or "digitised"),
            valid_until=date.fromisoformat(str(valid_until)[:10]) if valid_until else None,
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

