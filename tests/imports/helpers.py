"""Real files for the import tests, written by GDAL (pyogrio), openpyxl and zipfile."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

from tracker.formats.gdal import read_upload

REGION = (104.4, 8.5, 106.9, 11.1)
MB = 1024 * 1024


def write_gis(path: Path, rows: list[dict[str, Any]], geoms: list[Any], crs: str | None,
              driver: str, layer: str | None = None, **options: Any) -> Path:
    import geopandas as gpd
    import pyogrio

    frame = gpd.GeoDataFrame(rows, geometry=geoms, crs=crs)
    pyogrio.write_dataframe(frame, path, driver=driver, layer=layer, **options)
    return path


def zipped(folder: Path, stem: str | None = None) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for p in sorted(folder.iterdir()):
            if stem is None or p.stem == stem:
                zf.write(p, p.name)
    return buf.getvalue()


def read(data: bytes, name: str, **kw: Any) -> Any:
    return read_upload(data, name, max_bytes=kw.pop("max_bytes", 50 * MB), region=REGION,
                       **kw)
