"""Small inline SVG charts built by our own code: the status bar and the disbursement bars.

Every text that goes into the SVG (labels, numbers, titles) is escaped here, so a chart is
safe to place in a page as it is; colours come from tracker.vocab.
"""

from __future__ import annotations

from html import escape

from tracker import formatting, vocab

WIDTH = 320
BAR = 14


def _t(value: object) -> str:
    return escape(str(value), quote=True)


def status_bar(counts_by_group: list[tuple[str, dict[str, int]]], lang: str, title: str
               ) -> str:
    """One stacked bar per group (label, {status: count}), each status its colour, with a
    legend of the statuses present."""
    present = [s for s in vocab.STATUSES
               if any(counts.get(s.code) for _, counts in counts_by_group)]
    label_w = 110
    height = len(counts_by_group) * (BAR + 8) + 18 + 14 * ((len(present) + 2) // 3)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-status" '
             f'viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" role="img" '
             f'aria-label="{_t(title)}"><title>{_t(title)}</title>']
    y = 4
    for label, counts in counts_by_group:
        total = sum(counts.values())
        parts.append(f'<text x="0" y="{y + BAR - 3}" font-size="9">{_t(label)}</text>')
        x = float(label_w)
        span = WIDTH - label_w - 24
        for s in vocab.STATUSES:
            n = counts.get(s.code, 0)
            if not n:
                continue
            w = span * n / total
            parts.append(f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{BAR}" '
                         f'fill="{_t(s.colour)}"><title>{_t(s.label(lang))}: {n}</title></rect>')
            if w >= 10:
                parts.append(f'<text x="{x + w / 2:.1f}" y="{y + BAR - 3}" font-size="8" '
                             f'text-anchor="middle" fill="#fff">{n}</text>')
            x += w
        parts.append(f'<text x="{WIDTH - 20}" y="{y + BAR - 3}" font-size="9">{total}</text>')
        y += BAR + 8
    y += 6
    for i, s in enumerate(present):
        lx, ly = (i % 3) * (WIDTH // 3), y + (i // 3) * 14
        parts.append(f'<rect x="{lx}" y="{ly}" width="8" height="8" fill="{_t(s.colour)}"/>'
                     f'<text x="{lx + 11}" y="{ly + 7.5}" font-size="8">'
                     f'{_t(s.label(lang))}</text>')
    parts.append("</svg>")
    return "".join(parts)


def disbursement_bars(rows: list[tuple[str, int | None, int | None]], lang: str, title: str
                      ) -> str:
    """Per group (label, disbursed, investment): a grey bar of the investment with the
    disbursed part over it, and the two amounts; unknown amounts say so."""
    label_w = 110
    height = len(rows) * (BAR + 16) + 4
    top = max([v for _, d, t in rows for v in (d, t) if v] or [1])
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-disbursement" '
             f'viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" role="img" '
             f'aria-label="{_t(title)}"><title>{_t(title)}</title>']
    y = 4
    span = WIDTH - label_w - 4
    for label, disbursed, total in rows:
        parts.append(f'<text x="0" y="{y + BAR - 3}" font-size="9">{_t(label)}</text>')
        if total:
            parts.append(f'<rect x="{label_w}" y="{y}" width="{span * total / top:.1f}" '
                         f'height="{BAR}" fill="#d0d4d8"/>')
        if disbursed:
            parts.append(f'<rect x="{label_w}" y="{y + 3}" '
                         f'width="{span * disbursed / top:.1f}" height="{BAR - 6}" '
                         f'fill="#2ca02c"/>')
        words = f"{formatting.vnd(disbursed, lang)} / {formatting.vnd(total, lang)}"
        parts.append(f'<text x="{label_w}" y="{y + BAR + 10}" font-size="8">{_t(words)}</text>')
        y += BAR + 16
    parts.append("</svg>")
    return "".join(parts)
