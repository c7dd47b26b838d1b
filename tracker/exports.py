"""Project selections to files other tools read. GeoJSON follows RFC 7946: WGS 84 lon/lat,
at most 7 decimals, numbers as numbers, ISO dates, `id` = code, no `crs` member."""

from __future__ import annotations

import csv
import io
import tempfile
import zipfile
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import shapely

from .geo import MAX_DECIMALS, WGS84, geojson_text, transform
from .models import Project
from .queries import RECORD_FIELDS, project_record


def encode_feature(record: dict[str, Any], geometry: bytes | None) -> bytes:
    """One GeoJSON Feature as JSON text: the record as properties, the stored RFC 7946
    geometry text (Project.geometry_geojson, UTF-8) spliced in as it is."""
    dumps = orjson.dumps
    return (b'{"type":"Feature","id":' + dumps(record["code"]) + b',"geometry":'
            + (geometry if geometry is not None else b"null") + b',"properties":'
            + dumps(record) + b"}")


def project_features(projects: Sequence[Project], today: date) -> list[bytes]:
    """Encoded features of ORM projects (the table's twins, a project's own file)."""
    return [encode_feature(project_record(p, today),
                           p.geometry_geojson.encode() if p.geometry_geojson else None)
            for p in projects]


def to_geojson(projects: Sequence[Project], today: date) -> bytes:
    return collection_bytes(project_features(projects, today))


def geometry_geojson(geom: Any) -> dict[str, Any] | None:
    text = geojson_text(geom)
    if text is None:
        return None
    result: dict[str, Any] = orjson.loads(text)
    return result


def records_to_csv(records: Sequence[dict[str, Any]], fields: Sequence[str] = RECORD_FIELDS,
                   bom: bool = False) -> str:
    buf = io.StringIO()
    if bom:
        buf.write("\ufeff")
    writer = csv.DictWriter(buf, fieldnames=list(fields), extrasaction="ignore",
                            lineterminator="\r\n")
    writer.writeheader()
    for r in records:
        writer.writerow({k: ("" if r.get(k) is None else r.get(k)) for k in fields})
    return buf.getvalue()


# =========================================================================== every GIS format
# The API, the OGC API and `tracker export` write selections from the fast read path
# (tracker.rows: records as project_record gives them, geometry as WKB) to every format GIS
# staff use. GeoJSON, KML and CSV are WGS 84 by definition; GeoPackage and Shapefile carry
# their CRS and may be reprojected (EPSG:3405 VN-2000 / UTM 48N, or any EPSG code).

FORMATS = ("geojson", "gpkg", "shp.zip", "kml", "csv", "xlsx")
CRS_FORMATS = ("gpkg", "shp.zip")
MEDIA_TYPES = {
    "geojson": "application/geo+json",
    "gpkg": "application/geopackage+sqlite3",
    "shp.zip": "application/zip",
    "kml": "application/vnd.google-earth.kml+xml",
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
FILE_STEM = "du-an"  # "projects": du-an-2026-11-21.gpkg
LAYER = "du_an"
GPKG_VERSION = "1.2"  # GDAL 3.6 and QGIS 3.22 warn on every open of 1.4 (newer GDAL's default)
WKT_FIELD = "WKT"  # the name GDAL's CSV driver reads as geometry
XLSX_MAX_CELL = 32767  # characters Excel keeps in one cell

# Shapefile layers by geometry family (a .shp holds one family); projects without geometry
# go to a table of their own (.dbf), so the zip holds every selected project exactly once.
SHP_LAYERS = (("diem", ("Point", "MultiPoint")),
              ("tuyen", ("LineString", "MultiLineString")),
              ("vung", ("Polygon", "MultiPolygon")),
              ("khong-vi-tri", (None,)))



def export_filename(fmt: str, today: date) -> str:
    return f"{FILE_STEM}-{today.isoformat()}.{fmt}"


def geometries(wkbs: Sequence[bytes | None]) -> np.ndarray:
    """Shapely geometries (None where missing), parsed in one vectorised call."""
    arr = np.array(list(wkbs) + [None], dtype=object)[:-1]  # keep bytes as objects
    return shapely.from_wkb(arr)


def encode_features(rs: Any) -> list[bytes]:
    """Each project of a RecordSet read with rows.select_records(geojson=True) as the JSON
    text of its GeoJSON Feature: no coordinate is parsed or formatted again."""
    if rs.geojson is None:
        raise ValueError("encode_features needs the stored geometry text (geojson=True)")
    return [encode_feature(r, g) for r, g in zip(rs.records, rs.geojson, strict=True)]


def collection_bytes(encoded: Sequence[bytes], members: dict[str, Any] | None = None) -> bytes:
    """A FeatureCollection from encoded features; `members` come before "features".
    (One copy of the features' bytes: the collection is joined in a single pass.)"""
    head = orjson.dumps({"type": "FeatureCollection", **(members or {})},
                        option=orjson.OPT_SERIALIZE_NUMPY)[:-1] + b',"features":['
    if not encoded:
        return head + b"]}"
    parts = list(encoded)
    parts[0] = head + parts[0]
    parts[-1] = parts[-1] + b"]}"
    return b",".join(parts)


def dumps(document: Any) -> bytes:
    """JSON bytes for API documents that may hold numpy coordinate arrays or fragments."""
    return orjson.dumps(document, option=orjson.OPT_SERIALIZE_NUMPY)


def _frame(records: Sequence[dict[str, Any]], geoms: Any, crs: str) -> Any:
    """A GeoDataFrame with one typed column a field (nullable integers stay integers)."""
    import geopandas as gpd
    import pandas as pd

    from .fields import FIELDS, pandas_dtype

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
    from .formats import qgis_style

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
    from .fields import DBF_MAX_BYTES, FIELDS

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

    from . import symbology
    from .fields import FIELDS, SHP_NAMES
    from .formats import qgis_style

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
    from .formats import kml

    return kml.to_kml(records, geometries(wkbs))


def wkt_texts(wkbs: Sequence[bytes | None]) -> list[str | None]:
    geoms = geometries(wkbs)
    out: list[str | None] = [None] * len(geoms)
    present = np.array([g is not None for g in geoms], dtype=bool)
    if present.any():
        texts = shapely.to_wkt(geoms[present], rounding_precision=MAX_DECIMALS, trim=True)
        for i, text in zip(np.flatnonzero(present), texts, strict=True):
            out[i] = str(text)
    return out


def to_csv(records: Sequence[dict[str, Any]], wkbs: Sequence[bytes | None]) -> bytes:
    """CSV, UTF-8 with BOM (Excel shows Vietnamese correctly), geometry as WKT (WGS 84)."""
    rows = [{**r, WKT_FIELD: w} for r, w in zip(records, wkt_texts(wkbs), strict=True)]
    return records_to_csv(rows, (*RECORD_FIELDS, WKT_FIELD), bom=True).encode("utf-8")


def to_xlsx(records: Sequence[dict[str, Any]], wkbs: Sequence[bytes | None],
            info: Sequence[tuple[str, Any]] = ()) -> bytes:
    """An Excel workbook: sheet `du_an` (one row a project, geometry as WKT) and a sheet
    `thong_tin` describing the export and every field."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    from .fields import FIELDS

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(LAYER)
    ws.append([*RECORD_FIELDS, WKT_FIELD])

    def cell(value: Any) -> Any:
        if not isinstance(value, str):
            return value
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
        if value.startswith("="):  # text, never a formula
            c = WriteOnlyCell(ws, value=value)
            c.data_type = "s"
            return c
        return value

    for r, wkt in zip(records, wkt_texts(wkbs), strict=True):
        if wkt is not None and len(wkt) > XLSX_MAX_CELL:
            wkt = None  # Excel cuts longer cells; the GeoPackage/CSV exports carry it
        ws.append([cell(r[name]) for name in RECORD_FIELDS] + [wkt])
    meta = wb.create_sheet("thong_tin")
    meta.append(["Thông tin / information", ""])
    for key, value in info:
        meta.append([key, cell(value)])
    meta.append([])
    meta.append(["trường / field", "kiểu / type", "mô tả", "description"])
    for f in FIELDS:
        meta.append([f.name, f.type, f.vi, f.en])
    meta.append([WKT_FIELD, "string", "Hình học WKT (WGS 84), trống nếu dài quá 32.767 ký tự",
                 "Geometry as WKT (WGS 84); empty when longer than 32,767 characters"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def render(fmt: str, records: Sequence[dict[str, Any]], wkbs: Sequence[bytes | None], *,
           today: date, crs: str | None = None,
           info: Sequence[tuple[str, Any]] = ()) -> bytes:
    """The selection as a file of format `fmt` (one of FORMATS except geojson, which is
    encoded from the stored geometry text: encode_features and collection_bytes)."""
    if fmt == "gpkg":
        return to_gpkg(records, wkbs, crs)
    if fmt == "shp.zip":
        return to_shapefile_zip(records, wkbs, today, crs)
    if fmt == "kml":
        return to_kml(records, wkbs)
    if fmt == "csv":
        return to_csv(records, wkbs)
    if fmt == "xlsx":
        return to_xlsx(records, wkbs, info)
    raise ValueError(f"unknown export format {fmt!r}")


def export_selection(session: Any, f: Any, fmt: str, today: date, *, crs: str | None = None,
                     limit: int | None = None, offset: int = 0, cache: Any = None,
                     info: Sequence[tuple[str, Any]] = ()) -> tuple[bytes, int]:
    """The file of format `fmt` for a ProjectFilter, and how many projects it holds: the one
    path behind `/api/v1/projects.<fmt>` and `tracker export`. GeoJSON splices the stored
    geometry text (through the feature cache when given); other formats read WKB."""
    from .rows import select_features, select_records

    if fmt == "geojson":
        encoded = select_features(session, f, today, limit=limit, offset=offset, cache=cache)
        return collection_bytes(encoded), len(encoded)
    rs = select_records(session, f, today, limit=limit, offset=offset)
    lines = [("Xuất ngày / exported on", today.isoformat()),
             ("Số dự án / projects", len(rs.records)), *info]
    return render(fmt, rs.records, rs.wkb, today=today, crs=crs, info=lines), len(rs.records)
