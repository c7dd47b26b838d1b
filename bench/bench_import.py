"""Importing 10,000 features: a GeoPackage in VN-2000 / TM-3 105°00′ (EPSG:5897) written by
GDAL, read, planned and applied in one transaction (one audit entry per project), on a fresh
SQLite file; then the same file again (10,000 unchanged)."""

from __future__ import annotations

import random
import tempfile
import time
from datetime import date
from pathlib import Path

N = int(__import__("os").environ.get("BENCH_IMPORT_N", "10000"))


def _file(folder: Path) -> Path:
    import geopandas as gpd
    from shapely.geometry import LineString

    from tracker import geo

    rnd = random.Random(12)
    rows, geoms = [], []
    for i in range(N):
        lon, lat = rnd.uniform(105.3, 106.0), rnd.uniform(9.5, 10.3)
        rows.append({"ma_du_an": f"bench-{i:05d}", "ten_du_an": f"Đường thử {i}",
                     "loai": "road", "trang_thai": "proposed", "tien_do": 5.0,
                     "do_chinh_xac": "surveyed"})
        geoms.append(LineString([(lon, lat), (lon + 0.01, lat + 0.005), (lon + 0.02, lat)]))
    frame = gpd.GeoDataFrame(rows, geometry=list(geo.transform(geoms, geo.WGS84,
                                                                 "EPSG:5897")),
                             crs="EPSG:5897")
    path = folder / "bench.gpkg"
    frame.to_file(path, driver="GPKG", engine="pyogrio")
    return path


def main() -> None:
    from tracker import create_app
    from tracker.audit import CLI
    from tracker.db import migrate
    from tracker.formats.gdal import read_upload
    from tracker.services.imports import Options, apply_import

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        path = _file(folder)
        app = create_app({"database_url": f"sqlite:///{folder / 'b.db'}",
                          "instance_path": tmp, "today": "2026-11-21"})
        st = app.extensions["tracker"]
        migrate(st.engine)
        data = path.read_bytes()
        for run in ("new", "again"):
            with st.sessions() as s:
                t0 = time.perf_counter()
                read = read_upload(data, path.name, max_bytes=st.settings.max_upload_bytes,
                                   region=st.settings.region_bbox)
                t1 = time.perf_counter()
                plan = apply_import(s, CLI, read, Options(), today=date(2026, 11, 21))
                t2 = time.perf_counter()
            c = plan.counts()
            print(f"import {N:,} features ({run}): read {t1 - t0:.1f} s, plan+apply "
                  f"{t2 - t1:.1f} s, total {t2 - t0:.1f} s; created {c['created']}, "
                  f"unchanged {c['unchanged']}", flush=True)
        st.engine.dispose()


if __name__ == "__main__":
    main()
