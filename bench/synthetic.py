"""Synthetic projects for benchmarks: N projects over the Mekong Delta, 80 % LineStrings of
20–200 vertices, 20 % Points (bridges). Written with Core inserts (fast), with every derived
column computed the way the model computes it, so the database checks still hold."""

from __future__ import annotations

import argparse
from datetime import UTC, date, datetime

import numpy as np
import shapely
from sqlalchemy import insert
from sqlalchemy.orm import Session

from tracker import geo, vocab
from tracker.collation import sort_key
from tracker.models import Project, ProjectProvince, StatusUpdate
from tracker.text import fold

DELTA = (104.6, 8.7, 106.7, 10.9)  # inside the region envelope
CODE_PREFIX = "syn"


def make_rows(n: int, seed: int = 7) -> tuple[list[dict], list[dict], list[dict]]:
    rng = np.random.default_rng(seed)
    statuses = [s.code for s in vocab.STATUSES]
    provinces = [p.code for p in vocab.PROVINCES]
    now = datetime.now(UTC).replace(tzinfo=None)
    projects, provs, updates = [], [], []
    x0, y0, x1, y1 = DELTA
    for i in range(n):
        is_line = rng.random() < 0.8
        start = np.array([rng.uniform(x0 + 0.1, x1 - 0.1), rng.uniform(y0 + 0.1, y1 - 0.1)])
        if is_line:
            k = int(rng.integers(20, 201))
            heading = rng.uniform(0, 2 * np.pi)
            angles = heading + np.cumsum(rng.normal(0, 0.15, k))
            steps = np.column_stack([np.cos(angles), np.sin(angles)]) * 0.001
            coords = np.clip(start + np.cumsum(steps, axis=0), [x0, y0], [x1, y1])
            geom = shapely.LineString(coords)
            kind = "road" if rng.random() < 0.7 else ("expressway" if rng.random() < 0.5
                                                      else "waterway")
        else:
            geom = shapely.Point(start)
            kind = "bridge"
        status = statuses[int(rng.integers(0, len(statuses)))]
        total = int(rng.integers(1, 5000)) * 1_000_000_000 if rng.random() < 0.8 else None
        disbursed = int(total * rng.uniform(0, 1)) if total and rng.random() < 0.7 else None
        progress = float(round(rng.uniform(0, 100), 1)) if rng.random() < 0.7 else None
        planned_end = date(int(rng.integers(2020, 2031)), int(rng.integers(1, 13)), 1)
        code = f"{CODE_PREFIX}-{i:06d}"
        name = f"Dự án tổng hợp số {i} – đường Bốn Tổng {i % 97}"
        minx, miny, maxx, maxy = geom.bounds
        projects.append(dict(
            id=i + 1, code=code, name_vi=name, name_en=f"Synthetic project {i}", kind=kind,
            field="transport", status=status, geometry=geom, geometry_type=geom.geom_type,
            geometry_accuracy="approximate", min_lon=minx, min_lat=miny, max_lon=maxx,
            max_lat=maxy, length_km=geo.length_km(geom), geometry_geojson=geo.geojson_text(geom),
            total_investment_vnd=total,
            disbursed_vnd=disbursed, progress_pct=progress, planned_end=planned_end,
            planned_end_precision="day", governing_body=f"Ban QLDA {i % 13}",
            total_investment_qualifier=None if total is None else "exact",
            search_text=fold(f"{code} {name} Synthetic project {i}"),
            owner_search=fold(f"Ban QLDA {i % 13}"), sort_name_vi=sort_key(name),
            sort_name_en=sort_key(f"Synthetic project {i}"),
            created_at=now, updated_at=now))
        provs.append(dict(project_id=i + 1, province=provinces[i % len(provinces)]))
        updates.append(dict(project_id=i + 1, as_of=date(2024, 1, 1), as_of_precision="day",
                            status=status, progress_pct=progress, disbursed_vnd=disbursed,
                            author="bench", created_at=now))
    return projects, provs, updates


def populate(session: Session, n: int, seed: int = 7, batch: int = 5000) -> None:
    """Insert n synthetic projects into an empty, migrated database."""
    projects, provs, updates = make_rows(n, seed)
    for i in range(0, n, batch):
        session.execute(insert(Project), projects[i:i + batch])
    session.execute(insert(ProjectProvince), provs)
    session.execute(insert(StatusUpdate), updates)
    session.commit()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("n", type=int)
    parser.add_argument("--database-url", required=True)
    args = parser.parse_args()
    from tracker import create_app
    from tracker.db import migrate

    app = create_app({"database_url": args.database_url})
    migrate(app.extensions["tracker"].engine)
    with app.extensions["tracker"].sessions() as s:
        populate(s, args.n)
    print(f"{args.n} synthetic projects written to {args.database_url}")


if __name__ == "__main__":
    main()
