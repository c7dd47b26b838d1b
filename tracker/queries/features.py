"""Encoded GeoJSON features of a selection with a per-process cache keyed by each project's
row version (id, updated_at) and the day: a write through any process is seen at once."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from tracker.formats.geojson import encode_features
from tracker.gcpause import gc_paused
from tracker.queries.filter import ProjectFilter
from tracker.queries.records import select_records
from tracker.queries.select import select_keys
from tracker.rules import STALE_DAYS


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
                    limit: int | None = None, offset: int = 0,
                    cache: FeatureCache | None = None, sort: str = "code", desc: bool = False,
                    lang: str = "vi", stale_days: int = STALE_DAYS) -> list[bytes]:
    """The selection as encoded GeoJSON features (in the order of select_records for the
    same sort), reusing cached ones.

    Without a cache, or when most are missing, it is one select_records; otherwise only the
    projects whose cached feature is missing or stale are read and encoded."""
    with gc_paused:
        order: dict[str, Any] = {"sort": sort, "desc": desc, "lang": lang}
        return _select_features(session, f, today, limit=limit, offset=offset,
                                cache=cache, order=order, stale_days=stale_days)


def _select_features(session: Session, f: ProjectFilter, today: date, *,
                     limit: int | None, offset: int,
                     cache: FeatureCache | None, order: dict[str, Any],
                     stale_days: int) -> list[bytes]:

    if cache is None:
        return encode_features(select_records(session, f, today, limit=limit,
                                              offset=offset, geojson=True,
                                              stale_days=stale_days, **order))
    keys = select_keys(session, f, limit=limit, offset=offset, today=today, **order)
    found = [cache.get((pid, stamp, today)) for pid, _code, stamp in keys]
    missing = [code for (_pid, code, _stamp), data in zip(keys, found, strict=True)
               if data is None]
    if not missing:
        return found  # type: ignore[return-value]
    if 2 * len(missing) > len(keys):
        rs = select_records(session, f, today, limit=limit, offset=offset,
                            geojson=True, stale_days=stale_days, **order)
        encoded = encode_features(rs)
        cache.put_many(((pid, stamp, today), data)
                       for (pid, stamp), data in zip(rs.keys, encoded, strict=True))
        return encoded
    fresh: dict[str, bytes] = {}
    for i in range(0, len(missing), _CHUNK):
        rs = select_records(session, ProjectFilter(codes=tuple(missing[i:i + _CHUNK])), today,
                            geojson=True, stale_days=stale_days)
        encoded = encode_features(rs)
        cache.put_many(((pid, stamp, today), data)
                       for (pid, stamp), data in zip(rs.keys, encoded, strict=True))
        fresh.update((r["code"], data) for r, data in zip(rs.records, encoded, strict=True))
    out = [data if data is not None else fresh.get(code)
           for (_pid, code, _stamp), data in zip(keys, found, strict=True)]
    return [data for data in out if data is not None]  # a project deleted meanwhile is gone
