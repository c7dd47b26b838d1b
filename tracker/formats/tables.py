"""CSV (UTF-8 with BOM, WKT geometry, formula-safe cells) and Excel files of plain records."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

import numpy as np
import shapely

from tracker.fields import FIELDS, RECORD_FIELDS
from tracker.formats.base import LAYER, geometries
from tracker.geo import MAX_DECIMALS

WKT_FIELD = "WKT"  # the name GDAL's CSV driver reads as geometry


XLSX_MAX_CELL = 32767  # characters Excel keeps in one cell
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # what makes a spreadsheet run a cell


def csv_cell(value: Any) -> Any:
    """A value as a CSV cell: text a spreadsheet would run as a formula gets a leading `'`
    (shown as text); numbers stay numbers, so -5 is still -5."""
    if value is None:
        return ""
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
