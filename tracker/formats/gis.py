"""GeoPackage and Shapefile files of plain records (any CRS, VN-2000 through geo.transformer),
styled as the web map for QGIS; KML through formats.kml."""

from __future__ import annotations

import io
import tempfile
import zipfile
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from tracker import symbology
from tracker.fields import DBF_MAX_BYTES, FIELDS, SHP_NAMES, pandas_dtype
from tracker.formats import kml, qgis_style
from tracker.formats.base import FILE_STEM, LAYER, geometries
from tracker.formats.tables import to_csv
from tracker.geo import WGS84, transform

# Shapefile layers by geometry family (a .shp holds one family); projects without geometry
# go to a table of their own (.dbf), so the zip holds every selected project exactly once.
SHP_LAYERS = (("diem", ("Point", "MultiPoint")),
              ("tuyen", ("LineString", "MultiLineString")),
              ("vung", ("Polygon", "MultiPolygon")),
              ("khong-vi-tri", (None,)))
GPKG_VERSION = "1.2"  # GDAL 3.6 and QGIS 3.22 warn on every open of 1.4 (newer GDAL's default)


def _frame(records: Sequence[dict[str, Any]], geoms: Any, crs: str) -> Any:
    """A GeoDataFrame with one typed column a field (nullable integers stay integers)."""
    import geopandas as gpd
    import pandas as pd

    columns = {f.name: pd.array([r[f.name] for r in records], dtype=pandas_dtype(f))
               for f in FIELDS}
    return gpd.GeoDataFrame(columns, geometry=list(geoms), crs=crs)


def reproject(geoms: np.ndarray, crs: str | None) -> np.ndarray:
    """WGS 84 geometries in `crs` ('EPSG:3405'); VN-2000 through EPSG:6960 (geo.transformer)."""
    if crs is None or crs == WGS84:
        return geoms
    present = np.array([g is not None for g in geoms], dtype=bool)
    out = geoms.copy()
    if present.any():
        out[present] = transform(geoms[present], WGS84, crs)
    return out


def _write(frame: Any, path: Path, **options: Any) -> None:
    import pyogrio

    pyogrio.write_dataframe(frame, path, **options)


def _geometry_type(geoms: np.ndarray) -> str:
    kinds = {g.geom_type for g in geoms if g is not None}
    return kinds.pop() if len(kinds) == 1 else "Unknown"


def to_gpkg(records: Sequence[dict[str, Any]], wkbs: Sequence[bytes | None],
            crs: str | None = None) -> bytes:
    """A GeoPackage 1.2 with one layer `du_an` in `crs` (default WGS 84), every attribute,
    and the web map's look as its default QGIS style (`layer_styles`)."""

    geoms = reproject(geometries(wkbs), crs)
    frame = _frame(records, geoms, crs or WGS84)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "export.gpkg"
        _write(frame, path, layer=LAYER, driver="GPKG", geometry_type=_geometry_type(geoms),
               promote_to_multi=False,
               dataset_options={"VERSION": GPKG_VERSION},
               layer_options={"IDENTIFIER": "Dự án hạ tầng", "DESCRIPTION":
                              "Cần Thơ – Hậu Giang infrastructure projects"})
        qgis_style.store_in_geopackage(path, LAYER, qgis_style.families_of(
            [g.geom_type if g is not None else None for g in geoms]))
        return path.read_bytes()


def fit_dbf(text: str, limit: int = 254) -> str:
    """Text that fits a dBase character field (254 bytes of UTF-8), cut on a character
    boundary and marked with '…' when it had to be shortened."""
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    cut = data[: limit - len("…".encode())].decode("utf-8", errors="ignore")
    return cut + "…"


def shapefile_readme(base: str, crs: str | None, layers: Sequence[str]) -> str:

    lines = [
        "Dự án hạ tầng Cần Thơ – Hậu Giang / Cần Thơ – Hậu Giang infrastructure projects",
        "",
        f"Hệ tọa độ / CRS: {crs or WGS84} (.prj); mã hóa / encoding: UTF-8 (.cpg)",
        "Mỗi tệp .shp chỉ chứa một loại hình học / a .shp holds one geometry family:",
        *(f"  {name}" for name in layers),
        "  -diem = điểm / points, -tuyen = tuyến / lines, -vung = vùng / areas,",
        "  -khong-vi-tri.dbf = dự án chưa có vị trí / projects without a geometry.",
        "Kiểu hiển thị như bản đồ web / styled as on the web map: <tên>.qml (QGIS tự áp dụng /",
        "  QGIS applies it on open), <tên>.sld (SLD 1.0).",
        "",
        f"Trường văn bản dài hơn {DBF_MAX_BYTES} byte bị cắt (kết thúc bằng …); đầy đủ trong",
        f"{base}.csv (UTF-8, WKT). Text longer than {DBF_MAX_BYTES} bytes is cut (ending in …);",
        f"the full values are in {base}.csv.",
        "",
        "Tên trường (≤ 10 ký tự) / field names (≤ 10 characters):",
        f"{'shapefile':<11}{'API / GeoJSON':<22}mô tả / description",
    ]
    lines += [f"{f.shp:<11}{f.name:<22}{f.vi} / {f.en}" for f in FIELDS]
    return "\r\n".join(lines) + "\r\n"


def to_shapefile_zip(records: Sequence[dict[str, Any]], wkbs: Sequence[bytes | None],
                     today: date, crs: str | None = None) -> bytes:
    """A zip of Shapefiles (one per geometry family; UTF-8 .cpg, .prj), a README with the
    ≤10-character field mapping, and the CSV export holding the full, uncut text."""
    import pandas as pd


    style_columns = {k: SHP_NAMES[k] for k in qgis_style.RECORD_COLUMNS}
    base = f"{FILE_STEM}-{today.isoformat()}"
    geoms = reproject(geometries(wkbs), crs)
    frame = _frame(records, geoms, crs or WGS84)
    for f in FIELDS:
        if f.type == "string":
            frame[f.name] = [fit_dbf(v) if isinstance(v, str) else v for v in frame[f.name]]
    frame = frame.rename(columns={f.name: f.shp for f in FIELDS})
    types = np.array([g.geom_type if g is not None else None for g in geoms], dtype=object)
    layers = [(suffix, family, np.array([t in family for t in types], dtype=bool))
              for suffix, family in SHP_LAYERS]
    layers = [layer for layer in layers if layer[2].any()] or [layers[1]]  # empty: lines
    written: list[str] = []
    buf = io.BytesIO()
    with tempfile.TemporaryDirectory() as tmp, \
            zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for suffix, family, mask in layers:
            name = f"{base}-{suffix}"
            part = frame[mask]
            options: dict[str, Any] = {"layer_options": {"ENCODING": "UTF-8"}}
            if family == (None,):
                path = Path(tmp) / f"{name}.dbf"
                part = pd.DataFrame(part.drop(columns="geometry"))
            else:
                path = Path(tmp) / f"{name}.shp"
                present = set(types[mask])
                options["geometry_type"] = "Point" if present == {"Point"} else family[-1]
            _write(part, path, driver="ESRI Shapefile", **options)
            if family != (None,):  # QGIS opens <name>.qml with <name>.shp
                drawn = (symbology.family_of(family[0]) or "line",)
                (Path(tmp) / f"{name}.qml").write_text(
                    qgis_style.qml(drawn, style_columns), encoding="utf-8")
                (Path(tmp) / f"{name}.sld").write_text(
                    qgis_style.sld(name, drawn, style_columns), encoding="utf-8")
            for member in sorted(Path(tmp).glob(f"{name}.*")):
                zf.write(member, member.name)
            written.append(path.name)
        zf.writestr(f"{base}.csv", to_csv(records, wkbs))
        zf.writestr("README.txt", shapefile_readme(base, crs, written).encode("utf-8"))
    return buf.getvalue()


def to_kml(records: Sequence[dict[str, Any]], wkbs: Sequence[bytes | None]) -> bytes:
    """KML (WGS 84) styled like the web map: see tracker.formats.kml."""

    return kml.to_kml(records, geometries(wkbs))
