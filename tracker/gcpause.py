"""Pause Python's cyclic garbage collector while a read builds many acyclic objects (rows,
dicts, encoded features): on 10,000 projects its passes cost a third of the time."""

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
