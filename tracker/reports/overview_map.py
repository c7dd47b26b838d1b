"""The brief's overview map as a PNG, drawn on the server with GeoPandas and Matplotlib (no
tiles, no browser): the province outlines, the projects coloured by their status on the
brief's day and drawn by kind (tracker.symbology, as on the web map), labels, a scale bar and
a north arrow. Drawn in UTM 48N (EPSG:32648) so the scale bar is true.

Labels are the projects' names, drawn as plain text (Matplotlib's mathtext is off, so a
stored `$…$` stays literal); past LABEL_MAX projects the map carries no labels.
"""

from __future__ import annotations

import io
from dataclasses import replace
from typing import Any

from sqlalchemy.orm import Session

from tracker import symbology, vocab
from tracker.geo import METRIC_CRS
from tracker.queries.filter import ProjectFilter
from tracker.queries.select import boundaries, map_rows
from tracker.rules import display_name

LABEL_MAX = 15
LABEL_CHARS = 34
WIDTH_IN, HEIGHT_IN, DPI = 7.0, 4.6, 150


def _nice_length(span_m: float) -> float:
    """A round scale-bar length of about a fifth of the map's width (in metres)."""
    target = span_m / 5
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 500):
        if step * 1000 >= target:
            return step * 1000.0
    return 500_000.0


def render_map(session: Session, f: ProjectFilter, statuses: dict[str, str], lang: str,
               north: str = "N") -> bytes:
    """The PNG of the projects in `statuses` (code -> status on the brief's day)."""
    import geopandas as gpd
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure

    rows = [r for r in map_rows(session, replace(f, status=())) if r.code in statuses]
    fig = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI)
    ax = fig.add_axes((0.0, 0.0, 1.0, 1.0))
    ax.set_axis_off()
    outlines = boundaries(session)
    if outlines:
        b = gpd.GeoDataFrame({"name": [display_name(o.name_vi, o.name_en, lang)
                                       for o in outlines]},
                             geometry=[o.geometry for o in outlines], crs=4326
                             ).to_crs(METRIC_CRS)
        b.plot(ax=ax, facecolor="#f4f4f0", edgecolor="#666666", linewidth=0.8)
        for name, point in zip(b["name"], b.geometry.representative_point(), strict=True):
            ax.text(point.x, point.y, name, fontsize=6.5, color="#777777", ha="center",
                    va="center", style="italic", usetex=False, parse_math=False)
    if rows:
        g = gpd.GeoDataFrame({"code": [r.code for r in rows],
                              "name": [display_name(r.name_vi, r.name_en, lang) for r in rows],
                              "kind": [r.kind for r in rows],
                              "status": [statuses[r.code] for r in rows],
                              "accuracy": [r.geometry_accuracy for r in rows]},
                             geometry=[r.geometry for r in rows], crs=4326).to_crs(METRIC_CRS)
        looks = [symbology.look(s, k, None) for s, k in zip(g["status"], g["kind"],
                                                            strict=True)]
        g["colour"] = [lk.colour for lk in looks]
        g["weight"] = [max(lk.weight, 1) * 0.45 for lk in looks]
        points = g[g.geom_type.isin(("Point", "MultiPoint"))]
        lines = g[~g.geom_type.isin(("Point", "MultiPoint"))]
        water = lines[lines["kind"] == "waterway"]
        if len(water):
            water.plot(ax=ax, color=symbology.WATER_BLUE, alpha=0.5,
                       linewidth=[w + 1.6 for w in water["weight"]])
        if len(lines):
            lines.plot(ax=ax, color=list(lines["colour"]), linewidth=list(lines["weight"]))
        if len(points):
            points.plot(ax=ax, color=list(points["colour"]), markersize=28,
                        edgecolor=symbology.BRIDGE_OUTLINE, linewidth=0.8, zorder=4)
        if len(g) <= LABEL_MAX:
            for name, point in zip(g["name"], g.geometry.representative_point(), strict=True):
                short = name if len(name) <= LABEL_CHARS else name[:LABEL_CHARS - 1] + "…"
                ax.annotate(short, (point.x, point.y), xytext=(3, 3),
                            textcoords="offset points", fontsize=5.5, color="#111111",
                            zorder=5, annotation_clip=True, parse_math=False)
    if outlines:  # frame the two localities (the expressways run on out of the frame)
        bx0, by0, bx1, by1 = b.total_bounds
        pad = 0.12 * max(bx1 - bx0, by1 - by0)
        ax.set_xlim(bx0 - pad, bx1 + pad)
        ax.set_ylim(by0 - pad, by1 + pad)
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    _scale_bar(ax, x0, x1, y0, y1)
    ax.annotate(north, xy=(0.95, 0.95), xytext=(0.95, 0.84), xycoords="axes fraction",
                ha="center", va="center", fontsize=9, fontweight="bold",
                arrowprops={"arrowstyle": "-|>", "color": "#000000", "linewidth": 1.2},
                parse_math=False)
    _legend(ax, sorted(set(statuses.values()), key=lambda s: vocab.STATUS_BY_CODE[s].order
                       if s in vocab.STATUS_BY_CODE else 99), lang)
    out = io.BytesIO()
    fig.savefig(out, format="png", dpi=DPI, facecolor="white", metadata={"Software": None})
    return out.getvalue()


def _scale_bar(ax: Any, x0: float, x1: float, y0: float, y1: float) -> None:
    length = _nice_length(x1 - x0)
    left = x0 + (x1 - x0) * 0.04
    base = y0 + (y1 - y0) * 0.05
    height = (y1 - y0) * 0.012
    ax.add_patch(_rect((left, base), length / 2, height, "#000000"))
    ax.add_patch(_rect((left + length / 2, base), length / 2, height, "#ffffff"))
    for x, value in ((left, 0), (left + length, length / 1000)):
        ax.text(x, base + height * 2.2, f"{value:g}" + (" km" if value else ""), fontsize=6,
                ha="center", va="bottom", parse_math=False)


def _rect(xy: tuple[float, float], w: float, h: float, colour: str) -> Any:
    from matplotlib.patches import Rectangle

    return Rectangle(xy, w, h, facecolor=colour, edgecolor="#000000", linewidth=0.6,
                     zorder=6)


def _legend(ax: Any, statuses: list[str], lang: str) -> None:
    from matplotlib.lines import Line2D

    handles = [Line2D([0], [0], color=symbology.status_colour(s), linewidth=2.5,
                      label=vocab.STATUS_BY_CODE[s].label(lang) if s in vocab.STATUS_BY_CODE
                      else s) for s in statuses]
    if handles:
        ax.legend(handles=handles, loc="lower right", fontsize=6, frameon=True,
                  framealpha=0.9)
