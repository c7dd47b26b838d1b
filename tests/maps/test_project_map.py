"""The planners' map: the pure Folium builders in maps/ (no app), and the /map page and its
data endpoints (both databases)."""

from __future__ import annotations

import json
import re
from datetime import date
from types import SimpleNamespace

import folium
import orjson
import pytest
import shapely
from hypothesis import given
from hypothesis import strategies as st
from shapely.geometry import LineString, Point, Polygon

from maps import features as mf
from maps import styles
from maps.legend import legend_markup
from maps.project_map import (
    LABEL_KEYS,
    Assets,
    FrameOptions,
    MapData,
    build_frame,
    frame_for,
    map_data,
    render_frame,
    render_parts,
)
from tracker import vocab

ASSETS = Assets(leaflet_js="/assets/leaflet/leaflet.js", leaflet_css="/assets/leaflet/leaflet.css",
                map_js="/static/tracker/tracker-map.js", map_css="/static/tracker/tracker-map.css")
LABELS = {key: f"label {key}" for key in LABEL_KEYS}
DATA_BLOCK = re.compile(r'<script type="application/json" id="([^"]+)">(.*?)</script>', re.S)


def options(**kwargs) -> FrameOptions:
    kwargs.setdefault("labels", LABELS)
    return FrameOptions(assets=ASSETS, **kwargs)


def frame(**kwargs):
    return render_frame(build_frame(options(**kwargs)))


def data(**kwargs) -> MapData:
    kwargs.setdefault("features_url", "/map/features.geojson?lang=vi")
    return MapData(**kwargs)


def data_blocks(html: str) -> dict[str, dict]:
    """The page's JSON data blocks by element id, parsed."""
    return {element_id: json.loads(text) for element_id, text in DATA_BLOCK.findall(html)}


def map_data_of(html: str) -> dict:
    blocks = data_blocks(html)
    assert len(blocks) == 1, blocks.keys()
    return next(iter(blocks.values()))


DEFAULT_LINE = LineString([(105.5, 9.8), (105.6, 9.9)])


def row(code="road-1", geometry=DEFAULT_LINE, **kw):
    values = dict(code=code, name_vi="Đường thử", name_en="Test road", kind="road",
                  status="proposed", geometry_accuracy="approximate", progress_pct=None,
                  total_investment_vnd=None, disbursed_vnd=None, planned_start=None,
                  planned_start_precision=None, planned_end=None, planned_end_precision=None,
                  governing_body=None, geometry=geometry)
    values.update(kw)
    return SimpleNamespace(**values)


# --------------------------------------------------------------------------- maps/ (pure)

def test_map_uses_the_apps_assets_and_no_cdn():
    f = frame()
    assert "cdn" not in (f.head + f.body + f.script).lower()
    srcs = re.findall(r'(?:src|href)="([^"]+)"', f.head)
    assert srcs == [ASSETS.leaflet_js, ASSETS.map_js, ASSETS.leaflet_css, ASSETS.map_css]
    # Folium's own (CDN) defaults are untouched for anyone else using Folium
    assert any("cdn" in url for _, url in folium.Map.default_js)
    # and our page, not Folium, owns the document: no page-wide styles, no second charset
    assert "html, body" not in f.head and "http-equiv" not in f.head
    # nothing inline for a Content-Security-Policy to refuse: the script is served as a file
    assert "<style" not in f.head + f.body
    assert re.findall(r"<script[^>]*>", f.head + f.body) == [
        f'<script src="{ASSETS.leaflet_js}">', f'<script src="{ASSETS.map_js}">']


def test_frame_has_basemaps_overlays_per_kind_and_boundaries():
    script = frame().script
    control = script[script.index("base_layers"):]
    base = control[:control.index("overlays")]
    overlays = control[control.index("overlays"):]
    assert base.index("label basemap_osm") < base.index("label basemap_none")
    for kind in vocab.KINDS:  # every kind: the data says which ones a page shows
        assert _json(kind.vi) in overlays
    assert _json("label boundaries") in overlays
    assert "https://tile.openstreetmap.org/{z}/{x}/{y}.png" in script
    assert '"interactive": false' in script  # the outlines never swallow a click
    assert '"zoomControl": false' in script  # tracker-map.js adds it, with translated titles


def _json(text: str) -> str:
    """How Folium writes a layer name into the script (JSON, non-ASCII escaped)."""
    return json.dumps(text)


def test_internal_tiles_come_first_and_osm_can_be_hidden():
    script = frame(tiles_url="http://tiles.local/{z}/{x}/{y}.png", osm_tiles=False).script
    assert "openstreetmap" not in script
    shown = re.findall(r"(tile_layer_\w+|blank_basemap_\w+)\.addTo", script)
    assert len(shown) == 1 and shown[0].startswith("tile_layer_")
    assert "http://tiles.local/{z}/{x}/{y}.png" in script


def test_the_frame_is_the_same_bytes_for_the_same_options_and_is_built_once():
    first, second = frame(), frame()
    assert first == second and first.version == second.version
    assert first.map_id == "map_0" and first.data_id == "map_0_data"
    assert frame(lang="en").script != first.script
    assert frame(collapsed_control=True).version != first.version
    cached = frame_for(options())
    assert frame_for(options()) is cached and cached == first


def test_the_frame_refuses_text_that_reads_as_a_template():
    for text in ("{{ 7*7 }}", "{% raw %}", "{# x"):
        with pytest.raises(ValueError, match="template"):
            build_frame(options(labels=dict(LABELS, boundaries=text)))
        with pytest.raises(ValueError, match="template"):
            build_frame(options(tiles_url="http://t/" + text))
    build_frame(options(labels=dict(LABELS, drawn="{n} on the map")))  # a format field is fine


def test_only_the_filtered_kinds_are_shown():
    assert map_data(options(), data(kinds=("bridge",)))["shown"] == ["bridge"]
    assert map_data(options(), data())["shown"] == list(vocab.codes(vocab.KINDS))
    with pytest.raises(ValueError, match="unknown kinds"):
        map_data(options(), data(kinds=("castle",)))


def test_bounds_and_focus_reach_the_data_block():
    opts = options()
    parts = render_parts(frame_for(opts), opts,
                         data(bounds=(105.1, 9.2, 105.8, 10.0), focus="vam-xang-bridge"),
                         "/map/frame/overview.vi.js")
    values = data_blocks(parts.body)["map_0_data"]
    assert values["bounds"] == [[9.2, 105.1], [10.0, 105.8]]
    assert values["focus"] == "vam-xang-bridge" and values["fitToData"] is False
    assert values["url"] == "/map/features.geojson?lang=vi" and "data" not in values
    assert parts.script_url == "/map/frame/overview.vi.js" and parts.head == frame().head


def test_data_and_labels_cannot_break_out_of_the_script():
    evil = "</script><script>alert(1)</script><img src=x onerror=alert(1)> {{ 7*7 }} {% x %}"
    labels = dict(LABELS, legend_title="<img src=x onerror=alert(1)>",
                  basemap_none="</script><b>")
    inline = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "id": "x", "geometry": {"type": "Point", "coordinates": [105, 9]},
         "properties": {"code": "x", "name_vi": evil, "name_en": evil, "kind": "bridge",
                        "status": "proposed", "accuracy": "surveyed"}}]}
    boundaries = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "id": "b", "properties": {"name": evil},
         "geometry": {"type": "Point", "coordinates": [105, 9]}}]}
    opts = options(labels=labels)
    parts = render_parts(frame_for(opts), opts, MapData(features=inline, boundaries=boundaries),
                         "/x.js")
    found = DATA_BLOCK.search(parts.body)
    block = found.group(2)
    for piece in (frame_for(opts).script, parts.body.replace(found.group(0), ""), block):
        assert "<script>" not in piece and "</script>" not in piece and "<img" not in piece
    for opener in ("<", ">", "&", "{{", "{%", "{#"):
        assert opener not in block
    values = json.loads(block)
    assert values["data"]["features"][0]["properties"]["name_vi"] == evil
    assert values["boundaries"]["features"][0]["properties"]["name"] == evil
    assert "&lt;img src=x onerror=alert(1)&gt;" in parts.body  # the legend title, as text


def test_builder_checks_its_options():
    with pytest.raises(ValueError, match="labels missing"):
        build_frame(options(labels={}))
    with pytest.raises(ValueError, match="exactly one"):
        map_data(options(), MapData())
    with pytest.raises(ValueError, match="exactly one"):
        map_data(options(), MapData(features_url="/x",
                                    features={"type": "FeatureCollection", "features": []}))


def test_legend_shows_every_status_colour_and_kind_symbol():
    html = legend_markup(LABELS, "vi", "legend", vocab.codes(vocab.KINDS))
    for status in vocab.STATUSES:
        assert status.vi in html and f"background-color:{status.colour}" in html
    for kind in vocab.KINDS:
        assert kind.vi in html
    assert "label legend_approximate" in html
    assert styles.WATER_BLUE in html and 'stroke-dasharray="10 8"' in html  # the canal
    assert f'stroke-opacity="{styles.APPROXIMATE_OPACITY}"' in html
    english = legend_markup(LABELS, "en", "legend", ("road",))
    assert "Under construction" in english and "Expressway" not in english


def test_badge_text_is_readable_on_every_status_colour():
    assert styles.text_colour("#1f77b4") == "#ffffff"
    assert styles.text_colour("#fd7e14") == "#000000"
    for s in styles.status_styles("vi").values():
        assert s["text"] in ("#000000", "#ffffff")


def test_map_features_carry_what_drawing_needs():
    rows = [row("a"), row("b", geometry=Point(105.123456789, 9.987654321), kind="bridge"),
            row("c", geometry=None)]
    fc = orjson.loads(mf.map_features(rows))
    assert fc["type"] == "FeatureCollection" and fc["count"] == 2
    assert [f["id"] for f in fc["features"]] == ["a", "b"]
    assert set(fc["features"][0]["properties"]) == {"code", "name_vi", "name_en", "kind",
                                                    "status", "accuracy"}
    assert fc["features"][1]["geometry"]["coordinates"] == [105.12346, 9.98765]


def test_popup_values_are_formatted_like_the_tables():
    r = row(total_investment_vnd=3_888_000_000_000, disbursed_vnd=500_000_000_000,
            planned_start=date(2026, 1, 1), planned_start_precision="year",
            planned_end=date(2027, 12, 31), planned_end_precision="month", progress_pct=12.5,
            governing_body="UBND tỉnh Hậu Giang")
    vi = mf.popup_properties(r, "vi")
    assert vi["investment"] == "3.888 tỷ đồng"
    assert vi["disbursed"] == "500 tỷ đồng (12,9 %)"
    assert vi["planned"] == "2026 – 12/2027"
    en = mf.popup_properties(r, "en")
    assert en["investment"] == "3,888 billion VND" and en["disbursed"] == "500 billion VND (12.9 %)"
    none = mf.popup_properties(row(), "vi")
    assert none["investment"] == "chưa có dữ liệu" and none["planned"] == "chưa có dữ liệu"
    assert mf.planned_period(row(planned_end=date(2027, 12, 31), planned_end_precision="year"),
                             "en") == "no data – 2027"


def test_large_selections_are_simplified_small_ones_are_not():
    assert mf.tolerance_for(mf.SIMPLIFY_ABOVE) == 0
    assert mf.tolerance_for(mf.SIMPLIFY_ABOVE + 1) == mf.SIMPLIFY_TOLERANCE
    wiggly = LineString([(105 + i * 0.001, 9.5 + (0.00001 if i % 2 else 0)) for i in range(50)])
    exact = orjson.loads(mf.map_features([row(geometry=wiggly)], tolerance=0))
    light = orjson.loads(mf.map_features([row(geometry=wiggly)], tolerance=0.0001))
    assert len(exact["features"][0]["geometry"]["coordinates"]) == 50
    assert len(light["features"][0]["geometry"]["coordinates"]) == 2
    assert light["simplified_m"] == 11 and exact["simplified_m"] == 0
    # a polygon comes out with RFC 7946 winding (exterior counter-clockwise)
    square = Polygon([(105, 9), (105, 10), (106, 10), (106, 9)])  # clockwise
    out = orjson.loads(mf.geometry_texts([square])[0])
    assert shapely.geometry.shape(out).exterior.is_ccw


# --------------------------------------------------------------------------- /map (app)

def test_map_page_is_small_and_draws_from_the_geojson_endpoint(seeded_app, client):
    response = client.get("/map?status=under_construction")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert len(response.data) < 60_000
    values = map_data_of(html)
    assert values["url"] == "/map/features.geojson?status=under_construction&lang=vi"
    assert [f["properties"]["name"] for f in values["boundaries"]["features"]] == [
        "Thành phố Cần Thơ", "Tỉnh Hậu Giang"]
    assert "44.690" not in html  # the features' values are fetched, not inlined
    script = re.search(r'<script src="(/map/frame/overview\.vi\.js\?v=\w+)"></script>', html)
    assert "TrackerMap.draw" in client.get(script.group(1)).get_data(as_text=True)
    for status in vocab.STATUSES:  # the legend, with the table's colours
        assert status.vi in html and status.colour in html
    assert "Vị trí gần đúng (vẽ nhạt)" in html


def test_map_focuses_on_one_project(seeded_app, client):
    html = client.get("/map?project=vam-xang-bridge").get_data(as_text=True)
    values = map_data_of(html)
    assert values["focus"] == "vam-xang-bridge"
    (s, w), (n, e) = values["bounds"]
    assert s == n and w == e and abs(s - 9.97) < 0.01 and abs(w - 105.65) < 0.01
    assert "Đang xem: Cầu Vàm Xáng" in html


def test_features_endpoint_serves_the_selection(seeded_app, client):
    response = client.get("/map/features.geojson?kind=road&lang=vi")
    assert response.status_code == 200 and response.mimetype == "application/geo+json"
    fc = orjson.loads(response.data)
    codes = sorted(f["id"] for f in fc["features"])
    assert codes == ["bon-tong-mot-ngan", "dt926", "dt931b", "dt932", "ql61c-phase1",
                     "ql61c-phase2"]
    for f in fc["features"]:
        assert f["geometry"]["type"] == "LineString"
        assert f["properties"]["kind"] == "road" and f["properties"]["accuracy"]


def test_features_are_revalidated_not_rebuilt(seeded_app, client):
    from tracker.queries.select import get_project
    from tracker.services.seed import record_update

    first = client.get("/map/features.geojson?lang=vi")
    tag = first.headers["ETag"]
    assert "no-cache" in first.headers["Cache-Control"]
    again = client.get("/map/features.geojson?lang=vi", headers={"If-None-Match": tag})
    assert again.status_code == 304 and not again.data
    other = client.get("/map/features.geojson?lang=en", headers={"If-None-Match": tag})
    assert other.status_code == 200  # another language, another tag
    with seeded_app.extensions["tracker"].sessions() as s:
        record_update(s, get_project(s, "xa-no-canal"), as_of=date(2026, 6, 1),
                      status="preparation", author="test")
    changed = client.get("/map/features.geojson?lang=vi", headers={"If-None-Match": tag})
    assert changed.status_code == 200 and changed.headers["ETag"] != tag
    canal = next(f for f in orjson.loads(changed.data)["features"] if f["id"] == "xa-no-canal")
    assert canal["properties"]["status"] == "preparation"


def test_popup_endpoint_formats_in_the_asked_language(seeded_app, client):
    vi = client.get("/map/popup/ql61c-phase2.json?lang=vi").get_json()["properties"]
    assert vi["investment"] == "≈ 3.556,69 tỷ đồng"
    assert vi["governing_body"] == "UBND tỉnh Hậu Giang"
    assert vi["planned"].startswith("2026 – ")
    en = client.get("/map/popup/ql61c-phase2.json?lang=en").get_json()["properties"]
    assert en["investment"] == "≈ 3,556.69 billion VND" and en["planned"].endswith("no data")
    missing = client.get("/map/popup/nope.json")
    assert missing.status_code == 404 and missing.is_json


def test_features_are_built_in_chunks_that_join_into_one_collection():
    rows = [row(f"p{i:05d}", geometry=Point(105 + i * 1e-5, 9.5)) for i in range(
        2 * mf.CHUNK + 7)]
    fc = orjson.loads(mf.map_features(rows))
    assert fc["count"] == len(fc["features"]) == len(rows)
    assert [f["id"] for f in fc["features"]] == [r.code for r in rows]
    assert len(list(mf.map_features_chunks(rows))) == 3 + 2  # head, 3 chunks, tail
    assert orjson.loads(mf.map_features([])) == {"type": "FeatureCollection", "count": 0,
                                                  "simplified_m": 0, "features": []}


@given(st.text())
def test_script_json_gives_back_any_text_and_nothing_a_parser_could_misread(text):
    from maps.script_json import script_json

    encoded = script_json({"name": text, "list": [text, {"x": text}]})
    assert json.loads(encoded) == {"name": text, "list": [text, {"x": text}]}
    for sequence in ("<", ">", "&", "{{", "{%", "{#"):
        assert sequence not in encoded
