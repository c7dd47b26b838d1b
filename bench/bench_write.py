"""The write path under load, on 10,000 synthetic projects.

Setup (only loopback addresses): a database with 10,000 synthetic projects (bench.synthetic)
and one editor with an API token, served by TWO processes of `tracker serve` (waitress, 8
threads each) on two ports of 127.0.0.1, as in bench_api. 16 client threads (each with its
own keep-alive connection, half to each server) loop for the duration: read a random project
(GET, for its ETag), then PATCH its English name with If-Match, or record a status update
(POST .../updates, with If-Match); each write is validated, audited and committed in one
transaction. The latency of each PATCH and each status update is recorded (the GET before it
is not counted); a 412 (another client changed the project in between) is counted apart.

Figures printed:
- p50 / p95 / max latency (ms) of PATCH and of a status update, and writes per second;
- read throughput of GET /api/v1/projects.geojson?limit=100 with no writes, then while the
  16 writers run (wrk -t2 -c8 when wrk is installed, else 8 Python reader threads; the same
  tool for both runs, so the two figures compare).

Run: `make bench`, or `python -m bench.bench_write [--database-url URL] [--duration S]`.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bench.bench_api import WRK, populate, servers
from bench.synthetic import CODE_PREFIX

BENCH_SOURCE = "bench-source"

N = 10_000
DURATION = 15
WRITERS = 16
READERS = 8
READ_PATH = "/api/v1/projects.geojson?limit=100"
STATUSES = ("preparation", "under_construction", "completed")


def _token(database_url: str) -> str:
    """An editor and a token, made as `tracker user add` and `tracker token create` do, and
    the source the status updates cite (every update cites one)."""
    from tracker import auth, create_app
    from tracker.audit import CLI
    from tracker.models import Source

    app = create_app({"database_url": database_url})
    st = app.extensions["tracker"]
    with st.sessions() as s:
        user = auth.create_user(s, CLI, "bench", "Bench editor", "editor", "bench password 1")
        _row, plain = auth.create_token(s, CLI, user, "bench")
        s.add(Source(key=BENCH_SOURCE, publisher="Bench"))
        s.commit()
    st.engine.dispose()
    return plain


class Client:
    """One keep-alive connection to one server."""

    def __init__(self, base: str, token: str) -> None:
        parts = urlsplit(base)
        self.conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
        self.auth = {"Authorization": f"Bearer {token}"}

    def call(self, method: str, path: str, body: Any = None,
             headers: dict[str, str] | None = None) -> tuple[int, Any, bytes]:
        data = json.dumps(body).encode() if body is not None else None
        all_headers = {**self.auth, **(headers or {})}
        if data is not None:
            all_headers["Content-Type"] = "application/json"
        self.conn.request(method, path, body=data, headers=all_headers)
        r = self.conn.getresponse()
        return r.status, r.headers, r.read()


def writer(base: str, token: str, seed: int, stop: threading.Event,
           out: dict[str, list[float]], counts: dict[str, int], lock: threading.Lock) -> None:
    rng = random.Random(seed)
    client = Client(base, token)
    n = 0
    while not stop.is_set():
        code = f"{CODE_PREFIX}-{rng.randrange(N):06d}"
        url = f"/api/v1/projects/{code}"
        status, headers, _ = client.call("GET", url)
        assert status == 200, (url, status)
        tag = headers["ETag"]
        n += 1
        if n % 2:
            kind, method, path = "patch", "PATCH", url
            body: dict[str, Any] = {"name_en": f"Synthetic project {code} (edit {n})"}
        else:
            kind, method, path = "update", "POST", f"{url}/updates"
            body = {"as_of": f"2026-{rng.randint(1, 11):02d}-{rng.randint(1, 28):02d}",
                    "status": rng.choice(STATUSES), "progress_pct": rng.randint(0, 100),
                    "note": "bench", "source": BENCH_SOURCE}
        t0 = time.perf_counter()
        status, _h, answer = client.call(method, path, body, {"If-Match": tag})
        elapsed = (time.perf_counter() - t0) * 1000
        with lock:
            if status in (200, 201):
                out[kind].append(elapsed)
            elif status == 412:
                counts["412"] += 1
            else:
                counts["errors"] += 1
                counts.setdefault(f"{status} {answer[:200]!r}", 0)


def _python_readers(bases: list[str], duration: float) -> float:
    """Requests/s of READ_PATH from READERS threads (keep-alive), for `duration` s."""
    stop = threading.Event()
    done = [0] * READERS

    def read(i: int) -> None:
        parts = urlsplit(bases[i % len(bases)])
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
        while not stop.is_set():
            conn.request("GET", READ_PATH)
            r = conn.getresponse()
            r.read()
            assert r.status == 200
            done[i] += 1

    threads = [threading.Thread(target=read, args=(i,)) for i in range(READERS)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    time.sleep(duration)
    stop.set()
    for t in threads:
        t.join()
    return sum(done) / (time.perf_counter() - t0)


def _wrk(bases: list[str], duration: int) -> float:
    import re

    per = max(1, READERS // len(bases))
    procs = [subprocess.Popen([WRK, "-t1", f"-c{per}", f"-d{duration}s", base + READ_PATH],
                              stdout=subprocess.PIPE, text=True) for base in bases]
    outputs = [p.communicate()[0] for p in procs]
    return sum(float(re.search(r"Requests/sec:\s+([\d.]+)", o).group(1))  # type: ignore
               for o in outputs)


def read_rate(bases: list[str], duration: int) -> tuple[float, str]:
    if Path(WRK).exists():
        return _wrk(bases, duration), f"wrk -t{len(bases)} -c{READERS}"
    return _python_readers(bases, duration), f"{READERS} Python reader threads"


def _pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default="",
                        help="an empty, migrated database (default: a new SQLite file)")
    parser.add_argument("--duration", type=int, default=DURATION, help="seconds per phase")
    args = parser.parse_args(argv if argv is not None else [])
    with ExitStack() as stack:
        url = args.database_url
        if not url:
            tmp = stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-write-"))
            url = f"sqlite:///{tmp}/bench.db"
        t0 = time.perf_counter()
        populate(url, N)
        token = _token(url)
        print(f"load average before: {os.getloadavg()[0]:.1f} (other processes share the "
              f"{os.cpu_count()} cores; the figures below depend on it)")
        print(f"{N:,} synthetic projects in {url.split('://')[0]} "
              f"({time.perf_counter() - t0:.1f} s); 2 server processes on 127.0.0.1; "
              f"{WRITERS} writer threads for {args.duration} s", flush=True)
        bases = stack.enter_context(servers(url, cache=True))
        for base in bases:  # warm: the feature cache and each process' first request
            Client(base, token).call("GET", READ_PATH)
        alone, tool = read_rate(bases, args.duration)

        stop = threading.Event()
        lock = threading.Lock()
        latencies: dict[str, list[float]] = {"patch": [], "update": []}
        counts: dict[str, int] = {"412": 0, "errors": 0}
        threads = [threading.Thread(target=writer, args=(bases[i % 2], token, i, stop,
                                                         latencies, counts, lock))
                   for i in range(WRITERS)]
        started = time.perf_counter()
        for t in threads:
            t.start()
        time.sleep(1)  # the writers under way before the readers start
        during, _tool = read_rate(bases, args.duration)
        stop.set()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - started

        written = sum(len(v) for v in latencies.values())
        print(f"\nWrites ({WRITERS} clients, If-Match, audited, one transaction each): "
              f"{written} in {elapsed:.1f} s = {written / elapsed:.1f} writes/s; "
              f"412 (changed in between): {counts['412']}; other errors: {counts['errors']}")
        print(f"  {'':22} {'count':>6} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
        for kind, label in (("patch", "PATCH a project"), ("update", "status update")):
            values = latencies[kind]
            print(f"  {label:22} {len(values):>6} {_pct(values, 0.5):>8.1f} "
                  f"{_pct(values, 0.95):>8.1f} {max(values, default=float('nan')):>8.1f}")
        if counts["errors"]:
            print("  errors:", {k: v for k, v in counts.items() if k not in ("412", "errors")})
        print(f"\nReads of {READ_PATH} ({tool}):")
        print(f"  no writes        {alone:8.1f} req/s")
        print(f"  while 16 write   {during:8.1f} req/s  ({during / alone:.0%} of it)")
        print(f"load average after: {os.getloadavg()[0]:.1f}")
        if statistics.mean([len(v) for v in latencies.values()]) == 0:
            sys.exit("no write succeeded")


if __name__ == "__main__":
    main(sys.argv[1:])
