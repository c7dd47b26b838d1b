"""The planners' map, built with Folium: pure functions (no database, no Flask).

The map comes in two parts that never mix:

- the **frame**, built by Folium from settings and language only (the Leaflet map, the
  basemaps, an empty province-outline layer, one overlay per project kind, the layer control,
  the legend). It holds no stored text, so it is built once per process for each
  FrameOptions (frame_for, cached) and its script is served as a file (no inline script:
  the pages pass a Content-Security-Policy without 'unsafe-inline'). Element names are
  numbered, not random, so every worker process builds the same bytes.
- the **data**: everything that comes from the database or the request (features or their
  URL, province outlines, the view, the focus, which kinds) and the labels, as JSON in a
  `<script type="application/json">` block (maps.script_json), which tracker-map.js reads.

Folium's branca compiles what it renders a second time as a Jinja template, so stored text
must never pass through it (a project named "{{ ... }}" would run on the server); here none
can, and build_frame refuses labels or settings that look like template syntax.

Popups, tooltips and search results are DOM nodes filled with textContent by tracker-map.js.
Assets are the app's own URLs, never a CDN.
"""

from __future__ import annotations

import hashlib
import re
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import folium
from branca.element import Element
from folium.map import Layer
from folium.template import Template
from markupsafe import Markup, escape

from tracker import vocab

from . import styles
from .legend import legend_markup
from .script_json import data_block

# Translated strings the map shows (keys of the labels). "drawn" contains {n}, "simplified" {m}.
LABEL_KEYS = (
    "basemap_osm", "basemap_osm_attribution", "basemap_internal",
    "basemap_internal_attribution", "basemap_none",
    "boundaries", "legend_title", "legend_status", "legend_kind", "legend_approximate",
    "popup_status", "popup_progress", "popup_investment", "popup_disbursed", "popup_planned",
    "popup_governing_body", "popup_project_owner", "popup_accuracy", "popup_open",
    "popup_approximate_note", "popup_loading", "popup_status_as_of",
    "no_data",
    "search_label", "search_placeholder", "search_none", "loading", "load_error", "drawn",
    "simplified",
    "focus_missing",
    "zoom_in", "zoom_out", "layers",
)
OSM_TILES_URL = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
DEFAULT_VIEW = (9.93, 105.62)  # Cần Thơ – Hậu Giang, until the data's bounds are known
DEFAULT_ZOOM = 10
FIT_MAX_ZOOM = 15
TEMPLATE_SYNTAX = re.compile(r"\{[{%#]")


@dataclass(frozen=True)
class Assets:
    """URLs of the scripts and styles the map needs, served by the app itself."""

    leaflet_js: str
    leaflet_css: str
    map_js: str
    map_css: str


@dataclass(frozen=True)
class FrameOptions:
    """Everything the Folium frame depends on: settings, language and the page's kind of map,
    never stored data. Hashable: frame_for caches one frame per value."""

    assets: Assets
    labels: Mapping[str, str] = field(hash=False)  # translations (the catalogue, per lang)
    lang: str = "vi"
    osm_tiles: bool = True
    tiles_url: str = ""
    search: bool = True
    legend: bool = True
    collapsed_control: bool = False


@dataclass(frozen=True)
class MapData:
    """What one request shows: from the database and the query string (never in the frame)."""

    features_url: str | None = None  # GeoJSON URL (maps.features.map_features output)
    features: Any = None  # or an inline FeatureCollection (small only; orjson.Fragment ok)
    boundaries: Mapping[str, Any] | None = None  # province outlines, FeatureCollection
    bounds: tuple[float, float, float, float] | None = None  # lon/lat envelope to open on
    focus: str | None = None  # a project code: centre on it and open its popup
    kinds: tuple[str, ...] = field(default_factory=lambda: vocab.codes(vocab.KINDS))
    project_url: str = "/projects/"  # + the project code
    popup_url: str = "/map/popup/"  # + code + ".json": a popup's values, when not inline


def data_id(map_id: str) -> str:
    """The id of the page element holding a map's data block."""
    return f"{map_id}_data"


def legend_id(map_id: str) -> str:
    return f"{map_id}_legend"


class TrackerMap(folium.Map):
    """folium.Map with the app's local assets, without Folium's page-wide styles and inline
    scripts (it sits inside our page; its size is in tracker-map.css), and with the zoom
    buttons left to tracker-map.js (their titles are translated there)."""

    _template = Template(
        """
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
        super().__init__(tiles=None, zoom_control=False, **kwargs)
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


class BoundaryLayer(Layer):
    """The province outlines' overlay, empty: tracker-map.js adds the outlines from the data
    block (their names are stored text) or takes the overlay away when none are loaded."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            var {{ this.get_name() }} = L.geoJson(null, {{ this.options|tojavascript }});
        {% endmacro %}
        """
    )

    def __init__(self, name: str):
        super().__init__(name=name, overlay=True, control=True, show=True)
        self._name = "BoundaryLayer"
        self.options = {"interactive": False, "style": {
            "color": "#495057", "weight": 1.5, "dashArray": "5 4", "fill": True,
            "fillColor": "#adb5bd", "fillOpacity": 0.06}}


class Legend(folium.MacroElement):
    """Status colours and kind symbols, as a Leaflet control (HTML escaped by legend_markup;
    every kind is listed, tracker-map.js removes those outside the selection)."""

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

    def __init__(self, labels: Mapping[str, str], lang: str):
        super().__init__()
        self._name = "Legend"
        self.labels = labels
        self.lang = lang
        self.element_id = ""
        self.markup = Markup("")

    def render(self, **kwargs: Any) -> Any:
        assert self._parent is not None, "a legend is added to its map first"
        self.element_id = legend_id(self._parent.get_name())
        self.markup = legend_markup(self.labels, self.lang, self.element_id,
                                    vocab.codes(vocab.KINDS))
        return super().render(**kwargs)


class ProjectFeatures(folium.MacroElement):
    """Hands the overlays, the layer control and the data block's id to tracker-map.js."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            TrackerMap.draw({{ this._parent.get_name() }}, {
                {%- for kind, group in this.groups.items() %}
                {{ kind|tojson }}: {{ group.get_name() }},
                {%- endfor %}
            }, {
                control: {{ this.control.get_name() }},
                boundaries: {{ this.boundaries.get_name() }},
                data: {{ this.data_element_id()|tojson }}
            });
        {% endmacro %}
        """
    )

    def __init__(self, groups: dict[str, folium.FeatureGroup], control: folium.LayerControl,
                 boundaries: BoundaryLayer):
        super().__init__()
        self._name = "ProjectFeatures"
        self.groups = groups
        self.control = control
        self.boundaries = boundaries

    def data_element_id(self) -> str:
        assert self._parent is not None, "the layer is added to its map first"
        return data_id(self._parent.get_name())


# --------------------------------------------------------------------------- the frame

def _basemaps(m: folium.Map, opts: FrameOptions) -> None:
    """Internal tiles first when configured (an intranet has them), then OSM, then none."""
    labels = opts.labels
    choices: list[str] = (["internal"] if opts.tiles_url else []) + (
        ["osm"] if opts.osm_tiles else []) + ["none"]
    for i, which in enumerate(choices):
        show = i == 0
        if which == "internal":
            folium.TileLayer(tiles=opts.tiles_url, name=str(escape(labels["basemap_internal"])),
                             attr=str(escape(labels["basemap_internal_attribution"])),
                             max_zoom=19, show=show).add_to(m)
        elif which == "osm":
            attribution = Markup('&copy; <a href="https://www.openstreetmap.org/copyright">'
                                 '{}</a>').format(labels["basemap_osm_attribution"])
            folium.TileLayer(tiles=OSM_TILES_URL, name=str(escape(labels["basemap_osm"])),
                             attr=str(attribution), max_zoom=19, show=show).add_to(m)
        else:
            m.add_child(BlankBasemap(str(escape(labels["basemap_none"])), show))


def _check_frame_options(opts: FrameOptions) -> None:
    missing = [k for k in LABEL_KEYS if k not in opts.labels]
    if missing:
        raise ValueError(f"map labels missing: {', '.join(missing)}")
    # Folium re-templates the frame: nothing in it may read as template syntax.
    for name, text in [*opts.labels.items(), ("tiles_url", opts.tiles_url)]:
        if TEMPLATE_SYNTAX.search(text):
            raise ValueError(f"map frame text {name!r} looks like template syntax "
                             "({{, {% or {#): Folium would run it")


def _walk(element: Element) -> Iterator[Element]:
    yield element
    for child in list(element._children.values()):
        yield from _walk(child)


def _number_elements(m: folium.Map) -> None:
    """Replace Folium's random element ids by their place in the tree, so the frame's bytes
    depend only on its options (the same in every worker process and after a restart)."""
    for i, element in enumerate(_walk(m)):
        element._id = str(i)
    for element in _walk(m):
        element._children = OrderedDict(
            (child.get_name(), child) for child in element._children.values())


def build_frame(opts: FrameOptions) -> folium.Map:
    """The map's frame for `opts`: Folium elements only, no data (see the module's doc)."""
    _check_frame_options(opts)
    m = TrackerMap(opts.assets, location=DEFAULT_VIEW, zoom_start=DEFAULT_ZOOM,
                   prefer_canvas=True, control_scale=True)
    _basemaps(m, opts)
    boundaries = BoundaryLayer(str(escape(opts.labels["boundaries"])))
    m.add_child(boundaries)
    kind_styles = styles.kind_styles(opts.lang)
    groups: dict[str, folium.FeatureGroup] = {}
    for code in vocab.codes(vocab.KINDS):
        group = folium.FeatureGroup(name=str(escape(kind_styles[code]["label"])), overlay=True,
                                    control=True, show=True)
        group.add_to(m)
        groups[code] = group
    control = folium.LayerControl(position="topright", collapsed=opts.collapsed_control)
    control.add_to(m)
    m.add_child(ProjectFeatures(groups, control, boundaries))
    if opts.legend:
        m.add_child(Legend(opts.labels, opts.lang))
    _number_elements(m)
    return m


@dataclass(frozen=True)
class MapFrame:
    """A rendered frame: links and styles for <head>, the map element (and legend) for
    <body>, the script that builds the map (served as a file), and its content version."""

    head: Markup
    body: Markup
    script: str
    map_id: str
    data_id: str
    version: str


def render_frame(m: folium.Map) -> MapFrame:
    figure: Any = m.get_root()  # a branca Figure: header, html and script
    figure.header._children.pop("meta_http", None)  # our page declares its charset itself
    figure.render()
    # In a function of its own: its names stay out of the page's global scope.
    script = "(function () {\n" + figure.script.render() + "\n})();\n"
    # Folium's output is markup it generated from settings and translations only.
    return MapFrame(head=Markup(figure.header.render()), body=Markup(figure.html.render()),
                    script=script, map_id=m.get_name(), data_id=data_id(m.get_name()),
                    version=hashlib.sha256(script.encode()).hexdigest()[:12])


@lru_cache(maxsize=64)
def frame_for(opts: FrameOptions) -> MapFrame:
    """The frame for `opts`, built and rendered once per process."""
    return render_frame(build_frame(opts))


# --------------------------------------------------------------------------- the data

def map_data(opts: FrameOptions, data: MapData) -> dict[str, Any]:
    """The JSON tracker-map.js reads from the data block: labels and styles (per language)
    and this request's data."""
    if (data.features is None) == (data.features_url is None):
        raise ValueError("give exactly one of features_url and features")
    unknown = [k for k in data.kinds if k not in vocab.KIND_BY_CODE]
    if unknown:
        raise ValueError(f"unknown kinds: {', '.join(unknown)}")
    config: dict[str, Any] = {
        "lang": opts.lang,
        "labels": {k: opts.labels[k] for k in LABEL_KEYS},
        "statuses": styles.status_styles(opts.lang),
        "kinds": styles.kind_styles(opts.lang),
        "accuracy": styles.accuracy_labels(opts.lang),
        "style": {"opacity": styles.OPACITY, "approximateOpacity": styles.APPROXIMATE_OPACITY,
                  "water": styles.WATER_BLUE, "bridgeOutline": styles.BRIDGE_OUTLINE,
                  "bridgeRadius": styles.BRIDGE_RADIUS, "unknown": styles.UNKNOWN_COLOUR},
        "projectUrl": data.project_url,
        "popupUrl": data.popup_url,
        "focus": data.focus,
        "search": opts.search,
        "shown": list(data.kinds),
        "fitMaxZoom": FIT_MAX_ZOOM,
        "fitToData": data.bounds is None,
        "bounds": None if data.bounds is None else [[data.bounds[1], data.bounds[0]],
                                                    [data.bounds[3], data.bounds[2]]],
        "boundaries": data.boundaries,
    }
    if data.features is not None:
        config["data"] = data.features
    else:
        config["url"] = data.features_url
    return config


@dataclass(frozen=True)
class MapParts:
    """A map for a page template: links and styles for <head>, the map element with its
    data block for <body>, and the URL of the frame's script (to load after the body)."""

    head: Markup
    body: Markup
    script_url: str
    map_id: str


def render_parts(frame: MapFrame, opts: FrameOptions, data: MapData, script_url: str
                 ) -> MapParts:
    """The cached `frame` with this request's `data` beside it, as JSON (never templated)."""
    block = data_block(frame.data_id, map_data(opts, data))
    return MapParts(head=frame.head, body=frame.body + block, script_url=script_url,
                    map_id=frame.map_id)
