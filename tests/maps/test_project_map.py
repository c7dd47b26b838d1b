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
from shapely.geometry import LineString, Point, Polygon

from maps import features as mf
from maps import styles
from maps.project_map import (
    LABEL_KEYS,
    Assets,
    MapOptions,
    build_map,
    legend_markup,
    render_parts,
)
from tracker import vocab

ASSETS = Assets(leaflet_js="/assets/leaflet/leaflet.js", leaflet_css="/assets/leaflet/leaflet.css",
                map_js="/static/tracker/tracker-map.js", map_css="/static/tracker/tracker-map.css")
LABELS = {key: f"label {key}" for key in LABEL_KEYS}


def options(**kwargs) -> MapOptions:
    kwargs.setdefault("features_url", "/map/features.geojson?lang=vi")
    return MapOptions(assets=ASSETS, labels=LABELS, **kwargs)


DEFAULT_LINE = LineString([(105.5, 9.8), (105.6, 9.9)])


def row(code="road-1", geometry=DEFAULT_LINE, **kw):
    values = dict(code=code, name_vi="Đường thử", name_en="Test road", kind="road",
                  status="proposed", geometry_accuracy="approximate", progress_pct=None,
                  total_investment_vnd=None, disbursed_vnd=None, planned_start=None,
                  planned_start_precision=None, planned_end=None, planned_end_precision=None,
                  owner=None, geometry=geometry)
    values.update(kw)
    return SimpleNamespace(**values)


# --------------------------------------------------------------------------- maps/ (pure)

def test_map_uses_the_apps_assets_and_no_cdn():
    parts = render_parts(build_map(options()))
    assert "cdn" not in (parts.head + parts.body + parts.script).lower()
    srcs = re.findall(r'(?:src|href)="([^"]+)"', parts.head)
    assert srcs == [ASSETS.leaflet_js, ASSETS.map_js, ASSETS.leaflet_css, ASSETS.map_css]
    # Folium's own (CDN) defaults are untouched for anyone else using Folium
    assert any("cdn" in url for _, url in folium.Map.default_js)
    # and our page, not Folium, owns the document: no page-wide styles, no second charset
    assert "html, body" not in parts.head and "http-equiv" not in parts.head


def test_map_has_basemaps_overlays_per_kind_and_boundaries():
    boundaries = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": "A"},
         "geometry": {"type": "Polygon", "coordinates": [[[105, 9], [106, 9], [106, 10],
                                                          [105, 9]]]}}]}
    parts = render_parts(build_map(options(boundaries=boundaries)))
    control = parts.script[parts.script.index("base_layers"):]
    base = control[:control.index("overlays")]
    overlays = control[control.index("overlays"):]
    assert base.index("label basemap_osm") < base.index("label basemap_none")
    for kind in vocab.KINDS:
        assert _json(kind.vi) in overlays
    assert _json("label boundaries") in overlays
    assert "https://tile.openstreetmap.org/{z}/{x}/{y}.png" in parts.script
    assert '"interactive": false' in parts.script  # the outlines never swallow a click


def _json(text: str) -> str:
    """How Folium writes a layer name into the script (JSON, non-ASCII escaped)."""
    return json.dumps(text)


def test_internal_tiles_come_first_and_osm_can_be_hidden():
    parts = render_parts(build_map(options(tiles_url="http://tiles.local/{z}/{x}/{y}.png",
                                           osm_tiles=False)))
    assert "openstreetmap" not in parts.script
    shown = re.findall(r"(tile_layer_\w+|blank_basemap_\w+)\.addTo", parts.script)
    assert len(shown) == 1 and shown[0].startswith("tile_layer_")
    assert "http://tiles.local/{z}/{x}/{y}.png" in parts.script


def test_only_the_filtered_kinds_get_overlays():
    parts = render_parts(build_map(options(kinds=("bridge",))))
    overlays = parts.script[parts.script.index("overlays"):]
    assert _json(vocab.KIND_BY_CODE["bridge"].vi) in overlays
    assert _json(vocab.KIND_BY_CODE["road"].vi) not in overlays


def test_bounds_fit_and_focus_reach_the_script():
    parts = render_parts(build_map(options(bounds=(105.1, 9.2, 105.8, 10.0),
                                           focus="vam-xang-bridge")))
    assert "fitBounds(\n                [[9.2, 105.1], [10.0, 105.8]]" in parts.script
    assert '"focus": "vam-xang-bridge"' in parts.script
    assert '"fitToData": false' in parts.script


def test_data_and_labels_cannot_break_out_of_the_script():
    evil = "</script><script>alert(1)</script><img src=x onerror=alert(1)>"
    labels = dict(LABELS, boundaries=evil, legend_title=evil, basemap_none=evil)
    inline = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "id": "x", "geometry": {"type": "Point", "coordinates": [105, 9]},
         "properties": {"code": "x", "name_vi": evil, "name_en": evil, "kind": "bridge",
                        "status": "proposed", "accuracy": "surveyed"}}]}
    boundaries = {"type": "FeatureCollection", "features": []}
    parts = render_parts(build_map(MapOptions(assets=ASSETS, labels=labels, features=inline,
                                              boundaries=boundaries)))
    for piece in (parts.script, parts.body):
        assert "<script>" not in piece and "</script>" not in piece
        assert "<img" not in piece
    assert "&lt;img src=x onerror=alert(1)&gt;" in parts.body  # the legend title, as text


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


def test_builder_checks_its_options():
    with pytest.raises(ValueError, match="labels missing"):
        build_map(MapOptions(assets=ASSETS, labels={}, features_url="/x"))
    with pytest.raises(ValueError, match="exactly one"):
        build_map(MapOptions(assets=ASSETS, labels=LABELS))
    with pytest.raises(ValueError, match="exactly one"):
        build_map(MapOptions(assets=ASSETS, labels=LABELS, features_url="/x",
                             features={"type": "FeatureCollection", "features": []}))


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
            owner="UBND tỉnh Hậu Giang")
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
    assert "TrackerMap.draw" in html
    assert '"url": "/map/features.geojson?status=under_construction\\u0026lang=vi"' in html
    assert "44.690" not in html  # the features' values are fetched, not inlined
    for status in vocab.STATUSES:  # the legend, with the table's colours
        assert status.vi in html and status.colour in html
    assert "Vị trí gần đúng (vẽ nhạt)" in html


def test_map_focuses_on_one_project(seeded_app, client):
    html = client.get("/map?project=vam-xang-bridge").get_data(as_text=True)
    assert '"focus": "vam-xang-bridge"' in html
    assert re.search(r"fitBounds\(\s*\[\[9\.97\d*, 105\.65\d*\], \[9\.97\d*, 105\.65\d*\]\]", html)
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
    from tracker.services import record_update

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
    assert vi["investment"] == "3.888 tỷ đồng" and vi["owner"] == "UBND tỉnh Hậu Giang"
    assert vi["planned"].startswith("2026 – ")
    en = client.get("/map/popup/ql61c-phase2.json?lang=en").get_json()["properties"]
    assert en["investment"] == "3,888 billion VND" and en["planned"].endswith("no data")
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
