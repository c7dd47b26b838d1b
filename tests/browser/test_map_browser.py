"""The planners' map in a real Chromium: what is drawn, popups, overlays, filters, search,
focus, language, and that it draws with no internet (only basemap tiles go missing)."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from tests.browser.conftest import (
    POINT_JS,
    LiveServer,
    centre_on,
    make_seeded_app,
    wait_for_map,
)
from tracker.queries.filter import ProjectFilter
from tracker.queries.select import select_projects

pytestmark = pytest.mark.browser

UNDER_CONSTRUCTION = ["can-tho-ca-mau-expressway", "chau-doc-can-tho-soc-trang-expressway",
                      "vam-xang-bridge"]


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path):
    """The seeded app with the OpenStreetMap basemap offered, as in production; the browser
    is offline (every request off 127.0.0.1 is refused)."""
    app = make_seeded_app(tmp_path_factory.mktemp("map"), sqlite_template, osm_tiles=True)
    server = LiveServer(app)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def projects(live_server):
    with live_server.app.extensions["tracker"].sessions() as s:
        return {p.code: (p.kind, p.geometry_type, p.name_vi, p.name_en)
                for p in select_projects(s, ProjectFilter())}


def open_map(new_page, live_server, path="/map", **context):
    page = new_page(**context)
    page.goto(live_server.url + path)
    return page, wait_for_map(page)


def click_project(page, code):
    point = page.evaluate(POINT_JS, code)
    assert point["clearance"] > 8, f"{code} is not clear of other lines here"
    page.mouse.click(point["x"], point["y"])
    popup = page.locator(f'.tm-popup[data-code="{code}"]')
    popup.wait_for(state="visible", timeout=5000)
    page.locator(f'.tm-popup[data-code="{code}"][data-loaded="true"]').wait_for(timeout=5000)
    return popup


def overlay(page, name):
    """The layer control's checkbox for an overlay."""
    return page.locator(".leaflet-control-layers").get_by_role("checkbox", name=name,
                                                                exact=True)


def test_map_draws_one_line_per_line_project_and_one_marker_per_bridge(
        new_page, live_server, projects, output_dir):
    page, drawn = open_map(new_page, live_server)
    lines = [c for c, (_, g, _, _) in projects.items() if g in ("LineString", "MultiLineString")]
    bridges = [c for c, (k, _, _, _) in projects.items() if k == "bridge"]
    assert drawn["lines"] == len(lines) == 9
    assert drawn["markers"] == len(bridges) == 1
    assert drawn["codes"] == sorted(projects)
    assert drawn["byKind"] == dict(Counter(k for k, _, _, _ in projects.values()))
    assert page.locator(".tm-message").inner_text() == "10 dự án trên bản đồ"
    # the legend and the layer control are on the map
    legend = page.locator(".tm-legend").inner_text()
    assert "Đang thi công" in legend and "Vị trí gần đúng" in legend
    for name in ("OpenStreetMap", "Không có bản đồ nền", "Ranh giới tỉnh (trước 01/07/2025)",
                 "Đường bộ", "Đường cao tốc", "Cầu", "Đường thủy"):
        assert page.get_by_text(name, exact=True).count() >= 1, name
    # offline: everything came from the app; only the basemap's tiles were asked elsewhere
    assert all(re.match(r"https://tile\.openstreetmap\.org/\d+/\d+/\d+\.png$", url)
               for url in page.external_requests), page.external_requests
    page.locator(".leaflet-control-layers").get_by_role("radio", name="Không có bản đồ nền").check()
    page.screenshot(path=str(output_dir / "map.png"))
    assert page.errors == []


def test_clicking_a_line_opens_its_popup(new_page, live_server, projects):
    page, _ = open_map(new_page, live_server)
    # hovering shows the name and status
    point = page.evaluate(POINT_JS, "dt931b")
    page.mouse.move(point["x"], point["y"])
    tooltip = page.locator(".leaflet-tooltip")
    tooltip.wait_for(state="visible")
    assert tooltip.inner_text() == "Đường tỉnh 931B · Hoàn thành"
    for code in ("dt931b", "can-tho-ca-mau-expressway"):
        popup = click_project(page, code)
        text = popup.inner_text()
        _, _, name_vi, name_en = projects[code]
        assert name_vi in text and name_en in text
        for label in ("Trạng thái", "Tiến độ", "Tổng mức đầu tư", "Đã giải ngân", "Kế hoạch",
                      "Chủ đầu tư", "Độ chính xác vị trí", "Vị trí gần đúng"):
            assert label in text, label
        href = popup.locator("a.tm-popup-link").get_attribute("href")
        assert href == f"/projects/{code}"
    assert "27.523 tỷ đồng" in text and "Đang thi công" in text
    assert page.errors == []


def test_bridges_are_drawn_above_lines(new_page, live_server):
    page, _ = open_map(new_page, live_server)
    # turning the roads off and on again must not bury the bridge under them
    overlay(page, "Đường bộ").uncheck()
    overlay(page, "Đường bộ").check()
    centre_on(page, "vam-xang-bridge", 14)
    page.mouse.move(0, 0)
    point = page.evaluate(POINT_JS, "vam-xang-bridge")
    page.mouse.click(point["x"], point["y"])
    assert "Cầu Vàm Xáng" in page.locator(".tm-popup").inner_text()
    assert page.errors == []


def test_turning_an_overlay_off_hides_it(new_page, live_server):
    page, drawn = open_map(new_page, live_server)
    express = "can-tho-ca-mau-expressway"
    point = page.evaluate(POINT_JS, express)
    overlay(page, "Đường cao tốc").uncheck()
    hidden = page.evaluate("""() => {
        const s = window.trackerMap;
        return Object.values(s.layers).filter((l) => s.map.hasLayer(l))
            .map((l) => l.feature.properties.kind);
    }""")
    assert "expressway" not in hidden and len(hidden) == len(drawn["codes"]) - 2
    page.mouse.click(point["x"], point["y"])  # where the expressway was: nothing opens
    page.wait_for_timeout(300)
    assert page.locator(f'.tm-popup[data-code="{express}"]').count() == 0
    overlay(page, "Đường cao tốc").check()
    assert click_project(page, express).is_visible()
    assert page.errors == []


def test_a_filter_in_the_url_changes_what_is_drawn(new_page, live_server):
    page, drawn = open_map(new_page, live_server, "/map?status=under_construction")
    assert drawn["codes"] == UNDER_CONSTRUCTION
    assert (drawn["lines"], drawn["markers"]) == (2, 1)
    assert page.locator(".selection-count").inner_text().startswith("3 dự án")
    page, drawn = open_map(new_page, live_server, "/map?kind=bridge")
    assert (drawn["lines"], drawn["markers"]) == (0, 1)
    assert overlay(page, "Đường bộ").count() == 0
    page, drawn = open_map(new_page, live_server, "/map?q=bon+tong")
    assert drawn["codes"] == ["bon-tong-mot-ngan"]
    assert page.errors == []


def test_search_box_finds_a_project_by_name_and_zooms_to_it(new_page, live_server):
    page, _ = open_map(new_page, live_server)
    zoom_before = page.evaluate("() => window.trackerMap.map.getZoom()")
    box = page.get_by_role("combobox", name="Tìm dự án trên bản đồ")
    box.fill("BON TONG")
    hits = page.locator(".tm-search-hit")
    assert hits.all_inner_texts() == ["Đường Bốn Tổng – Một Ngàn"]
    box.press("Enter")
    popup = page.locator('.tm-popup[data-code="bon-tong-mot-ngan"]')
    popup.wait_for(state="visible")
    assert page.evaluate("() => window.trackerMap.map.getZoom()") > zoom_before
    box.fill("xà no")
    page.locator(".tm-search-hit", has_text="Xà No").click()
    page.locator('.tm-popup[data-code="xa-no-canal"]').wait_for(state="visible")
    box.fill("không có dự án này")
    assert page.locator(".tm-search-none").inner_text() == "Không tìm thấy dự án"
    assert page.errors == []


def test_project_parameter_opens_centred_with_its_popup(new_page, live_server):
    page, _ = open_map(new_page, live_server, "/map?project=vam-xang-bridge")
    popup = page.locator('.tm-popup[data-code="vam-xang-bridge"][data-loaded="true"]')
    popup.wait_for(state="visible")
    assert "Cầu Vàm Xáng" in popup.inner_text()
    centre = page.evaluate("() => window.trackerMap.map.getCenter()")
    assert abs(centre["lat"] - 9.97) < 0.05 and abs(centre["lng"] - 105.65) < 0.05
    assert page.errors == []


def test_english_map(new_page, live_server):
    page, _ = open_map(new_page, live_server, "/map?lang=en")
    assert page.locator(".tm-message").inner_text() == "Projects on the map: 10"
    assert "Under construction" in page.locator(".tm-legend").inner_text()
    text = click_project(page, "can-tho-ca-mau-expressway").inner_text()
    assert text.startswith("Cần Thơ – Cà Mau expressway")
    assert "27,523 billion VND" in text and "Total investment" in text
    assert page.errors == []


def test_project_page_draws_its_small_map(new_page, live_server, output_dir):
    page, drawn = open_map(new_page, live_server, "/projects/xa-no-canal")
    assert drawn["codes"] == ["xa-no-canal"] and drawn["lines"] == 1
    assert page.locator(".project-map .tm-legend").count() == 0
    page.screenshot(path=str(output_dir / "project.png"), full_page=True)
    assert page.errors == []


def test_map_controls_speak_the_pages_language(new_page, live_server):
    for lang, zoom_in, zoom_out, layers in (("vi", "Phóng to", "Thu nhỏ", "Lớp bản đồ"),
                                            ("en", "Zoom in", "Zoom out", "Layers")):
        page, _ = open_map(new_page, live_server, f"/map?lang={lang}")
        assert page.locator(".leaflet-control-zoom-in").get_attribute("title") == zoom_in
        assert page.locator(".leaflet-control-zoom-out").get_attribute("aria-label") == zoom_out
        toggle = page.locator(".leaflet-control-layers-toggle")
        assert toggle.get_attribute("title") == layers == toggle.get_attribute("aria-label")
        attribution = page.locator(".leaflet-control-attribution")
        assert "A JavaScript library" not in attribution.inner_html()
        if lang == "vi":
            titles = page.eval_on_selector_all("[title]", "(ns) => ns.map((n) => n.title)")
            assert not {"Zoom in", "Zoom out", "Layers"} & set(titles)
        assert page.errors == []


PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True,
         "device_scale_factor": 2}


def box_of(page, selector):
    return page.locator(selector).first.bounding_box()


def test_phone_opens_on_the_map_with_filters_legend_and_layers_folded(
        new_page, live_server, output_dir):
    page, drawn = open_map(new_page, live_server, **PHONE)
    assert len(drawn["codes"]) == 10
    assert page.evaluate("() => window.scrollY") == 0
    height = PHONE["viewport"]["height"]
    frame = box_of(page, ".tracker-map")
    visible = min(frame["y"] + frame["height"], height) - frame["y"]
    assert frame["y"] < height / 3 and visible > 0.6 * height, frame  # the first screen
    assert frame["width"] >= PHONE["viewport"]["width"] - 1
    # the filter form waits under its button
    assert not page.locator("#map-filters").is_visible()
    toggle = page.get_by_role("button", name="Bộ lọc")
    assert toggle.get_attribute("aria-expanded") == "false"
    # the legend and the layer list are folded into small buttons in the corners
    legend = page.locator(".tm-legend details")
    assert legend.evaluate("(d) => d.open") is False
    area = frame["width"] * frame["height"]
    legend_box, layers_box = box_of(page, ".tm-legend"), box_of(page, ".leaflet-control-layers")
    assert legend_box["width"] * legend_box["height"] < 0.03 * area, legend_box
    assert layers_box["width"] * layers_box["height"] < 0.03 * area, layers_box
    assert "leaflet-control-layers-expanded" not in page.locator(
        ".leaflet-control-layers").get_attribute("class")
    page.screenshot(path=str(output_dir / "phone-map.png"))
    # each opens when asked, and the layer list folds again on a tap on the map
    page.locator(".leaflet-control-layers-toggle").tap()
    page.locator(".leaflet-control-layers-expanded").wait_for(state="visible")
    assert page.get_by_role("radio", name="Không có bản đồ nền").is_visible()
    page.locator(".tracker-map").tap(position={"x": 60, "y": frame["height"] / 2})
    page.locator(".leaflet-control-layers-expanded").wait_for(state="detached")
    page.locator(".tm-legend summary").tap()
    assert legend.evaluate("(d) => d.open") is True
    assert "Đang thi công" in page.locator(".tm-legend").inner_text()
    toggle.tap()
    page.locator("#map-filters").wait_for(state="visible")
    assert toggle.get_attribute("aria-expanded") == "true"
    assert page.get_by_role("checkbox", name="Đang thi công").is_visible()
    assert page.errors == []


def test_phone_filter_button_counts_the_active_filters(new_page, live_server):
    page, drawn = open_map(new_page, live_server, "/map?status=under_construction&kind=bridge",
                           **PHONE)
    assert drawn["codes"] == ["vam-xang-bridge"]
    toggle = page.locator(".map-filters-toggle")
    assert toggle.locator(".badge").inner_text() == "2"
    assert toggle.text_content().split()[:2] == ["Bộ", "lọc"]
    assert "(2 điều kiện đang áp dụng)" in toggle.text_content()
    assert page.errors == []


def test_desktop_shows_the_filters_legend_and_layers_open(new_page, live_server):
    page, _ = open_map(new_page, live_server)
    assert page.locator("#map-filters").is_visible()
    assert not page.locator(".map-filters-toggle").is_visible()
    assert page.locator(".tm-legend details").evaluate("(d) => d.open") is True
    assert page.locator(".leaflet-control-layers-expanded").is_visible()
    assert page.errors == []
