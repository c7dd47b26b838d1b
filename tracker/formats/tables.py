"""Tables of a selection: CSV (UTF-8 with BOM, formula-safe cells) and XLSX.

Both carry the geometry as WKT (WGS 84) and also as X/Y, the centroid's longitude and
latitude: QGIS's delimited-text import types a WKT layer by its first row and drops the rows
of another type (the bridge among the roads), while X/Y makes every row a point it draws.
A CSV has no place for a file-level record (licence, contact, export time): the API page and
the OpenAPI document say so, and the XLSX carries it in its "Thông tin" sheet."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

import numpy as np
import shapely

from tracker.fields import RECORD_FIELDS, Field
from tracker.formats.base import LAYER, FileInfo, geometries, record_fields
from tracker.geo import MAX_DECIMALS

WKT_FIELD = "WKT"  # the name GDAL's CSV driver reads as geometry
X_FIELD, Y_FIELD = "X", "Y"  # names QGIS's delimited-text import takes as point coordinates
GEOMETRY_COLUMNS = (WKT_FIELD, X_FIELD, Y_FIELD)
INFO_SHEET = "Thông tin"
GEOMETRY_COLUMN_TEXT = (
    (WKT_FIELD, "string", "Hình học WKT (WGS 84); trong Excel trống nếu dài quá 32.767 ký tự",
     "Geometry as WKT (WGS 84); in Excel empty when longer than 32,767 characters"),
    (X_FIELD, "number", "Kinh độ trọng tâm (WGS 84)", "Longitude of the centroid (WGS 84)"),
    (Y_FIELD, "number", "Vĩ độ trọng tâm (WGS 84)", "Latitude of the centroid (WGS 84)"),
)


XLSX_MAX_CELL = 32767  # characters Excel keeps in one cell
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # what makes a spreadsheet run a cell


def csv_cell(value: Any) -> Any:
    """A value as a CSV cell: text a spreadsheet would run as a formula gets a leading `'`
    (shown as text); numbers stay numbers, so -5 is still -5."""
    if value is None:
        return ""
    if isinstance(value, bool):  # as JSON writes it (Python's str would say True/False)
        return "true" if value else "false"
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def records_to_csv(records: Sequence[dict[str, Any]], fields: Sequence[str] = RECORD_FIELDS,
                   bom: bool = False) -> str:
    """Every CSV the tracker writes goes through here, so every cell is `csv_cell`-safe."""
    buf = io.StringIO()
    if bom:
        buf.write("\ufeff")
    writer = csv.DictWriter(buf, fieldnames=list(fields), extrasaction="ignore",
                            lineterminator="\r\n")
    writer.writeheader()
    for r in records:
        writer.writerow({k: csv_cell(r.get(k)) for k in fields})
    return buf.getvalue()


def geometry_columns(wkbs: Sequence[bytes | None]
                     ) -> tuple[list[str | None], list[float | None], list[float | None]]:
    """WKT, X and Y (the centroid, ≤ 7 decimals) of each geometry; None where there is none."""
    geoms = geometries(wkbs)
    n = len(geoms)
    wkts: list[str | None] = [None] * n
    xs: list[float | None] = [None] * n
    ys: list[float | None] = [None] * n
    present = np.array([g is not None for g in geoms], dtype=bool)
    if present.any():
        located = geoms[present]
        texts = shapely.to_wkt(located, rounding_precision=MAX_DECIMALS, trim=True)
        centres = np.round(shapely.get_coordinates(shapely.centroid(located)), MAX_DECIMALS)
        for i, text, (x, y) in zip(np.flatnonzero(present), texts.tolist(), centres.tolist(),
                                   strict=True):
            wkts[i], xs[i], ys[i] = text, x, y
    return wkts, xs, ys


def wkt_texts(wkbs: Sequence[bytes | None]) -> list[str | None]:
    return geometry_columns(wkbs)[0]


def to_csv(records: Sequence[dict[str, Any]], wkbs: Sequence[bytes | None]) -> bytes:
    """CSV, UTF-8 with BOM (Excel shows Vietnamese correctly), every record field, then the
    geometry as WKT and the centroid as X/Y (WGS 84)."""
    names = [f.name for f in record_fields(records)]
    rows = [{**r, WKT_FIELD: w, X_FIELD: x, Y_FIELD: y}
            for r, w, x, y in zip(records, *geometry_columns(wkbs), strict=True)]
    return records_to_csv(rows, (*names, *GEOMETRY_COLUMNS), bom=True).encode("utf-8")


def to_xlsx(records: Sequence[dict[str, Any]], wkbs: Sequence[bytes | None],
            info: FileInfo | None = None) -> bytes:
    """An Excel workbook: sheet `du_an` (one row a project, geometry as WKT and X/Y) and a
    sheet "Thông tin" saying what the file is (export time, licence, contact, filter) and
    describing every column."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    fields: tuple[Field, ...] = record_fields(records)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(LAYER)
    ws.append([*(f.name for f in fields), *GEOMETRY_COLUMNS])

    def cell(value: Any) -> Any:
        if not isinstance(value, str):
            return value
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
        if value.startswith("="):  # text, never a formula
            c = WriteOnlyCell(ws, value=value)
            c.data_type = "s"
            return c
        return value

    for r, wkt, x, y in zip(records, *geometry_columns(wkbs), strict=True):
        if wkt is not None and len(wkt) > XLSX_MAX_CELL:
            wkt = None  # Excel cuts longer cells; the GeoPackage/CSV exports carry it
        ws.append([cell(r[f.name]) for f in fields] + [wkt, x, y])
    meta = wb.create_sheet(INFO_SHEET)
    meta.append(["Thông tin / information", ""])
    for _key, label, value in (info.items() if info else ()):
        meta.append([label, cell(value)])
    meta.append([])
    meta.append(["trường / field", "kiểu / type", "mô tả", "description"])
    for f in fields:
        meta.append([f.name, f.type, f.vi, f.en])
    for name, kind, vi, en in GEOMETRY_COLUMN_TEXT:
        meta.append([name, kind, vi, en])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
