"""The map and the status table on 1,000, 10,000 and 100,000 synthetic projects.

For each size it prints:
- /map: bytes of the HTML page (the features are fetched, never inlined);
- features: bytes of /map/features.geojson and the server's time to build it;
- paint: headless Chromium, navigation start -> every feature drawn and painted (median of
  a few loads; the app served for real on 127.0.0.1);
- /projects: median and p95 over REPEATS requests (Flask test client), default order, and
  sorted by investment with a diacritics-free search;
- /map and /projects/<code> throughput: requests per second, one after another for
  THROUGHPUT_S seconds in one process (Flask test client), with the province outlines loaded
  as in production (the page's render time, not the features' download);
and then the growth factor of each figure from one size to the next (10x more projects:
a factor of 10 or less is linear or better; the verdict allows NOISE for a shared machine).

Targets at 10,000: page < 200 KB, paint < 2 s, /projects median < 150 ms.
Run: `make bench`, or `python -m bench.bench_map [N ...] [--no-paint]` for chosen sizes
(--no-paint skips Chromium: the server-side figures only).
"""

from __future__ import annotations

import logging
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

SIZES = (1_000, 10_000, 100_000)
REPEATS = {1_000: 30, 10_000: 30, 100_000: 20}
PAINT_LOADS = {1_000: 3, 10_000: 3, 100_000: 1}
FEATURE_BUILDS = {1_000: 5, 10_000: 3, 100_000: 2}
NOISE = 1.2  # timings on a shared machine wobble: "linear" allows 20 % over the size ratio
THROUGHPUT_S = 5.0
TARGETS = {"page_kb": 200, "paint_s": 2.0, "projects_median_ms": 150}
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def _chromium() -> str | None:
    path = os.environ.get("TRACKER_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    return path if Path(path).exists() else None


def _timings(client: Any, url: str, repeats: int) -> tuple[float, float]:
    client.get(url)  # warm caches and the connection pool
    samples = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        response = client.get(url)
        samples.append((time.perf_counter() - t0) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    samples.sort()
    p95 = samples[min(len(samples) - 1, round(0.95 * (len(samples) - 1)))]
    return statistics.median(samples), p95


def _throughput(client: Any, url: str, seconds: float = THROUGHPUT_S
                ) -> tuple[float, float, float]:
    """Requests per second, median ms and CPU ms per request of `url`, requested back to
    back for `seconds` (CPU time is the figure to compare on a busy shared machine)."""
    client.get(url)  # warm caches
    samples = []
    started, cpu = time.perf_counter(), time.process_time()
    while time.perf_counter() - started < seconds:
        t0 = time.perf_counter()
        response = client.get(url)
        samples.append((time.perf_counter() - t0) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    cpu_ms = (time.process_time() - cpu) * 1000 / len(samples)
    return len(samples) / (time.perf_counter() - started), statistics.median(samples), cpu_ms


def _paint(app: Any, loads: int) -> dict[str, float] | None:
    chromium = _chromium()
    if chromium is None:
        return None
    from playwright.sync_api import sync_playwright
    from werkzeug.serving import make_server

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_port}/map"
    paint, fetch, build, parse = [], [], [], []
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=chromium, headless=True,
                                         args=CHROMIUM_ARGS)
            for _ in range(loads):
                # a fresh context each time: a cold cache, as on a first visit
                context = browser.new_context(viewport={"width": 1400, "height": 900})
                page = context.new_page()
                page.goto(url)
                page.wait_for_function("() => window.trackerMap && window.trackerMap.ready",
                                       timeout=300_000, polling=50)
                figures = page.evaluate("""() => {
                    const r = performance.getEntriesByType('resource')
                        .find((e) => e.name.includes('/map/features.geojson'));
                    const s = window.trackerMap;
                    return {paint: s.readyAt, build: s.buildMs, parsed: s.parsedAt,
                            fetch: r ? r.responseEnd - r.startTime : null,
                            fetchEnd: r ? r.responseEnd : null, count: s.count};
                }""")
                paint.append(figures["paint"])
                build.append(figures["build"])
                parse.append(figures["parsed"] - (figures["fetchEnd"] or figures["parsed"]))
                fetch.append(figures["fetch"] or 0.0)
                context.close()
            browser.close()
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
    return {"paint_ms": statistics.median(paint), "fetch_ms": statistics.median(fetch),
            "parse_ms": statistics.median(parse), "build_ms": statistics.median(build)}


def measure(n: int, paint: bool = True) -> dict[str, Any]:
    from bench.synthetic import CODE_PREFIX, populate
    from tracker import create_app
    from tracker.config import REPO_ROOT
    from tracker.db import migrate
    from tracker.services.seed import seed_boundaries_if_empty

    folder = Path(tempfile.mkdtemp(prefix=f"bench-map-{n}-"))
    try:
        app = create_app({"database_url": f"sqlite:///{folder / 'bench.db'}",
                          "instance_path": str(folder), "today": "2026-11-21",
                          "osm_tiles": False, "tiles_url": ""})
        migrate(app.extensions["tracker"].engine)
        t0 = time.perf_counter()
        with app.extensions["tracker"].sessions() as session:
            populate(session, n)
            seed_boundaries_if_empty(session, REPO_ROOT / "geodata" / "boundaries.geojson")
        populate_s = time.perf_counter() - t0
        client = app.test_client()
        page = client.get("/map")
        assert page.status_code == 200
        builds = []
        for _ in range(FEATURE_BUILDS.get(n, 1)):
            t0 = time.perf_counter()
            features = client.get("/map/features.geojson?lang=vi")  # no ETag: a full build
            body = features.get_data()  # the response streams: time the whole body
            builds.append((time.perf_counter() - t0) * 1000)
        features_ms = statistics.median(builds)
        repeats = REPEATS.get(n, 20)
        table = _timings(client, "/projects", repeats)
        sorted_search = _timings(client, "/projects?q=bon+tong&sort=investment&desc=1", repeats)
        map_rps = _throughput(client, "/map")
        project_rps = _throughput(client, f"/projects/{CODE_PREFIX}-{0:06d}")
        painted = _paint(app, PAINT_LOADS.get(n, 1)) if paint else None
        app.extensions["tracker"].engine.dispose()
        return {"n": n, "populate_s": populate_s, "page_bytes": len(page.data),
                "features_bytes": len(body), "features_ms": features_ms,
                "projects_median_ms": table[0], "projects_p95_ms": table[1],
                "search_median_ms": sorted_search[0], "search_p95_ms": sorted_search[1],
                "repeats": repeats, "paint": painted, "map_rps": map_rps,
                "project_rps": project_rps}
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _print(r: dict[str, Any]) -> None:
    paint = r["paint"]
    print(f"-- {r['n']:,} projects (populated in {r['populate_s']:.1f} s)")
    print(f"   /map HTML               {r['page_bytes'] / 1024:8.1f} KB")
    print(f"   /map/features.geojson   {r['features_bytes'] / 1e6:8.2f} MB, "
          f"built in {r['features_ms']:.0f} ms")
    if paint:
        print(f"   paint in Chromium       {paint['paint_ms'] / 1000:8.2f} s  "
              f"(GeoJSON request {paint['fetch_ms']:.0f} ms, parse {paint['parse_ms']:.0f} ms, "
              f"layers {paint['build_ms']:.0f} ms)")
    else:
        print("   paint in Chromium       skipped (--no-paint, or no Chromium: TRACKER_CHROMIUM)")
    print(f"   /projects               median {r['projects_median_ms']:6.1f} ms, "
          f"p95 {r['projects_p95_ms']:6.1f} ms  ({r['repeats']} requests)")
    for label, key in (("/map", "map_rps"), ("/projects/<code>", "project_rps")):
        rps, median, cpu = r[key]
        print(f"   {label:<23} {rps:6.1f} requests/s (median {median:.1f} ms, "
              f"CPU {cpu:.1f} ms a request)")
    print(f"   /projects?q=&sort=      median {r['search_median_ms']:6.1f} ms, "
          f"p95 {r['search_p95_ms']:6.1f} ms")
    sys.stdout.flush()


def _growth(results: list[dict[str, Any]]) -> None:
    def figures(r: dict[str, Any]) -> dict[str, float]:
        out = {"page bytes": r["page_bytes"], "features bytes": r["features_bytes"],
               "features build": r["features_ms"], "/projects median": r["projects_median_ms"],
               "/projects search median": r["search_median_ms"]}
        if r["paint"]:
            out["paint"] = r["paint"]["paint_ms"]
        return out

    for a, b in zip(results, results[1:], strict=False):
        scale = b["n"] / a["n"]
        fa, fb = figures(a), figures(b)
        parts = [f"{k} x{fb[k] / fa[k]:.1f}" for k in fb if k in fa and fa[k]]
        worst = max((fb[k] / fa[k] for k in fb if k in fa and fa[k]), default=0)
        verdict = "linear or better" if worst <= scale * NOISE else "WORSE THAN LINEAR"
        print(f"-- growth {a['n']:,} -> {b['n']:,} (x{scale:g}): {', '.join(parts)}: {verdict}")


def _targets(results: list[dict[str, Any]]) -> None:
    for r in results:
        if r["n"] != 10_000:
            continue
        checks = [("page < 200 KB", r["page_bytes"] / 1024 < TARGETS["page_kb"]),
                  ("/projects median < 150 ms",
                   r["projects_median_ms"] < TARGETS["projects_median_ms"])]
        if r["paint"]:
            checks.append(("paint < 2 s", r["paint"]["paint_ms"] / 1000 < TARGETS["paint_s"]))
        print("-- targets at 10,000: " + ", ".join(
            f"{name}: {'ok' if ok else 'MISSED'}" for name, ok in checks))


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    sizes = tuple(int(a) for a in args if a.isdigit()) or SIZES
    results = []
    started = time.perf_counter()
    for n in sizes:
        result = measure(n, paint="--no-paint" not in args)
        _print(result)
        results.append(result)
    _growth(results)
    _targets(results)
    print(f"-- bench_map took {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
