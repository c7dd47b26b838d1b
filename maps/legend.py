"""The map's legend: status colours and kind symbols as HTML (inline SVG), every label
escaped (Markup.format escapes its arguments). Part of the map's frame: labels come from the
translation catalogue, never from stored data."""

from __future__ import annotations

from collections.abc import Mapping

from markupsafe import Markup

from . import styles


def _line_symbol(colour: str, weight: int, dash: str | None = None,
                 opacity: float = styles.OPACITY) -> Markup:
    dash_attr = Markup(' stroke-dasharray="{}"').format(dash) if dash else Markup("")
    return Markup(
        '<svg class="tm-symbol" width="34" height="14" viewBox="0 0 34 14" aria-hidden="true">'
        '<line x1="2" y1="7" x2="32" y2="7" stroke="{}" stroke-width="{}" stroke-opacity="{}"'
        ' stroke-linecap="round"{}/></svg>').format(colour, weight, opacity, dash_attr)


def _water_symbol(weight: int, dash: str | None) -> Markup:
    return Markup(
        '<svg class="tm-symbol" width="34" height="14" viewBox="0 0 34 14" aria-hidden="true">'
        '<line x1="2" y1="7" x2="32" y2="7" stroke="{}" stroke-width="{}" '
        'stroke-linecap="round"/>'
        '<line x1="2" y1="7" x2="32" y2="7" stroke="#555" stroke-width="{}"'
        ' stroke-dasharray="{}"/></svg>').format(styles.WATER_BLUE, weight + 4, max(weight - 2, 2),
                                                 dash or "6 4")


def _marker_symbol(fill: str = "#888", opacity: float = styles.OPACITY) -> Markup:
    return Markup(
        '<svg class="tm-symbol" width="34" height="16" viewBox="0 0 34 16" aria-hidden="true">'
        '<circle cx="17" cy="8" r="{}" fill="{}" fill-opacity="{}" stroke="{}" '
        'stroke-width="2"/></svg>').format(styles.BRIDGE_RADIUS - 1, fill, opacity,
                                           styles.BRIDGE_OUTLINE)


def legend_markup(labels: Mapping[str, str], lang: str, element_id: str,
                  kinds: tuple[str, ...]) -> Markup:
    """The legend's HTML: every label escaped (Markup.format escapes its arguments)."""
    status_items = Markup("").join(
        Markup('<li><span class="tm-swatch" style="background-color:{}"></span>{}</li>').format(
            s["colour"], s["label"]) for s in styles.status_styles(lang).values())
    kind_items = []
    for code, k in styles.kind_styles(lang).items():
        if code not in kinds:
            continue
        if k["symbol"] == "marker":
            symbol = _marker_symbol()
        elif k["symbol"] == "water":
            symbol = _water_symbol(k["weight"], k["dash"])
        else:
            symbol = _line_symbol("#555", k["weight"], k["dash"])
        kind_items.append(Markup('<li data-kind="{}">{}{}</li>').format(code, symbol,
                                                                        k["label"]))
    approx = Markup("<li>{}{}</li>").format(
        _line_symbol("#555", 5, None, styles.APPROXIMATE_OPACITY), labels["legend_approximate"])
    return Markup(
        '<div id="{}" class="tm-legend" data-lang="{}">'
        '<details open><summary>{}</summary>'
        '<div class="tm-legend-title">{}</div><ul>{}</ul>'
        '<div class="tm-legend-title">{}</div><ul>{}{}</ul>'
        '</details></div>').format(
            element_id, lang, labels["legend_title"], labels["legend_status"], status_items,
            labels["legend_kind"], Markup("").join(kind_items), approx)
