"""The periodic report as an Excel workbook (openpyxl): a sheet per section with Vietnamese
headers (the report's language), numbers as numbers, dates as dates, the header row frozen,
columns as wide as their contents. Stored text never becomes a formula."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

from tracker.reports.words import status_label, text

MAX_WIDTH = 60
SHEET_CHARS = 31  # Excel's limit on a sheet name


def _sheet_name(title: str) -> str:
    for bad in "[]:*?/\\":
        title = title.replace(bad, " ")
    return title[:SHEET_CHARS]


def period_xlsx(doc: Any) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    lang = doc.lang
    wb = Workbook()
    bold = Font(bold=True)

    def write(ws: Any, header: list[str], rows: list[list[Any]], formats: dict[int, str]
              ) -> None:
        ws.append(header)
        for c in ws[1]:
            c.font = bold
        for row in rows:
            ws.append([ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v
                       for v in row])
        for r in ws.iter_rows(min_row=2):  # text stays text, even "=…"
            for i, c in enumerate(r):
                if isinstance(c.value, str):
                    c.data_type = "s"
                if i in formats and c.value is not None:
                    c.number_format = formats[i]
        ws.freeze_panes = "A2"
        for i, col in enumerate(ws.iter_cols(), start=1):
            width = max((len(_shown(c.value)) for c in col), default=8)
            ws.column_dimensions[get_column_letter(i)].width = min(MAX_WIDTH, width + 2)

    info = wb.active
    info.title = _sheet_name(text("period.sheet.info", lang))
    write(info, [doc.title, ""], [[doc.period_text, ""], [doc.filter_text, ""],
                                  [doc.data_as_of_text, ""],
                                  [text("period.info.source", lang), ""],
                                  [text("period.col.day", lang) + " (start)", doc.start],
                                  [text("period.col.day", lang) + " (end)", doc.end]],
          {1: "dd/mm/yyyy"})

    ws = wb.create_sheet(_sheet_name(text("period.sheet.projects", lang)))
    keys = [k for k, _ in doc.project_columns]
    money = {"disbursed_start", "disbursed_end", "investment"}
    pct = {"progress_start", "progress_end"}
    formats = {i: "#,##0" if k in money else "0.0" for i, k in enumerate(keys)
               if k in money | pct}
    write(ws, [h for _, h in doc.project_columns],
          [[status_label(r[k], lang) if k.startswith("status") and r[k] else r[k]
            for k in keys] for r in doc.projects], formats)

    ws = wb.create_sheet(_sheet_name(text("period.sheet.fields", lang)))
    fkeys = [k for k, _ in doc.field_columns]
    write(ws, [h for _, h in doc.field_columns], [[r[k] for k in fkeys] for r in doc.fields],
          {i: "#,##0" for i, k in enumerate(fkeys) if k != "field"})

    for name in ("completed", "started", "slipped", "stale"):
        ws = wb.create_sheet(_sheet_name(text(f"period.sheet.{name}", lang)))
        write(ws, [text("period.col.code", lang), text("period.col.name", lang),
                   text("period.col.day", lang), text("period.col.reason", lang)],
              [[i["code"], i["name"], i["day"], i["reason"]] for i in doc.sections[name]],
              {2: "dd/mm/yyyy"})
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _shown(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return "00/00/0000"
    if isinstance(value, int | float):
        return f"{value:,.1f}"
    return str(value)
