"""The meeting brief on 10,000 synthetic projects (bench.synthetic, SQLite): time to build
the document, its HTML page and JSON twin through the app (test client, no network), the
server-side map PNG, and the PDF (document + map + ReportLab), each the median of a few runs.
The synthetic projects get a second dated update each (progress and disbursement moved), so
the history has changes to find.

Run: `make bench`, or `python -m bench.bench_brief [--n N] [--runs R]`.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import date
from pathlib import Path

from sqlalchemy import insert

from bench.synthetic import populate
from tracker import create_app
from tracker.db import make_engine, migrate
from tracker.models import StatusUpdate

N = 10_000
RUNS = 3


def _time(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=N)
    parser.add_argument("--runs", type=int, default=RUNS)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        engine = make_engine(url)
        migrate(engine)
        engine.dispose()
        app = create_app({"database_url": url, "today": "2026-11-21", "instance_path": tmp})
        st = app.extensions["tracker"]
        with st.sessions() as s:
            populate(s, args.n)
            s.execute(insert(StatusUpdate), [
                {"project_id": i + 1, "as_of": date(2026, 11, 1), "as_of_precision": "day",
                 "status": "under_construction", "progress_pct": 50.0, "disbursed_vnd": None,
                 "author": "bench"} for i in range(0, args.n, 3)])
            s.commit()
        client = app.test_client()

        def get(path: str) -> None:
            r = client.get(path)
            assert r.status_code == 200, (path, r.status_code)

        print(f"{args.n:,} projects, median of {args.runs} runs:")
        for label, path in (("brief HTML (/brief)", "/brief"),
                            ("brief JSON (/brief.json)", "/brief.json"),
                            ("brief map PNG (/brief/map.png)", "/brief/map.png"),
                            ("brief PDF (/brief.pdf)", "/brief.pdf"),
                            ("review JSON (/reports/period.json)", "/reports/period.json"),
                            ("review XLSX (/reports/period.xlsx)", "/reports/period.xlsx")):
            get(path)  # warm: imports, fonts
            print(f"  {label:40s} {_time(lambda p=path: get(p), args.runs):7.2f} s")
        pages = client.get("/brief.pdf").data.count(b"/Type /Page\n") or "?"
        print(f"  brief PDF pages: {pages}")
        st.engine.dispose()


if __name__ == "__main__":
    main()
