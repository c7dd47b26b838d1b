"""The fast read path: selections as plain records, for the API, the OGC API and the exports.

Core selects return plain values, with dates and timestamps formatted in SQL and the geometry
as raw WKB, so a page of 10,000 projects costs no ORM objects. `select_records` returns exactly
what `queries.project_record` returns for the same projects, in the same order; the filter is
the same `ProjectFilter`, applied by the same SQL. The record is spelled out here again for
speed (2-3x faster than building ORM objects); tests/test_api_rows.py compares the two on both
databases, field by field, so a field added to project_record and not here fails loudly.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import LargeBinary, Select, String, cast, func, null, or_, select, type_coerce
from sqlalchemy.orm import Session

from . import vocab
from .dates import iso_partial
from .db import is_postgres
from .models import Project, ProjectProvince
from .queries import ProjectFilter, days_late, disbursement_rate
from .queries import apply_filter as where_filter  # one filtering rule for every view
from .queries import order_clauses as order_by_sort  # one ordering rule for table and API


class _GcPaused:
    """Pause the cyclic garbage collector while many acyclic objects are built (rows, dicts,
    encoded features): on 10,000 projects its passes over the growing heap cost a third of
    the time. Reentrant and thread-safe: the collector resumes when the last user leaves."""

    def __init__(self) -> None:
        self._users = 0
        self._lock = threading.Lock()
        self._was_enabled = False

    def __enter__(self) -> None:
        with self._lock:
            if self._users == 0:
                self._was_enabled = gc.isenabled()
                gc.disable()
            self._users += 1

    def __exit__(self, *_exc: object) -> None:
        with self._lock:
            self._users -= 1
            if self._users == 0 and self._was_enabled:
                gc.enable()


gc_paused = _GcPaused()


@dataclass(frozen=True)
class Period:
    """A date interval (the OGC `datetime` parameter); None at either end = unbounded.

    A project's own period runs from its start (actual, else planned) to its end (actual,
    else planned); a missing end is open. A project with neither date matches no period.
    """

    start: date | None = None
    end: date | None = None


def project_period_columns() -> tuple[Any, Any]:
    return (func.coalesce(Project.actual_start, Project.planned_start),
            func.coalesce(Project.actual_end, Project.planned_end))


def _where_period(stmt: Select[Any], period: Period | None) -> Select[Any]:
    if period is None:
        return stmt
    start, end = project_period_columns()
    stmt = stmt.where(or_(start.is_not(None), end.is_not(None)))
    if period.end is not None:
        stmt = stmt.where(or_(start.is_(None), start <= period.end))
    if period.start is not None:
        stmt = stmt.where(or_(end.is_(None), end >= period.start))
    return stmt


@dataclass(frozen=True)
class SelectionStats:
    """What identifies the state of a selection cheaply: any insert, edit or delete in it
    changes at least one of these (edits move updated_at; deletes change count and id_sum)."""

    count: int
    last_updated: datetime | None
    id_sum: int

    def fingerprint(self) -> str:
        stamp = self.last_updated.isoformat() if self.last_updated else "-"
        return f"{self.count}:{stamp}:{self.id_sum}"


def selection_stats(session: Session, f: ProjectFilter, period: Period | None = None
                    ) -> SelectionStats:
    """Count, latest update and id checksum of the selection, in one small query."""
    stmt = select(func.count(Project.id), func.max(Project.updated_at),
                  func.coalesce(func.sum(Project.id), 0))
    stmt = _where_period(where_filter(stmt, f, is_postgres(session)), period)
    row = session.execute(stmt).one()
    return SelectionStats(int(row[0]), row[1], int(row[2]))


@dataclass
class RecordSet:
    """Rows of the fast path: records (as project_record), WKB geometry and bounding boxes,
    aligned by position."""

    records: list[dict[str, Any]]
    wkb: list[bytes | None]
    geojson: list[bytes | None] | None  # stored RFC 7946 geometry (UTF-8), instead of WKB
    bbox: list[tuple[float, float, float, float] | None]
    keys: list[tuple[int, str]]  # (id, updated_at to the microsecond): a version's identity


def _iso_date_text(column: Any, postgres: bool) -> Any:
    return func.to_char(column, "YYYY-MM-DD") if postgres else cast(column, String)


def _timestamp_text(column: Any, postgres: bool) -> Any:
    """'2026-11-21 08:30:00.123456': the stored timestamp as text, to the microsecond (a
    version's identity for the feature cache; the record shows its first 19 characters)."""
    if postgres:
        return func.to_char(column, "YYYY-MM-DD HH24:MI:SS.US")
    return type_coerce(column, String)


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
                   period: Period | None = None, limit: int | None = None, offset: int = 0,
                   geometry: bool = True, geojson: bool = False) -> RecordSet:
    """The selection as project_record dicts (sorted by code), with WKB and bounding boxes;
    with `geojson`, the stored GeoJSON geometry text instead of the WKB."""
    with gc_paused:
        return _select_records(session, f, today, period=period, limit=limit, offset=offset,
                               geometry=geometry, geojson=geojson)


def _select_records(session: Session, f: ProjectFilter, today: date, *,
                    period: Period | None, limit: int | None, offset: int,
                    geometry: bool, geojson: bool = False) -> RecordSet:
    postgres = is_postgres(session)
    p = Project
    columns: list[Any] = [
        p.id, p.code, p.name_vi, p.name_en, p.kind, p.status, p.progress_pct, p.length_km,
        p.stated_length_km, p.total_investment_vnd, p.disbursed_vnd,
        _iso_date_text(p.planned_start, postgres), p.planned_start_precision,
        _iso_date_text(p.planned_end, postgres), p.planned_end_precision,
        _iso_date_text(p.actual_start, postgres), p.actual_start_precision,
        _iso_date_text(p.actual_end, postgres), p.actual_end_precision,
        p.owner, p.investor, p.field, p.geometry_accuracy, p.geometry_note, p.geometry_note_en,
        p.min_lon, p.min_lat, p.max_lon, p.max_lat, _timestamp_text(p.updated_at, postgres),
        _geojson_bytes_column(postgres) if geojson
        else (_wkb_column(postgres) if geometry else null()),
    ]
    stmt = _where_period(where_filter(select(*columns), f, postgres), period)
    stmt = stmt.order_by(*order_by_sort("code", False)).offset(offset)
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
            ids = _where_period(where_filter(select(p.id), f, postgres), period)
            which = pp.project_id.in_(ids)
        for pid, province in conn.execute(
                select(pp.project_id, pp.province).where(which).order_by(pp.project_id,
                                                                          pp.province)).all():
            provinces.setdefault(pid, []).append(province)

    records: list[dict[str, Any]] = []
    wkbs: list[bytes | None] = []
    texts: list[bytes | None] = []
    boxes: list[tuple[float, float, float, float] | None] = []
    keys: list[tuple[int, str]] = []
    units: dict[tuple[str, ...], str | None] = {}  # few distinct province sets: memoised
    for (pid, code, name_vi, name_en, kind, status, progress, length, stated, total,
         disbursed, ps, ps_prec, pe, pe_prec, as_, as_prec, ae, ae_prec, owner, investor,
         field_, accuracy, note, note_en, x0, y0, x1, y1, stamp, wkb) in rows:
        codes = provinces.get(pid, [])
        key = tuple(codes)
        if key not in units:
            units[key] = ";".join(vocab.current_units(codes)) or None
        facts = _Facts(date.fromisoformat(pe) if pe else None, status, disbursed, total)
        records.append({
            "code": code, "name_vi": name_vi, "name_en": name_en, "kind": kind,
            "status": status, "progress_pct": progress, "length_km": length,
            "stated_length_km": stated, "total_investment_vnd": total,
            "disbursed_vnd": disbursed,
            "disbursement_pct": disbursement_rate(facts),  # type: ignore[arg-type]
            "planned_start": _partial(ps, ps_prec), "planned_end": _partial(pe, pe_prec),
            "actual_start": _partial(as_, as_prec), "actual_end": _partial(ae, ae_prec),
            "days_late": days_late(facts, today),  # type: ignore[arg-type]
            "owner": owner, "investor": investor,
            "provinces": ";".join(codes),
            "current_unit": units[key], "field": field_,
            "geometry_accuracy": accuracy, "geometry_note": note, "geometry_note_en": note_en,
            "updated_at": f"{stamp[:10]}T{stamp[11:19]}Z",  # as project_record: seconds, UTC
        })
        if geojson:
            texts.append(bytes(wkb) if wkb is not None else None)
            wkbs.append(None)
        else:
            wkbs.append(bytes(wkb) if wkb is not None else None)
        boxes.append((x0, y0, x1, y1) if x0 is not None else None)
        keys.append((pid, stamp))
    return RecordSet(records, wkbs, texts if geojson else None, boxes, keys)


def projects_extent(session: Session) -> tuple[tuple[float, float, float, float] | None,
                                               tuple[date | None, date | None] | None]:
    """Bounding box of every project geometry and the span of their periods (None: none)."""
    start, end = project_period_columns()
    x0, y0, x1, y1, t0, t1 = session.execute(select(
        func.min(Project.min_lon), func.min(Project.min_lat), func.max(Project.max_lon),
        func.max(Project.max_lat), func.min(start), func.max(end))).one()
    bbox = (float(x0), float(y0), float(x1), float(y1)) if x0 is not None else None
    span = (t0, t1) if (t0 is not None or t1 is not None) else None
    return bbox, span


def select_keys(session: Session, f: ProjectFilter, *, period: Period | None = None,
                limit: int | None = None, offset: int = 0) -> list[tuple[int, str, str]]:
    """(id, code, updated_at) of the selection, in the order of select_records: what a cached
    representation of each project is checked against."""
    p = Project
    postgres = is_postgres(session)
    stmt = _where_period(where_filter(select(p.id, p.code, _timestamp_text(p.updated_at,
                                                                           postgres)),
                                      f, postgres), period)
    stmt = stmt.order_by(*order_by_sort("code", False)).offset(offset)
    if limit is not None:
        stmt = stmt.limit(limit)
    return [tuple(r) for r in session.connection().execute(stmt).all()]  # type: ignore[misc]


class FeatureCache:
    """Encoded GeoJSON features, by (project id, updated_at, today).

    A project's feature only changes when its row does (every edit moves updated_at, to the
    microsecond) or when the day changes (days_late), so a cached feature is valid exactly as
    long as its key matches the database. Bounded in entries and in bytes: the oldest go
    first. One cache per app (process); thread-safe for waitress's threads.
    """

    def __init__(self, max_items: int = 50_000, max_bytes: int = 256 * 2**20) -> None:
        self.max_items = max_items
        self.max_bytes = max_bytes
        self.size = 0  # bytes held
        self._items: dict[tuple[int, str, date], bytes] = {}
        self._latest: dict[int, tuple[int, str, date]] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._items)

    def get(self, key: tuple[int, str, date]) -> bytes | None:
        return self._items.get(key)

    def _drop(self, key: tuple[int, str, date]) -> None:
        data = self._items.pop(key, None)
        if data is not None:
            self.size -= len(data)
        if self._latest.get(key[0]) == key:
            del self._latest[key[0]]

    def put_many(self, items: Iterable[tuple[tuple[int, str, date], bytes]]) -> None:
        with self._lock:
            for key, data in items:
                old = self._latest.get(key[0])
                if old is not None:
                    self._drop(old)  # the same or an older version of the project
                self._items[key] = data
                self._latest[key[0]] = key
                self.size += len(data)
            while self._items and (len(self._items) > self.max_items
                                   or self.size > self.max_bytes):
                self._drop(next(iter(self._items)))

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._latest.clear()
            self.size = 0


_CHUNK = 5000  # codes per IN (...) list: well below SQLite's limit on bound parameters


def select_features(session: Session, f: ProjectFilter, today: date, *,
                    period: Period | None = None, limit: int | None = None, offset: int = 0,
                    cache: FeatureCache | None = None) -> list[bytes]:
    """The selection as encoded GeoJSON features (sorted by code), reusing cached ones.

    Without a cache, or when most are missing, it is one select_records; otherwise only the
    projects whose cached feature is missing or stale are read and encoded."""
    with gc_paused:
        return _select_features(session, f, today, period=period, limit=limit, offset=offset,
                                cache=cache)


def _select_features(session: Session, f: ProjectFilter, today: date, *,
                     period: Period | None, limit: int | None, offset: int,
                     cache: FeatureCache | None) -> list[bytes]:
    from .exports import encode_features

    if cache is None:
        return encode_features(select_records(session, f, today, period=period, limit=limit,
                                              offset=offset, geojson=True))
    keys = select_keys(session, f, period=period, limit=limit, offset=offset)
    found = [cache.get((pid, stamp, today)) for pid, _code, stamp in keys]
    missing = [code for (_pid, code, _stamp), data in zip(keys, found, strict=True)
               if data is None]
    if not missing:
        return found  # type: ignore[return-value]
    if 2 * len(missing) > len(keys):
        rs = select_records(session, f, today, period=period, limit=limit, offset=offset,
                            geojson=True)
        encoded = encode_features(rs)
        cache.put_many(((pid, stamp, today), data)
                       for (pid, stamp), data in zip(rs.keys, encoded, strict=True))
        return encoded
    fresh: dict[str, bytes] = {}
    for i in range(0, len(missing), _CHUNK):
        rs = select_records(session, ProjectFilter(codes=tuple(missing[i:i + _CHUNK])), today,
                            geojson=True)
        encoded = encode_features(rs)
        cache.put_many(((pid, stamp, today), data)
                       for (pid, stamp), data in zip(rs.keys, encoded, strict=True))
        fresh.update((r["code"], data) for r, data in zip(rs.records, encoded, strict=True))
    out = [data if data is not None else fresh.get(code)
           for (_pid, code, _stamp), data in zip(keys, found, strict=True)]
    return [data for data in out if data is not None]  # a project deleted meanwhile is gone
