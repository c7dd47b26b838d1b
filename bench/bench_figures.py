"""The dashboard's key figures (tracker.queries.figures.summary) on 10,000 synthetic
projects: the totals per programme role, status and kind are now computed by the rules in
Python (stated before measured, a corridor once, province components) from one lean row
query, instead of SQL sums. Printed: the median of 5 runs without a filter and with a
province filter (which also reads the components), on SQLite.

Measured (2026-12-02, 2 shared cores): 1.42 s without a filter and 405 ms with
province=hau-giang, against 1.27 s and 382 ms for the SQL sums before issue 9 (same data, same
machine); most of either is loading the late projects as ORM objects, not the totals.
Target: within 1.25x of the SQL sums.
Run: `make bench`, or `python -m bench.bench_figures [--projects N]`.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import date
from pathlib import Path

from bench.synthetic import populate
from tracker.db import make_engine, migrate
from tracker.queries.figures import summary
from tracker.queries.filter import ProjectFilter


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--projects", type=int, default=10_000)
    args, _ = parser.parse_known_args()
    from sqlalchemy.orm import Session

    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'bench.db'}")
        migrate(engine)
        with Session(engine) as s:
            populate(s, args.projects)
        today = date(2026, 12, 2)
        for label, f in (("no filter", ProjectFilter()),
                         ("province=hau-giang", ProjectFilter(province=("hau-giang",)))):
            times = []
            with Session(engine) as s:
                for _ in range(5):
                    t0 = time.perf_counter()
                    result = summary(s, f, today)
                    times.append(time.perf_counter() - t0)
            print(f"summary, {label}: {statistics.median(times) * 1000:.0f} ms median of 5 "
                  f"({result.total.count:,} projects)", flush=True)
        engine.dispose()


if __name__ == "__main__":
    main()
