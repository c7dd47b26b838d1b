"""The planners' map, built with Folium: pure functions (no database, no Flask).

Folium builds the frame: the Leaflet map, the basemap choices (OpenStreetMap, an internal tile
server, none), one overlay per project kind, the province outlines, the layer control, the
legend and the initial view. The projects themselves are drawn in the browser by
tracker-map.js, either fetched from a GeoJSON URL (the page stays small however many projects
are selected) or passed inline (one project, on its own page).

Everything reaches the browser escaped: HTML through markupsafe, JSON inside <script> through
Jinja's tojson (which escapes <, >, & and '), and the popups are DOM nodes filled with
textContent. Assets are the app's own URLs, never a CDN.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import folium
from folium.map import Layer
from folium.template import Template
from markupsafe import Markup, escape

from tracker import vocab

from . import styles

# Translated strings the map shows (keys of MapOptions.labels). "drawn" contains {n}.
LABEL_KEYS = (
    "basemap_osm", "basemap_osm_attribution", "basemap_internal",
    "basemap_internal_attribution", "basemap_none",
    "boundaries", "legend_title", "legend_status", "legend_kind", "legend_approximate",
    "popup_status", "popup_progress", "popup_investment", "popup_disbursed", "popup_planned",
    "popup_owner", "popup_accuracy", "popup_open", "popup_approximate_note", "popup_loading",
    "no_data",
    "search_label", "search_placeholder", "search_none", "loading", "load_error", "drawn",
    "simplified",
    "focus_missing",
)
DEFAULT_VIEW = (9.93, 105.62)  # Cần Thơ – Hậu Giang, when nothing selected has a geometry
DEFAULT_ZOOM = 10
FIT_MAX_ZOOM = 15


@dataclass(frozen=True)
class Assets:
    """URLs of the scripts and styles the map needs, served by the app itself."""

    leaflet_js: str
    leaflet_css: str
    map_js: str
    map_css: str


@dataclass(frozen=True)
class MapOptions:
    assets: Assets
    labels: Mapping[str, str]
    lang: str = "vi"
    features_url: str | None = None  # GeoJSON URL (maps.features.map_features output)
    features: Mapping[str, Any] | None = None  # or an inline FeatureCollection (small only)
    boundaries: Mapping[str, Any] | None = None  # province outlines, FeatureCollection
    bounds: tuple[float, float, float, float] | None = None  # lon/lat envelope to open on
    focus: str | None = None  # a project code: centre on it and open its popup
    kinds: tuple[str, ...] = field(default_factory=lambda: vocab.codes(vocab.KINDS))
    osm_tiles: bool = True
    tiles_url: str = ""
    project_url: str = "/projects/"  # + the project code
    popup_url: str = "/map/popup/"  # + code + ".json": a popup's values, when not inline
    search: bool = True
    legend: bool = True
    collapsed_control: bool = False
    height: str = "100%"


class TrackerMap(folium.Map):
    """folium.Map with the app's local assets and without Folium's page-wide styles (it sits
    inside our page, not alone in a document)."""

    _template = Template(
        """
        {% macro header(this, kwargs) %}
            <style>
                #{{ this.get_name() }} {
                    position: relative;
                    width: {{ this.width[0] }}{{ this.width[1] }};
                    height: {{ this.height[0] }}{{ this.height[1] }};
                }
            </style>
            <script>
                L_NO_TOUCH = {{ this.global_switches.no_touch|tojson }};
                L_DISABLE_3D = {{ this.global_switches.disable_3d|tojson }};
            </script>
        {% endmacro %}

        {% macro html(this, kwargs) %}
            <div class="folium-map tracker-map" id={{ this.get_name()|tojson }}></div>
        {% endmacro %}

        {% macro script(this, kwargs) %}
            var {{ this.get_name() }} = L.map(
                {{ this.get_name()|tojson }},
                {
                    center: {{ this.location|tojson }},
                    crs: L.CRS.{{ this.crs }},
                    ...{{ this.options|tojavascript }}
                }
            );
            L.control.scale({imperial: false}).addTo({{ this.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, assets: Assets, **kwargs: Any):
        super().__init__(tiles=None, **kwargs)
        # On the instance, so Folium's module-level CDN lists are never touched.
        self.default_js = [("leaflet", assets.leaflet_js), ("tracker_map", assets.map_js)]
        self.default_css = [("leaflet_css", assets.leaflet_css),
                            ("tracker_map_css", assets.map_css)]


class BlankBasemap(Layer):
    """The "no basemap" choice: an empty base layer."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            var {{ this.get_name() }} = L.layerGroup();
        {% endmacro %}
        """
    )

    def __init__(self, name: str, show: bool):
        super().__init__(name=name, overlay=False, control=True, show=show)
        self._name = "BlankBasemap"


class Legend(folium.MacroElement):
    """Status colours and kind symbols, as a Leaflet control (HTML escaped here)."""

    _template = Template(
        """
        {% macro html(this, kwargs) %}
            {{ this.markup }}
        {% endmacro %}
        {% macro script(this, kwargs) %}
            TrackerMap.legend({{ this._parent.get_name() }}, {{ this.element_id|tojson }});
        {% endmacro %}
        """
    )

    def __init__(self, markup: Markup, element_id: str):
        super().__init__()
        self._name = "Legend"
        self.markup = markup
        self.element_id = element_id


class ProjectFeatures(folium.MacroElement):
    """Hands the per-kind overlays and the drawing configuration to tracker-map.js."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            TrackerMap.draw({{ this._parent.get_name() }}, {
                {%- for kind, group in this.groups.items() %}
                {{ kind|tojson }}: {{ group.get_name() }},
                {%- endfor %}
            }, {{ this.config|tojson }});
        {% endmacro %}
        """
    )

    def __init__(self, groups: dict[str, folium.FeatureGroup], config: dict[str, Any]):
        super().__init__()
        self._name = "ProjectFeatures"
        self.groups = groups
        self.config = config


# --------------------------------------------------------------------------- legend

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
        kind_items.append(Markup("<li>{}{}</li>").format(symbol, k["label"]))
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


# --------------------------------------------------------------------------- the map

def _initial_view(bounds: tuple[float, float, float, float] | None
                  ) -> tuple[tuple[float, float], int]:
    if bounds is None:
        return DEFAULT_VIEW, DEFAULT_ZOOM
    x0, y0, x1, y1 = bounds
    return ((y0 + y1) / 2, (x0 + x1) / 2), DEFAULT_ZOOM


def _basemaps(m: folium.Map, opts: MapOptions) -> None:
    """Internal tiles first when configured (an intranet has them), then OSM, then none."""
    labels = opts.labels
    choices: list[tuple[str, Any]] = []
    if opts.tiles_url:
        choices.append(("internal", opts.tiles_url))
    if opts.osm_tiles:
        choices.append(("osm", "OpenStreetMap"))
    choices.append(("none", None))
    for i, (which, tiles) in enumerate(choices):
        show = i == 0
        if which == "internal":
            folium.TileLayer(tiles=tiles, name=str(escape(labels["basemap_internal"])),
                             attr=str(escape(labels["basemap_internal_attribution"])),
                             max_zoom=19, show=show).add_to(m)
        elif which == "osm":
            attribution = Markup('&copy; <a href="https://www.openstreetmap.org/copyright">'
                                 '{}</a>').format(labels["basemap_osm_attribution"])
            folium.TileLayer(tiles="OpenStreetMap", name=str(escape(labels["basemap_osm"])),
                             attr=str(attribution), show=show).add_to(m)
        else:
            m.add_child(BlankBasemap(str(escape(labels["basemap_none"])), show))


def _boundaries(m: folium.Map, opts: MapOptions) -> None:
    if not opts.boundaries:
        return
    folium.GeoJson(
        dict(opts.boundaries), name=str(escape(opts.labels["boundaries"])),
        style_function=lambda _f: {"color": "#495057", "weight": 1.5, "dashArray": "5 4",
                                   "fill": True, "fillColor": "#adb5bd", "fillOpacity": 0.06},
        interactive=False, overlay=True, control=True, show=True,
    ).add_to(m)


def draw_config(opts: MapOptions) -> dict[str, Any]:
    """The JSON tracker-map.js reads (rendered with tojson: safe inside <script>)."""
    config: dict[str, Any] = {
        "lang": opts.lang,
        "labels": {k: opts.labels[k] for k in LABEL_KEYS},
        "statuses": styles.status_styles(opts.lang),
        "kinds": styles.kind_styles(opts.lang),
        "accuracy": styles.accuracy_labels(opts.lang),
        "style": {"opacity": styles.OPACITY, "approximateOpacity": styles.APPROXIMATE_OPACITY,
                  "water": styles.WATER_BLUE, "bridgeOutline": styles.BRIDGE_OUTLINE,
                  "bridgeRadius": styles.BRIDGE_RADIUS, "unknown": styles.UNKNOWN_COLOUR},
        "projectUrl": opts.project_url,
        "popupUrl": opts.popup_url,
        "focus": opts.focus,
        "search": opts.search,
        "fitMaxZoom": FIT_MAX_ZOOM,
        "fitToData": opts.bounds is None,
        # refitted once drawn: the frame may not have its final size when Folium first fits
        "bounds": None if opts.bounds is None else [[opts.bounds[1], opts.bounds[0]],
                                                    [opts.bounds[3], opts.bounds[2]]],
    }
    if opts.features is not None:
        config["data"] = opts.features
    else:
        config["url"] = opts.features_url
    return config


def build_map(opts: MapOptions) -> folium.Map:
    """The map for `opts`: frame by Folium, features drawn by tracker-map.js."""
    missing = [k for k in LABEL_KEYS if k not in opts.labels]
    if missing:
        raise ValueError(f"map labels missing: {', '.join(missing)}")
    if (opts.features is None) == (opts.features_url is None):
        raise ValueError("give exactly one of features_url and features")
    location, zoom = _initial_view(opts.bounds)
    m = TrackerMap(opts.assets, location=location, zoom_start=zoom, height=opts.height,
                   prefer_canvas=True, control_scale=True)
    _basemaps(m, opts)
    _boundaries(m, opts)
    kind_styles = styles.kind_styles(opts.lang)
    groups: dict[str, folium.FeatureGroup] = {}
    for code in opts.kinds:
        group = folium.FeatureGroup(name=str(escape(kind_styles[code]["label"])), overlay=True,
                                    control=True, show=True)
        group.add_to(m)
        groups[code] = group
    if opts.bounds is not None:
        x0, y0, x1, y1 = opts.bounds
        fit = folium.FitBounds([[y0, x0], [y1, x1]], max_zoom=FIT_MAX_ZOOM, padding=(24, 24))
        fit.options["animate"] = False  # open on the selection, not zoom towards it
        m.add_child(fit)
    m.add_child(ProjectFeatures(groups, draw_config(opts)))
    if opts.legend:
        element_id = f"{m.get_name()}_legend"
        m.add_child(Legend(legend_markup(opts.labels, opts.lang, element_id, opts.kinds),
                           element_id))
    folium.LayerControl(position="topright", collapsed=opts.collapsed_control).add_to(m)
    return m


@dataclass(frozen=True)
class MapParts:
    """A rendered map in three pieces for a page template: links and styles for <head>,
    the map element for <body>, and the script that must run after it."""

    head: Markup
    body: Markup
    script: Markup
    map_id: str


def render_parts(m: folium.Map) -> MapParts:
    figure: Any = m.get_root()  # a branca Figure: header, html and script
    figure.header._children.pop("meta_http", None)  # our page declares its charset itself
    figure.render()
    # Folium's output is markup it generated; every data value inside it was escaped above.
    return MapParts(head=Markup(figure.header.render()), body=Markup(figure.html.render()),
                    script=Markup(figure.script.render()), map_id=m.get_name())
