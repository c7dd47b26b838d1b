"""Helpers for the API tests: a real HTTP server in a child process, and comparisons of
exported files read back with GDAL against the database.

The server runs in its own process, not a thread: GDAL (through pyogrio) holds the GIL
while it reads a layer over HTTP, so a server thread in the test process could never answer.
"""

from __future__ import annotations

import math
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from tracker.config import REPO_ROOT

_SERVER = textwrap.dedent("""
    import sys
    from waitress.server import create_server
    from tracker import create_app
    app = create_app({"database_url": sys.argv[1], "today": sys.argv[2],
                      "instance_path": sys.argv[3], "auto_migrate": False})
    server = create_server(app, host="127.0.0.1", port=0, threads=4)
    print(server.effective_port, flush=True)
    server.run()
""")


@contextmanager
def live_server(db_url: str, today: str, instance_path: str) -> Iterator[str]:
    """The app served by waitress on 127.0.0.1 (a free port); yields its base URL."""
    proc = subprocess.Popen([sys.executable, "-c", _SERVER, db_url, today, instance_path],
                            cwd=REPO_ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        port = int(proc.stdout.readline().strip())
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        if proc.stdout is not None:
            proc.stdout.close()


def missing(value: Any) -> bool:
    """None, NaN, NaT or an empty string: how the formats spell 'unknown'."""
    if value is None or value == "":
        return True
    try:
        return bool(value != value) or (isinstance(value, float) and math.isnan(value))
    except (TypeError, ValueError):
        return False


def same_value(expected: Any, got: Any, name: str = "") -> bool:
    """A database value and what a file gave back: numbers compared as numbers (files may
    write integers as text or reals), text exactly, unknown as unknown."""
    if expected is None:
        return missing(got)
    if missing(got):
        return False
    if isinstance(expected, bool):
        return bool(got) == expected
    if isinstance(expected, int):
        return float(got) == float(expected)
    if isinstance(expected, float):
        return math.isclose(float(got), expected, rel_tol=1e-12, abs_tol=1e-9)
    if hasattr(got, "isoformat"):
        got = got.isoformat()
    return str(got) == str(expected)
