"""GIS files of a selection: GeoPackage 1.2, zipped Shapefiles, KML.

Each GeoPackage layer and each Shapefile holds one geometry family (tracker.formats.base:
QGIS and ArcGIS draw only the type a layer declares), projects without a geometry go to an
attributes-only table, and the layers together hold every selected project exactly once.
Each file carries its card (FileInfo: export time, licence, contact, filter): the
GeoPackage in gpkg_metadata (GDAL's metadata, referenced from the whole GeoPackage), the
Shapefile zip in README.txt, the KML in its Document's description and ExtendedData.
"""

from __future__ import annotations

import io
import tempfile
import zipfile
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from tracker.fields import DBF_MAX_BYTES, Field, pandas_dtype
from tracker.formats import kml, qgis_style
from tracker.formats.base import (
    FAMILIES,
    FILE_STEM,
    NO_GEOMETRY_LAYER,
    Family,
    FileInfo,
    geometries,
    record_fields,
    split_by_family,
)
from tracker.formats.tables import to_csv
from tracker.geo import WGS84, transform

SHP_NO_GEOMETRY = "khong-vi-tri"  # du-an-2026-11-21-khong-vi-tri.dbf
GPKG_VERSION = "1.2"  # GDAL 3.6 and QGIS 3.22 warn on every open of 1.4 (newer GDAL's default)


def _frame(records: Sequence[dict[str, Any]], geoms: Any, crs: str,
           fields: Sequence[Field]) -> Any:
    """A GeoDataFrame with one typed column a field (nullable integers stay integers)."""
    import geopandas as gpd
    import pandas as pd

    columns = {f.name: pd.array([r[f.name] for r in records], dtype=pandas_dtype(f))
               for f in fields}
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


def _layers(geoms: np.ndarray) -> list[tuple[Family | None, np.ndarray]]:
    """The families to write; an empty selection still gives a (line) layer to open."""
    return split_by_family(geoms) or [(FAMILIES[0], np.zeros(len(geoms), dtype=bool))]


def gpkg_metadata(info: FileInfo) -> dict[str, str]:
    """The card as GDAL metadata items (GDAL stores them in gpkg_metadata, referenced from
    the whole GeoPackage; ogrinfo and QGIS's Information tab show them)."""
    return {key.upper(): str(value) for key, value in info.as_dict().items()}


def _layer_text(family: Family | None) -> tuple[str, str]:
    if family is None:
        return ("Dự án hạ tầng chưa có vị trí",
                "Cần Thơ – Hậu Giang infrastructure projects not located yet (no geometry)")
    return (f"Dự án hạ tầng ({family.vi})",
            f"Cần Thơ – Hậu Giang infrastructure projects: {family.en} "
            f"({', '.join(family.types)})")


def to_gpkg(records: Sequence[dict[str, Any]], wkbs: Sequence[bytes | None],
            crs: str | None = None, info: FileInfo | None = None) -> bytes:
    """A GeoPackage 1.2 in `crs` (default WGS 84): a layer per geometry family present
    (du_an_tuyen, du_an_diem, du_an_vung; one declared type each, with the web map's look as
    its default QGIS style in `layer_styles`), the attributes-only table du_an_khong_vi_tri
    for projects without a geometry, and the file's card in gpkg_metadata."""
    fields = record_fields(records)
    geoms = reproject(geometries(wkbs), crs)
    frame = _frame(records, geoms, crs or WGS84, fields)
    styled: list[tuple[str, Sequence[str]]] = []
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "export.gpkg"
        for i, (family, mask) in enumerate(_layers(geoms)):
            identifier, description = _layer_text(family)
            options: dict[str, Any] = {
                "driver": "GPKG", "dataset_options": {"VERSION": GPKG_VERSION},
                "layer_options": {"IDENTIFIER": identifier, "DESCRIPTION": description}}
            if i == 0 and info is not None:
                options["dataset_metadata"] = gpkg_metadata(info)
            if family is None:
                import pandas as pd

                _write(pd.DataFrame(frame[mask].drop(columns="geometry")), path,
                       layer=NO_GEOMETRY_LAYER, **options)
                continue
            present = {g.geom_type for g in geoms[mask]}
            declared = family.declared_type(present)
            _write(frame[mask], path, layer=family.layer, geometry_type=declared,
                   promote_to_multi=declared == family.types[1], **options)
            styled.append((family.layer, (family.key,)))
        qgis_style.store_in_geopackage(path, styled)
        return path.read_bytes()


def fit_dbf(text: str, limit: int = 254) -> str:
    """Text that fits a dBase character field (254 bytes of UTF-8), cut on a character
    boundary and marked with '…' when it had to be shortened."""
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    cut = data[: limit - len("…".encode())].decode("utf-8", errors="ignore")
    return cut + "…"


def shapefile_readme(base: str, crs: str | None, layers: Sequence[str],
                     fields: Sequence[Field], info: FileInfo | None = None) -> str:
    """README.txt of the zip: the file's card, its layers and the field names."""
    width = max(22, *(len(f.name) + 2 for f in fields))  # the names column, the longest fits
    lines = [
        "Dự án hạ tầng Cần Thơ – Hậu Giang / Cần Thơ – Hậu Giang infrastructure projects",
        "",
        *(info.text_lines() if info else ()),
        "",
        f"Hệ tọa độ / CRS: {crs or WGS84} (.prj); mã hóa / encoding: UTF-8 (.cpg)",
        "Mỗi tệp .shp chỉ chứa một loại hình học / a .shp holds one geometry family:",
        *(f"  {name}" for name in layers),
        "  -diem = điểm / points, -tuyen = tuyến / lines, -vung = vùng / areas,",
        f"  -{SHP_NO_GEOMETRY}.dbf = dự án chưa có vị trí / projects without a geometry.",
        "Kiểu hiển thị như bản đồ web / styled as on the web map: <tên>.qml (QGIS tự áp dụng /",
        "  QGIS applies it on open), <tên>.sld (SLD 1.0).",
        "",
        f"Trường văn bản dài hơn {DBF_MAX_BYTES} byte bị cắt (kết thúc bằng …); đầy đủ trong",
        f"{base}.csv (UTF-8, WKT, X/Y). Text longer than {DBF_MAX_BYTES} bytes is cut (ending "
        f"in …);",
        f"the full values are in {base}.csv.",
        "",
        "Tên trường (≤ 10 ký tự) / field names (≤ 10 characters):",
        f"{'shapefile':<11}{'API / GeoJSON':<{width}}mô tả / description",
    ]
    lines += [f"{f.shp:<11}{f.name:<{width}}{f.vi} / {f.en}" for f in fields]
    return "\r\n".join(lines) + "\r\n"


def to_shapefile_zip(records: Sequence[dict[str, Any]], wkbs: Sequence[bytes | None],
                     today: date, crs: str | None = None, info: FileInfo | None = None
                     ) -> bytes:
    """A zip of Shapefiles (one per geometry family; UTF-8 .cpg, .prj, the web map's look as
    .qml and .sld), a .dbf of the projects without a geometry, a README with the file's card
    and the ≤10-character field mapping, and the CSV export holding the full, uncut text."""
    import pandas as pd

    fields = record_fields(records)
    shp_names = {f.name: f.shp for f in fields}
    style_columns = {k: shp_names[k] for k in qgis_style.RECORD_COLUMNS}
    base = f"{FILE_STEM}-{today.isoformat()}"
    geoms = reproject(geometries(wkbs), crs)
    frame = _frame(records, geoms, crs or WGS84, fields)
    for f in fields:
        if f.type == "string":
            frame[f.name] = [fit_dbf(v) if isinstance(v, str) else v for v in frame[f.name]]
    frame = frame.rename(columns=shp_names)
    written: list[str] = []
    buf = io.BytesIO()
    with tempfile.TemporaryDirectory() as tmp, \
            zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for family, mask in _layers(geoms):
            part = frame[mask]
            options: dict[str, Any] = {"layer_options": {"ENCODING": "UTF-8"}}
            if family is None:
                name = f"{base}-{SHP_NO_GEOMETRY}"
                path = Path(tmp) / f"{name}.dbf"
                part = pd.DataFrame(part.drop(columns="geometry"))
            else:
                name = f"{base}-{family.suffix}"
                path = Path(tmp) / f"{name}.shp"
                present = {g.geom_type for g in geoms[mask]}
                # a Shapefile line or polygon is always multi-part; a point layer is not
                options["geometry_type"] = "Point" if present == {"Point"} else family.types[1]
            _write(part, path, driver="ESRI Shapefile", **options)
            if family is not None:  # QGIS opens <name>.qml with <name>.shp
                drawn = (family.key,)
                (Path(tmp) / f"{name}.qml").write_text(
                    qgis_style.qml(drawn, style_columns), encoding="utf-8")
                (Path(tmp) / f"{name}.sld").write_text(
                    qgis_style.sld(name, drawn, style_columns), encoding="utf-8")
            for member in sorted(Path(tmp).glob(f"{name}.*")):
                zf.write(member, member.name)
            written.append(path.name)
        zf.writestr(f"{base}.csv", to_csv(records, wkbs))
        zf.writestr("README.txt", shapefile_readme(base, crs, written, fields, info)
                    .encode("utf-8"))
    return buf.getvalue()


def to_kml(records: Sequence[dict[str, Any]], wkbs: Sequence[bytes | None],
           info: FileInfo | None = None) -> bytes:
    """KML (WGS 84) styled like the web map: see tracker.formats.kml."""
    return kml.to_kml(records, geometries(wkbs), info)
