"""The reports as PDF (A4 portrait), with ReportLab and the DejaVu Sans TrueType font that
Matplotlib ships (every Vietnamese glyph): pip-installable, no system library.

ReportLab's Paragraph reads a small markup language, so every stored text (names, reasons
that quote statuses, the filter) is escaped before it becomes a Paragraph: stored `<b>` or
`{{ … }}` prints as the characters it is.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from tracker import formatting
from tracker.reports.words import day, status_label, text

FONT, BOLD = "DejaVuSans", "DejaVuSans-Bold"


@lru_cache(maxsize=1)
def register_fonts() -> None:
    import matplotlib
    from reportlab.lib.fonts import addMapping
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    folder = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    pdfmetrics.registerFont(TTFont(FONT, str(folder / "DejaVuSans.ttf")))
    pdfmetrics.registerFont(TTFont(BOLD, str(folder / "DejaVuSans-Bold.ttf")))
    addMapping(FONT, 0, 0, FONT)
    addMapping(FONT, 1, 0, BOLD)


class Writer:
    """A story of flowables in the reports' styles."""

    def __init__(self) -> None:
        register_fonts()
        from reportlab.lib.styles import ParagraphStyle

        self.story: list[Any] = []
        self.body = ParagraphStyle("body", fontName=FONT, fontSize=8, leading=10)
        self.small = ParagraphStyle("small", parent=self.body, fontSize=7, leading=8.6)
        self.h1 = ParagraphStyle("h1", parent=self.body, fontName=BOLD, fontSize=13,
                                 leading=16, spaceAfter=2)
        self.h2 = ParagraphStyle("h2", parent=self.body, fontName=BOLD, fontSize=9.5,
                                 leading=12, spaceBefore=5, spaceAfter=2)
        self.h3 = ParagraphStyle("h3", parent=self.body, fontName=BOLD, fontSize=8,
                                 leading=10, spaceBefore=2)

    def p(self, value: str, style: Any = None) -> Any:
        from reportlab.platypus import Paragraph

        return Paragraph(escape(value), style or self.body)

    def add(self, value: str, style: Any = None) -> None:
        self.story.append(self.p(value, style))

    def table(self, rows: Sequence[Sequence[str]], widths: Sequence[float] | None = None,
              header: bool = True) -> None:
        from reportlab.lib import colors
        from reportlab.platypus import Table, TableStyle

        cells = [[self.p(c, self.small) for c in row] for row in rows]
        t = Table(cells, colWidths=widths, repeatRows=1 if header else 0)
        style = [("GRID", (0, 0), (-1, -1), 0.3, colors.grey),
                 ("VALIGN", (0, 0), (-1, -1), "TOP"),
                 ("TOPPADDING", (0, 0), (-1, -1), 1), ("BOTTOMPADDING", (0, 0), (-1, -1), 1)]
        if header:
            style.append(("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e9ecef")))
        t.setStyle(TableStyle(style))
        self.story.append(t)

    def image(self, png: bytes, width_mm: float) -> None:
        from reportlab.lib.units import mm
        from reportlab.platypus import Image

        img = Image(io.BytesIO(png))
        ratio = img.imageHeight / img.imageWidth
        img.drawWidth, img.drawHeight = width_mm * mm, width_mm * mm * ratio
        self.story.append(img)

    def build(self, title: str, footer: str) -> bytes:
        from reportlab.lib.pagesizes import A4
        from reportlab.lib.units import mm
        from reportlab.platypus import SimpleDocTemplate

        out = io.BytesIO()
        doc = SimpleDocTemplate(out, pagesize=A4, leftMargin=12 * mm, rightMargin=12 * mm,
                                topMargin=11 * mm, bottomMargin=11 * mm, title=title,
                                author="", creator="tracker", subject=title)

        def on_page(canvas: Any, document: Any) -> None:
            canvas.saveState()
            canvas.setFont(FONT, 6.5)
            canvas.drawString(12 * mm, 6 * mm, footer)
            canvas.drawRightString(A4[0] - 12 * mm, 6 * mm, str(document.page))
            canvas.restoreState()

        doc.build(self.story, onFirstPage=on_page, onLaterPages=on_page)
        return out.getvalue()


def printed_line(lang: str) -> str:
    return text("print.printed", lang, time=formatting.moment(datetime.now(UTC), lang))


def _signed(value: Any, fmt: Any, lang: str) -> str:
    if value is None:
        return formatting.no_data(lang)
    if value == 0:
        return text("brief.no_change", lang)
    return ("+" if value > 0 else "−") + fmt(abs(value))


def headline_rows(doc: Any, lang: str) -> list[list[str]]:
    """The headline table of the brief (also the HTML's): a row per figure, a pair of
    columns (as_of, change) per group."""
    groups = [doc.headline[g] for g in ("programme", "related")]
    head = [text("brief.figure", lang)]
    for g in groups:
        head += [text(f"brief.group.{g.group}", lang),
                 text("brief.change_since", lang, date=day(doc.since, lang))]
    rows = [head]

    def n(v: Any) -> str:
        return formatting.number(v, 0, lang)

    def row(label: str, pick: Any, fmt: Any, change_key: str | None,
            shown: Any = None) -> None:
        """`shown(figures)`, when given, writes the as_of cell (a sum with its qualifier)."""
        cells = [label]
        for g in groups:
            value = pick(g.now)
            cells.append(formatting.no_data(lang) if value is None
                         else shown(g.now) if shown else fmt(value))
            change = g.change.get(change_key) if change_key else None
            cells.append(_signed(change, fmt, lang) if change_key else "")
        rows.append(cells)

    row(text("brief.projects", lang), lambda f: f.count, n, "count")
    from tracker import vocab

    for s in vocab.STATUSES:
        if any(g.now.by_status.get(s.code) or g.then.by_status.get(s.code) for g in groups):
            cells = [f"  · {s.label(lang)}"]
            for g in groups:
                cells.append(n(g.now.by_status.get(s.code, 0)))
                cells.append(_signed(g.change["by_status"].get(s.code, 0), n, lang))
            rows.append(cells)
    row(text("brief.investment", lang), lambda f: f.investment_vnd,
        lambda v: formatting.vnd(v, lang), "investment_vnd",
        lambda f: formatting.vnd_qualified(f.investment_vnd, f.investment_qualifier, lang))
    row(text("brief.disbursed", lang), lambda f: f.disbursed_vnd,
        lambda v: formatting.vnd(v, lang), "disbursed_vnd")
    row(text("brief.rate", lang), lambda f: f.disbursement_pct,
        lambda v: formatting.percent(v, lang), "disbursement_pct")
    row(text("brief.km", lang), lambda f: f.km, lambda v: formatting.km(v, lang), "km")
    return rows


def basis_text(figures: Any, lang: str) -> str:
    parts = [f"{text('brief.basis.' + b, lang)}: {n}" for b, n in
             sorted(figures.investment_basis.items())]
    return text("brief.basis", lang, basis="; ".join(parts) or formatting.no_data(lang))


def brief_pdf(doc: Any, map_png: bytes | None) -> bytes:
    from reportlab.lib.units import mm

    lang = doc.lang
    w = Writer()
    w.add(doc.title, w.h1)
    w.add(text("brief.subtitle", lang, as_of=day(doc.as_of, lang), since=day(doc.since, lang)))
    w.add(f"{doc.filter_text} · {doc.data_as_of_text} · {printed_line(lang)}", w.small)
    w.add(text("brief.group.programme", lang) + " / " + text("brief.group.related", lang),
          w.h2)
    w.table(headline_rows(doc, lang), widths=[48 * mm, 34 * mm, 31 * mm, 34 * mm, 31 * mm])
    w.add(" · ".join(f"{text('brief.group.' + g, lang)}: "
                     f"{basis_text(doc.headline[g].now, lang)}"
                     for g in ("programme", "related")), w.small)
    w.add(text("brief.attention", lang), w.h2)
    for kind, items in doc.attention.items():
        if not items:
            continue
        title = text(f"brief.attention.{kind}", lang, days=doc.stale_days)
        w.add(f"{title} ({len(items)})", w.h3)
        for a in doc.printed(items):
            w.add(f"• {a.name} — {a.reason}", w.small)
        if len(items) > len(doc.printed(items)):
            w.add(text("brief.more", lang, n=len(items) - len(doc.printed(items))), w.small)
    if not any(doc.attention.values()):
        w.add(text("brief.attention.none", lang))
    w.add(text("brief.changes", lang, date=day(doc.since, lang)), w.h2)
    if doc.changes:
        for c in doc.printed(doc.changes):
            w.add(f"{day(c.day, lang, c.precision)} · {c.name} — {c.text}", w.small)
        if len(doc.changes) > len(doc.printed(doc.changes)):
            w.add(text("brief.more", lang, n=len(doc.changes) - len(doc.printed(doc.changes))),
                  w.small)
    else:
        w.add(text("brief.changes.none", lang), w.small)
    if map_png:
        w.add(text("brief.map", lang), w.h2)
        w.image(map_png, 120)
        w.add(text("brief.map_note", lang), w.small)
    return w.build(doc.title, f"{doc.title} · {day(doc.as_of, lang)} · {doc.data_as_of_text}")


def period_pdf(doc: Any) -> bytes:
    from reportlab.lib.units import mm

    lang = doc.lang
    w = Writer()
    w.add(doc.title, w.h1)
    w.add(doc.period_text)
    w.add(f"{doc.filter_text} · {doc.data_as_of_text} · {printed_line(lang)}", w.small)
    w.add(text("period.fields", lang), w.h2)
    w.table([[h for _, h in doc.field_columns]] + [[_cell(r[k], k, lang) for k, _ in
                                                     doc.field_columns] for r in doc.fields])
    w.add(text("period.projects", lang), w.h2)
    cols = [c for c in doc.project_columns if c[0] not in ("code", "field")]
    w.table([[h for _, h in cols]] + [[_cell(r[k], k, lang) for k, _ in cols]
                                      for r in doc.projects],
            widths=[46 * mm] + [(186 - 46) / (len(cols) - 1) * mm] * (len(cols) - 1))
    for name in ("completed", "started", "slipped", "stale"):
        items = doc.sections[name]
        w.add(f"{text('period.' + name, lang)} ({len(items)})", w.h2)
        if not items:
            w.add(text("period.none", lang), w.small)
        for item in items:
            w.add(f"• {item['name']} — {item['reason']}", w.small)
    return w.build(doc.title, f"{doc.title} · {doc.period_text}")


def _cell(value: Any, key: str, lang: str) -> str:
    if value is None:
        return "–"
    if key.startswith("status"):
        return status_label(value, lang)
    if key.startswith("disbursed") or key.startswith("investment"):
        return formatting.vnd(value, lang)
    if key.startswith("progress"):
        return formatting.percent(value, lang)
    if isinstance(value, int | float):
        return formatting.number(value, 0, lang)
    return str(value)
