"""The project record, twice: `project_record` from an ORM Project, and the fast path
`select_records` (Core selects with dates and timestamps formatted in SQL and the geometry as
raw WKB, so a page of 10,000 projects costs no ORM objects). tests/queries/test_records.py
compares the two field by field on both databases, so a field added to one and not the other
fails loudly."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import LargeBinary, cast, func, null, select, type_coerce
from sqlalchemy.orm import Session

from tracker import vocab
from tracker.dates import iso_partial
from tracker.db import is_postgres
from tracker.gcpause import gc_paused
from tracker.models import Project, ProjectProvince
from tracker.queries.filter import ProjectFilter
from tracker.queries.provenance import from_links, provenance_fields, select_sources
from tracker.queries.select import (
    apply_filter,
    iso_date_text,
    order_clauses,
    timestamp_text,
)
from tracker.rules import (
    STALE_DAYS,
    days_late,
    disbursement_rate,
    effective_length_km,
    is_stale,
    late_confirmed,
    status_age_days,
)


def status_fields(status: str, as_of: date | None, precision: str | None,
                  planned_end: date | None, late: int | None, today: date,
                  stale_days: int) -> dict[str, Any]:
    """How old the shown status is, and whether a lateness rests on it (tracker.rules)."""
    return {
        "status_as_of": iso_partial(as_of, precision),
        "status_as_of_precision": precision if as_of is not None else None,
        "status_age_days": status_age_days(as_of, today),
        "stale": is_stale(status, as_of, today, stale_days),
        "late_confirmed": late_confirmed(planned_end, as_of, late),
    }


def project_record(p: Project, today: date, stale_days: int = STALE_DAYS) -> dict[str, Any]:
    """The flat attribute set every export and API listing shares (stable names)."""
    late = days_late(p, today)
    return {
        "code": p.code,
        "name_vi": p.name_vi,
        "name_en": p.name_en,
        "kind": p.kind,
        "status": p.status,
        "progress_pct": p.progress_pct,
        "length_km": p.length_km,
        "stated_length_km": p.stated_length_km,
        "length_source": effective_length_km(p.stated_length_km, p.length_km)[1],
        "total_investment_vnd": p.total_investment_vnd,
        "total_investment_basis": p.total_investment_basis,
        "total_investment_as_of": p.total_investment_as_of_iso,
        "total_investment_qualifier": p.total_investment_qualifier,
        "disbursed_vnd": p.disbursed_vnd,
        "disbursement_pct": disbursement_rate(p),
        "planned_start": p.partial_date("planned_start"),
        "planned_end": p.partial_date("planned_end"),
        "actual_start": p.partial_date("actual_start"),
        "actual_end": p.partial_date("actual_end"),
        "days_late": late,
        **status_fields(p.status, p.status_as_of, p.status_as_of_precision, p.planned_end,
                        late, today, stale_days),
        "governing_body": p.governing_body,
        "project_owner": p.project_owner,
        "private_investor": p.private_investor,
        "programme_role": p.programme_role,
        "corridor": p.corridor,
        "provinces": ";".join(p.province_codes),
        **vocab.present_unit_fields(p.province_codes),
        "field": p.field,
        "geometry_accuracy": p.geometry_accuracy,
        "geometry_note": p.geometry_note,
        "geometry_note_en": p.geometry_note_en,
        "updated_at": p.updated_at.isoformat(timespec="seconds") + "Z",
        **from_links(p.code, p.source_links),
    }


@dataclass
class RecordSet:
    """Rows of the fast path: records (as project_record), WKB geometry and bounding boxes,
    aligned by position."""

    records: list[dict[str, Any]]
    wkb: list[bytes | None]
    geojson: list[bytes | None] | None  # stored RFC 7946 geometry (UTF-8), instead of WKB
    bbox: list[tuple[float, float, float, float] | None]
    keys: list[tuple[int, str]]  # (id, updated_at to the microsecond): a version's identity


def _geojson_bytes_column(postgres: bool) -> Any:
    """The stored geometry text as UTF-8 bytes straight from the database (no decode and
    re-encode of every coordinate on the way to the response)."""
    text = Project.__table__.c.geometry_geojson
    if postgres:
        return func.convert_to(text, "UTF8", type_=LargeBinary)
    return cast(text, LargeBinary)


def _wkb_column(postgres: bool) -> Any:
    raw = Project.__table__.c.geometry
    if postgres:
        return func.ST_AsBinary(raw, type_=LargeBinary)
    return type_coerce(raw, LargeBinary)


class _Facts:
    """The few attributes the business-rule functions read, for a plain row."""

    __slots__ = ("planned_end", "status", "disbursed_vnd", "total_investment_vnd")

    def __init__(self, planned_end: date | None, status: str, disbursed: int | None,
                 total: int | None) -> None:
        self.planned_end = planned_end
        self.status = status
        self.disbursed_vnd = disbursed
        self.total_investment_vnd = total


def _partial(text: str | None, precision: str | None) -> str | None:
    if text is None or precision == "day":
        return text
    return iso_partial(date.fromisoformat(text), precision)


def select_records(session: Session, f: ProjectFilter, today: date, *,
                   limit: int | None = None, offset: int = 0,
                   geometry: bool = True, geojson: bool = False, sort: str = "code",
                   desc: bool = False, lang: str = "vi",
                   stale_days: int = STALE_DAYS) -> RecordSet:
    """The selection as project_record dicts (in the table's order for `sort`, by code by
    default), with WKB and bounding boxes; with `geojson`, the stored GeoJSON geometry text
    instead of the WKB."""
    with gc_paused:
        return _select_records(session, f, today, limit=limit, offset=offset,
                               geometry=geometry, geojson=geojson,
                               order=order_clauses(sort, desc, today, lang),
                               stale_days=stale_days)


def _select_records(session: Session, f: ProjectFilter, today: date, *,
                    limit: int | None, offset: int,
                    geometry: bool, geojson: bool, order: list[Any],
                    stale_days: int) -> RecordSet:
    postgres = is_postgres(session)
    p = Project
    columns: list[Any] = [
        p.id, p.code, p.name_vi, p.name_en, p.kind, p.status, p.progress_pct, p.length_km,
        p.stated_length_km, p.total_investment_vnd, p.total_investment_basis,
        iso_date_text(p.total_investment_as_of, postgres), p.total_investment_as_of_precision,
        p.total_investment_qualifier, p.disbursed_vnd,
        iso_date_text(p.planned_start, postgres), p.planned_start_precision,
        iso_date_text(p.planned_end, postgres), p.planned_end_precision,
        iso_date_text(p.actual_start, postgres), p.actual_start_precision,
        iso_date_text(p.actual_end, postgres), p.actual_end_precision,
        p.governing_body, p.project_owner, p.private_investor, p.programme_role, p.corridor,
        p.field, p.geometry_accuracy, p.geometry_note, p.geometry_note_en,
        p.min_lon, p.min_lat, p.max_lon, p.max_lat, timestamp_text(p.updated_at, postgres),
        iso_date_text(p.status_as_of, postgres), p.status_as_of_precision,
        _geojson_bytes_column(postgres) if geojson
        else (_wkb_column(postgres) if geometry else null()),
    ]
    stmt = apply_filter(select(*columns), f, postgres)
    stmt = stmt.order_by(*order).offset(offset)
    if limit is not None:
        stmt = stmt.limit(limit)
    conn = session.connection()  # Core execution: plain tuples, no ORM row processing
    rows = conn.execute(stmt).all()

    provinces: dict[int, list[str]] = {}
    if rows:
        pp = ProjectProvince
        if len(rows) <= 2000:
            which: Any = pp.project_id.in_([r[0] for r in rows])
        else:
            ids = apply_filter(select(p.id), f, postgres)
            which = pp.project_id.in_(ids)
        for pid, province in conn.execute(
                select(pp.project_id, pp.province).where(which).order_by(pp.project_id,
                                                                          pp.province)).all():
            provinces.setdefault(pid, []).append(province)

    sources = select_sources(conn, [r[0] for r in rows])
    records: list[dict[str, Any]] = []
    wkbs: list[bytes | None] = []
    texts: list[bytes | None] = []
    boxes: list[tuple[float, float, float, float] | None] = []
    keys: list[tuple[int, str]] = []
    units: dict[tuple[str, ...], dict[str, str | None]] = {}  # few province sets: memoised
    for (pid, code, name_vi, name_en, kind, status, progress, length, stated, total, basis,
         inv_as_of, inv_prec, qualifier, disbursed, ps, ps_prec, pe, pe_prec, as_, as_prec,
         ae, ae_prec, governing, owner, private, role, corridor,
         field_, accuracy, note, note_en, x0, y0, x1, y1, stamp, st_as_of, st_prec,
         wkb) in rows:
        codes = provinces.get(pid, [])
        key = tuple(codes)
        if key not in units:
            units[key] = vocab.present_unit_fields(codes)
        planned_end = date.fromisoformat(pe) if pe else None
        facts = _Facts(planned_end, status, disbursed, total)
        late = days_late(facts, today)  # type: ignore[arg-type]
        records.append({
            "code": code, "name_vi": name_vi, "name_en": name_en, "kind": kind,
            "status": status, "progress_pct": progress, "length_km": length,
            "stated_length_km": stated,
            "length_source": effective_length_km(stated, length)[1],
            "total_investment_vnd": total, "total_investment_basis": basis,
            "total_investment_as_of": _partial(inv_as_of, inv_prec),
            "total_investment_qualifier": qualifier,
            "disbursed_vnd": disbursed,
            "disbursement_pct": disbursement_rate(facts),  # type: ignore[arg-type]
            "planned_start": _partial(ps, ps_prec), "planned_end": _partial(pe, pe_prec),
            "actual_start": _partial(as_, as_prec), "actual_end": _partial(ae, ae_prec),
            "days_late": late,
            **status_fields(status, date.fromisoformat(st_as_of) if st_as_of else None,
                            st_prec, planned_end, late, today, stale_days),
            "governing_body": governing, "project_owner": owner, "private_investor": private,
            "programme_role": role, "corridor": corridor,
            "provinces": ";".join(codes),
            **units[key], "field": field_,
            "geometry_accuracy": accuracy, "geometry_note": note, "geometry_note_en": note_en,
            "updated_at": f"{stamp[:10]}T{stamp[11:19]}Z",  # as project_record: seconds, UTC
            **provenance_fields(code, sources.get(pid, ())),
        })
        if geojson:
            texts.append(bytes(wkb) if wkb is not None else None)
            wkbs.append(None)
        else:
            wkbs.append(bytes(wkb) if wkb is not None else None)
        boxes.append((x0, y0, x1, y1) if x0 is not None else None)
        keys.append((pid, stamp))
    return RecordSet(records, wkbs, texts if geojson else None, boxes, keys)
