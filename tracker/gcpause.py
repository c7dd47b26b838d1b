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
