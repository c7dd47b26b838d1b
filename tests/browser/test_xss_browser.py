"""Projects named <script>alert(1)</script> and <img src=x onerror=alert(1)> in a real
Chromium: no dialog ever fires and every page shows the names as literal text."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser.conftest import (
    POINT_JS,
    LiveServer,
    centre_on,
    make_seeded_app,
    wait_for_map,
)
from tests.web.test_pages_xss import IMG, SCRIPT, add_evil_projects

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path):
    app = make_seeded_app(tmp_path_factory.mktemp("xss"), sqlite_template)
    with app.extensions["tracker"].sessions() as s:
        add_evil_projects(s)
    server = LiveServer(app)
    yield server
    server.stop()


@pytest.fixture
def page(new_page):
    page = new_page()
    page.dialogs = []

    def dialog(d):
        page.dialogs.append(d.message)
        d.dismiss()

    page.on("dialog", dialog)
    return page


def assert_no_injection(page):
    assert page.dialogs == []
    assert page.locator('img[src="x"]').count() == 0
    injected = "() => [...document.scripts].filter((s) => s.textContent === 'alert(1)').length"
    assert page.evaluate(injected) == 0
    assert page.errors == []


def test_map_popups_show_the_names_as_text(page, live_server, output_dir):
    page.goto(live_server.url + "/map")
    drawn = wait_for_map(page)
    assert {"xss-script", "xss-img"} <= set(drawn["codes"])
    for code, name, owner in (("xss-script", SCRIPT, IMG), ("xss-img", IMG, SCRIPT)):
        centre_on(page, code)
        point = page.evaluate(POINT_JS, code)
        page.mouse.move(point["x"], point["y"])
        tooltip = page.locator(".leaflet-tooltip")
        tooltip.wait_for(state="visible")
        assert tooltip.inner_text().startswith(name)
        page.mouse.click(point["x"], point["y"])
        popup = page.locator(f'.tm-popup[data-code="{code}"][data-loaded="true"]')
        popup.wait_for(state="visible")
        assert popup.locator(".tm-popup-name").inner_text() == name
        assert owner in popup.inner_text()
        page.keyboard.press("Escape")
    # the search box lists them as text too
    box = page.get_by_role("combobox", name="Tìm dự án trên bản đồ")
    box.fill("alert")
    assert sorted(page.locator(".tm-search-hit").all_inner_texts()) == sorted([SCRIPT, IMG])
    box.press("Enter")
    page.locator(".tm-popup").wait_for(state="visible")
    page.screenshot(path=str(output_dir / "xss-map.png"))
    assert_no_injection(page)


@pytest.mark.parametrize("path", ["/projects", "/", "/projects/xss-script", "/projects/xss-img",
                                  "/map?project=xss-script"])
def test_pages_show_the_names_as_text(page, live_server, path):
    page.goto(live_server.url + path)
    if path.startswith(("/map", "/projects/")):
        wait_for_map(page)
    text = page.locator("main").inner_text()
    assert SCRIPT in text or IMG in text
    if path in ("/projects", "/"):
        assert SCRIPT in text and IMG in text
    assert_no_injection(page)
