"""The read API and the OGC API under load, on 10,000 synthetic projects.

Setup (only loopback addresses): a SQLite database with 10,000 synthetic projects
(bench.synthetic), served by TWO processes of `tracker serve` (waitress, 8 threads each) on
two ports of 127.0.0.1; for each endpoint two wrk processes run at once, each with one thread
and 8 connections against one server (together: wrk -t2 -c16 -d15s), and their requests per
second are added. wrk sends no Accept-Encoding (no gzip) and no validators (every answer is a
full 200).

Figures printed:
- requests/s for GeoJSON export and OGC items pages of 1,000 and 100 features, with the
  servers as they run in production (the per-process feature cache warm after the first
  request) and with the feature cache switched off (every request reads and encodes);
- the full GeoJSON export of the 10,000 projects: time over HTTP (one request, served warm),
  time to build it in process (cold: no cache; warm), and orjson's time to dump the same
  FeatureCollection from memory, with the ratios.

Targets: limit=1000 >= 25 requests/s, limit=100 >= 100 requests/s (pygeoapi 0.21 with a
GeoPackage, gunicorn 2 workers: 4.9 and 33); full export within 3x orjson's dump.
Run: `make bench`, or `python -m bench.bench_api [--database-url URL] [--duration S]`.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

from tracker.formats.geojson import collection_bytes

N = 10_000
DURATION = 15
CONNECTIONS = 16
WRK = shutil.which("wrk") or "/usr/bin/wrk"
REPO = Path(__file__).resolve().parent.parent
ENDPOINTS = (  # (label, path, target requests/s)
    ("GeoJSON export, limit=1000", "/api/v1/projects.geojson?limit=1000", 25),
    ("OGC items, limit=1000", "/ogc/collections/projects/items?limit=1000", 25),
    ("GeoJSON export, limit=100", "/api/v1/projects.geojson?limit=100", 100),
    ("OGC items, limit=100", "/ogc/collections/projects/items?limit=100", 100),
)

# The same server `tracker serve` runs (waitress, 8 threads), with the feature cache off.
_NO_CACHE_SERVER = """
import sys, waitress
from tracker import create_app
from tracker.web.adapter import FEATURE_CACHE
app = create_app({"database_url": sys.argv[1]})
app.extensions[FEATURE_CACHE] = None
waitress.serve(app, host="127.0.0.1", port=int(sys.argv[2]), threads=8, ident="tracker")
"""


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as r:
                r.read()
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


@contextmanager
def servers(database_url: str, cache: bool) -> Any:
    """Two server processes on two loopback ports; yields their base URLs."""
    env = {**os.environ, "TRACKER_DATABASE_URL": database_url}
    tracker = str(Path(sys.executable).with_name("tracker"))
    procs, bases = [], []
    try:
        for _ in range(2):
            port = _free_port()
            if cache:
                cmd = [tracker, "serve", "--host", "127.0.0.1", "--port", str(port),
                       "--threads", "8"]
            else:
                cmd = [sys.executable, "-c", _NO_CACHE_SERVER, database_url, str(port)]
            procs.append(subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.DEVNULL,
                                          stderr=subprocess.DEVNULL))
            bases.append(f"http://127.0.0.1:{port}")
        for base in bases:
            _wait(f"{base}/api/v1/projects?limit=1")
        yield bases
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=20)


def _get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=120) as r:
        assert r.status == 200, (url, r.status)
        return bytes(r.read())


def wrk(bases: list[str], path: str, duration: int) -> tuple[float, float, int]:
    """Requests/s (sum over the two servers), mean latency in ms, non-2xx responses."""
    for base in bases:  # warm each server (and check the answer) before measuring
        _get(base + path)
    per = CONNECTIONS // len(bases)
    procs = [subprocess.Popen([WRK, "-t1", f"-c{per}", f"-d{duration}s", "--latency",
                               base + path], stdout=subprocess.PIPE, text=True)
             for base in bases]
    outputs = [proc.communicate()[0] for proc in procs]
    rate = sum(float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore
               for out in outputs)
    errors = sum(int(m.group(1)) for out in outputs
                 for m in [re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)] if m)
    latencies = []
    for out in outputs:
        m = re.search(r"Latency\s+([\d.]+)(us|ms|s)", out)
        if m:
            value = float(m.group(1))
            latencies.append(value / 1000 if m.group(2) == "us" else
                             value * 1000 if m.group(2) == "s" else value)
    return rate, statistics.mean(latencies) if latencies else float("nan"), errors


def _median_time(fn: Any, repeats: int = 5) -> float:
    samples = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t0)
    return statistics.median(samples)


def export_timings(database_url: str) -> dict[str, float]:
    """Full GeoJSON export of every project, in process, against orjson's dump."""
    import orjson

    from tracker import create_app
    from tracker.queries.features import FeatureCache, select_features
    from tracker.queries.figures import selection_stats
    from tracker.queries.filter import ProjectFilter

    app = create_app({"database_url": database_url})
    st = app.extensions["tracker"]
    today = st.today()
    cache = FeatureCache()
    f = ProjectFilter()
    with st.sessions() as s:
        def build(c: FeatureCache | None) -> bytes:
            selection_stats(s, f)
            return collection_bytes(select_features(s, f, today, cache=c))

        body = build(None)
        cold = _median_time(lambda: build(None))
        build(cache)
        warm = _median_time(lambda: build(cache))
    document = orjson.loads(body)  # the same FeatureCollection, as Python objects
    reference = _median_time(lambda: orjson.dumps(document))
    st.engine.dispose()
    return {"cold": cold, "warm": warm, "orjson": reference, "bytes": float(len(body)),
            "features": float(len(document["features"]))}


def populate(database_url: str, n: int) -> None:
    from bench.synthetic import populate as fill
    from tracker import create_app
    from tracker.db import migrate

    app = create_app({"database_url": database_url})
    st = app.extensions["tracker"]
    migrate(st.engine)
    with st.sessions() as s:
        fill(s, n)
    st.engine.dispose()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default="",
                        help="an empty, migrated database (default: a new SQLite file)")
    parser.add_argument("--duration", type=int, default=DURATION, help="seconds per wrk run")
    parser.add_argument("--no-cold", action="store_true",
                        help="skip the runs with the feature cache switched off")
    args = parser.parse_args(argv if argv is not None else [])
    if not Path(WRK).exists():
        print("wrk is not installed (apt-get install wrk); skipping")
        return
    with ExitStack() as stack:
        url = args.database_url
        if not url:
            tmp = stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-api-"))
            url = f"sqlite:///{tmp}/bench.db"
        t0 = time.perf_counter()
        populate(url, N)
        print(f"load average before: {os.getloadavg()[0]:.1f} (other processes share the "
              f"{os.cpu_count()} cores; the figures below depend on it)")
        print(f"{N:,} synthetic projects in {url.split('://')[0]} "
              f"({time.perf_counter() - t0:.1f} s); 2 server processes on 127.0.0.1; "
              f"wrk -t2 -c{CONNECTIONS} -d{args.duration}s split over them", flush=True)

        modes = [("cache", True)] + ([] if args.no_cold else [("no cache", False)])
        results: dict[tuple[str, str], tuple[float, float, int]] = {}
        for mode, cache in modes:
            with servers(url, cache) as bases:
                if cache:
                    full = bases[0] + "/api/v1/projects.geojson"
                    size = len(_get(full))
                    http_time = _median_time(lambda full=full: _get(full))
                for label, path, _target in ENDPOINTS:
                    results[(mode, label)] = wrk(bases, path, args.duration)
                    rate, latency, errors = results[(mode, label)]
                    print(f"  [{mode:8}] {label:28} {rate:8.1f} req/s  mean latency "
                          f"{latency:7.1f} ms" + (f"  ERRORS {errors}" if errors else ""),
                          flush=True)

        print("\nRequests per second (2 processes, wrk -t2 -c16):")
        print(f"  {'endpoint':28} {'target':>7} {'cache':>9}" +
              ("" if args.no_cold else f" {'no cache':>9}") + "  pygeoapi 0.21")
        reference = {1000: 4.9, 100: 33}
        for label, path, target in ENDPOINTS:
            warm_rate = results[("cache", label)][0]
            line = f"  {label:28} {target:>7} {warm_rate:>9.1f}"
            if not args.no_cold:
                line += f" {results[('no cache', label)][0]:>9.1f}"
            limit = 1000 if "1000" in path else 100
            verdict = "ok" if warm_rate >= target else "BELOW TARGET"
            print(f"{line}  {reference[limit]:>12}   {verdict}")

        t = export_timings(url)
        print(f"\nFull GeoJSON export, {int(t['features']):,} projects, "
              f"{t['bytes'] / 1e6:.1f} MB:")
        print(f"  orjson.dumps of the same FeatureCollection in memory: "
              f"{t['orjson'] * 1000:7.1f} ms")
        for name, value in (("built in process, feature cache warm", t["warm"]),
                            ("built in process, no cache (cold)", t["cold"]),
                            ("GET over HTTP (server warm, 1 request)", http_time)):
            ratio = value / t["orjson"]
            print(f"  {name:52} {value * 1000:7.1f} ms  = {ratio:4.1f}x orjson"
                  f"  {'ok' if ratio <= 3 else 'over 3x'}")
        print(f"  (HTTP body {size / 1e6:.1f} MB)")
        print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main(sys.argv[1:])
