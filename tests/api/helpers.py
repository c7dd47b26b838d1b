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
                      "instance_path": sys.argv[3]})
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
    if isinstance(expected, bool):  # text formats write true/false (CSV) or 1/0 (KML)
        if isinstance(got, str):
            return got.strip().lower() in (("true", "1") if expected else ("false", "0"))
        return bool(got) == expected
    if isinstance(expected, int):
        return float(got) == float(expected)
    if isinstance(expected, float):
        return math.isclose(float(got), expected, rel_tol=1e-12, abs_tol=1e-9)
    if hasattr(got, "isoformat"):
        got = got.isoformat()
    return str(got) == str(expected)


def read_export(path: str, fmt: str) -> tuple[list[dict[str, Any]], list[Any], dict[str, Any]]:
    """An exported file read back with GDAL (pyogrio) as (rows by record field name,
    geometries, facts about the file). Shapefile names are mapped back through the
    README's table; Shapefile text cut at 254 bytes is compared against the CSV alongside.
    The layers of a GeoPackage and the Shapefiles of a zip (one a geometry family) are read
    one after the other."""
    import zipfile

    import pyogrio
    import shapely

    from tracker.fields import FIELDS

    facts: dict[str, Any] = {}
    if fmt == "shp.zip":
        with zipfile.ZipFile(path) as zf:
            names = zf.namelist()
            facts["members"] = names
            facts["readme"] = zf.read("README.txt").decode("utf-8")
            facts["cpg"] = {n: zf.read(n).decode() for n in names if n.endswith(".cpg")}
        from tracker.formats.base import CLIP_FIELDS

        back = {f.shp: f.name for f in (*FIELDS, *CLIP_FIELDS)}
        rows: list[dict[str, Any]] = []
        geoms: list[Any] = []
        facts["layers"] = {}
        for name in sorted(n for n in names if n.endswith(".shp") or (
                n.endswith(".dbf") and n[:-4] + ".shp" not in names)):
            info = pyogrio.read_info(f"/vsizip/{path}/{name}")
            facts["layers"][name] = info
            df = pyogrio.read_dataframe(f"/vsizip/{path}/{name}")
            for row in df.to_dict("records"):
                geoms.append(row.pop("geometry", None))
                rows.append({back[k]: v for k, v in row.items()})
        return rows, geoms, facts
    if fmt == "gpkg":  # a layer per geometry family and a table of the unlocated
        layers = [name for name, _type in pyogrio.list_layers(path) if name != "layer_styles"]
        facts["layers"] = {name: pyogrio.read_info(path, layer=name) for name in layers}
        facts["info"] = next(iter(facts["layers"].values()))
        rows, geoms = [], []
        wanted = [f.name for f in FIELDS]
        for name in layers:
            for row in pyogrio.read_dataframe(path, layer=name).to_dict("records"):
                geoms.append(row.pop("geometry", None))
                rows.append({k: row.get(k) for k in wanted} | {"_layer": name, "_extra": {
                    k: v for k, v in row.items() if k not in wanted}})
        return rows, geoms, facts
    options: dict[str, Any] = {}
    if fmt == "geojson":
        options["DATE_AS_STRING"] = "YES"  # keep ISO text as text
    if fmt == "xlsx":
        options.update(layer="du_an", HEADERS="FORCE")
    info = pyogrio.read_info(path, **{k: v for k, v in options.items()})
    facts["info"] = info
    df = pyogrio.read_dataframe(path, **options)
    rows = []
    geoms = []
    wanted = [f.name for f in FIELDS]
    for row in df.to_dict("records"):
        geometry = row.pop("geometry", None)
        if fmt == "xlsx":
            wkt = row.get("WKT")
            geometry = None if missing(wkt) else shapely.from_wkt(wkt)
        geoms.append(geometry)
        rows.append({k: row.get(k) for k in wanted} | {"_extra": {
            k: v for k, v in row.items() if k not in wanted}})
    return rows, geoms, facts


def same_geometry(got: Any, expected: Any, tolerance: float = 1e-7) -> bool:
    """Equal within `tolerance` (degrees here), whatever the ring orientation, vertex start or
    single/multi wrapping a format imposes (a Shapefile has no single-part line type)."""
    import shapely

    def parts(g: Any) -> list[Any]:
        pieces = shapely.get_parts(shapely.force_2d(g))
        return sorted((shapely.normalize(p) for p in pieces), key=lambda p: p.bounds)

    a, b = parts(got), parts(expected)
    return len(a) == len(b) and all(
        x.geom_type == y.geom_type and x.equals_exact(y, tolerance)
        for x, y in zip(a, b, strict=True))
