"""The pages under their Content-Security-Policy in a real Chromium: the map, the table, the
dashboard and a project page work, and the browser reports no violation (securitypolicyviolation
events, recorded from before any page script runs) and no console error or warning.

The server offers both basemaps (an internal tile server and OpenStreetMap) so that img-src
is exercised for each; the browser is offline, so the tiles themselves fail to load, but a
tile the policy refused would be a violation."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser.conftest import LiveServer, make_seeded_app, wait_for_map
from tests.factories import make_project

pytestmark = pytest.mark.browser

TILES = "http://tiles.intranet.local/{z}/{x}/{y}.png"
BRACES = "Cầu {{ tạm }} {% raw %} {# <b>&</b>"
RECORD_VIOLATIONS = """
window.__violations = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__violations.push(e.violatedDirective + ' ' + e.blockedURI + ' ' + e.sourceFile);
});
"""


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path):
    app = make_seeded_app(tmp_path_factory.mktemp("csp"), sqlite_template, osm_tiles=True,
                          tiles_url=TILES)
    with app.extensions["tracker"].sessions() as s:
        s.add(make_project("braces", kind="bridge", name_vi=BRACES, name_en=BRACES + " (en)",
                           governing_body=BRACES))
        s.commit()
    server = LiveServer(app)
    yield server
    server.stop()


@pytest.fixture
def csp_page(new_page):
    page = new_page()
    page.console_messages = []
    page.add_init_script(RECORD_VIOLATIONS)

    def console(message):
        source = (message.location or {}).get("url", "")
        offline_tile = source in page.external_requests  # refused by the test, not by CSP
        if message.type in ("error", "warning") and not offline_tile:
            page.console_messages.append(f"{message.type}: {message.text}")

    page.on("console", console)
    return page


def visit(page, url):
    response = page.goto(url)
    assert response.status == 200
    policy = response.headers["content-security-policy"]
    assert "script-src 'self';" in policy and "frame-ancestors 'self'" in policy
    return policy


def assert_clean(page):
    page.wait_for_timeout(200)  # let late reports arrive
    assert page.evaluate("() => window.__violations") == []
    assert page.console_messages == []
    assert page.errors == []


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_map_draws_under_the_policy(csp_page, live_server, lang):
    page = csp_page
    policy = visit(page, f"{live_server.url}/map?lang={lang}")
    assert "http://tiles.intranet.local" in policy and "https://tile.openstreetmap.org" in policy
    drawn = wait_for_map(page)
    assert len(drawn["codes"]) == 11 and drawn["lines"] == 9 and drawn["markers"] == 2
    # the province outlines came from the data block, into the frame's empty layer
    outlines = page.evaluate("""() => {
        const s = window.trackerMap; let n = 0;
        s.map.eachLayer((l) => { if (l.feature && l.feature.id === 'can-tho') n += 1; });
        return n;
    }""")
    assert outlines == 1
    # the internal basemap is asked for its tiles; switching to OpenStreetMap asks there
    tiles = [u for u in page.external_requests if u.startswith("http://tiles.intranet.local/")]
    assert tiles
    osm = "OpenStreetMap"
    page.locator(".leaflet-control-layers").get_by_role("radio", name=osm).check()
    page.wait_for_function("() => document.querySelectorAll('img.leaflet-tile').length > 0")
    page.wait_for_timeout(300)
    assert any(u.startswith("https://tile.openstreetmap.org/") for u in page.external_requests)
    # a popup's values are fetched (connect-src 'self')
    box = page.locator(".tm-search input")
    box.fill("vam xang")
    box.press("Enter")
    page.locator('.tm-popup[data-code="vam-xang-bridge"][data-loaded="true"]').wait_for()
    assert_clean(page)


def test_project_page_draws_under_the_policy(csp_page, live_server):
    page = csp_page
    visit(page, f"{live_server.url}/projects/vam-xang-bridge")
    drawn = wait_for_map(page)
    assert drawn["codes"] == ["vam-xang-bridge"] and drawn["markers"] == 1
    assert_clean(page)


@pytest.mark.parametrize("path", ["/projects", "/projects?sort=investment&desc=1", "/",
                                  "/api/v1/", "/ogc?f=html", "/projects/no-such-project"])
def test_other_pages_pass_the_policy(csp_page, live_server, path):
    page = csp_page
    response = page.goto(live_server.url + path)
    assert "content-security-policy" in response.headers
    page.wait_for_load_state("load")
    # Bootstrap's script runs under the policy: the menu button opens the menu
    page.set_viewport_size({"width": 500, "height": 800})
    page.locator(".navbar-toggler").click()
    page.locator("#site-nav.show").wait_for(state="visible")
    if path.startswith("/projects/no-such"):  # the browser logs the page's own 404
        page.console_messages[:] = [m for m in page.console_messages if "404" not in m]
        page.errors[:] = [m for m in page.errors if "404" not in m]
    assert_clean(page)


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_text_with_template_syntax_reaches_the_map_as_the_same_text(csp_page, live_server,
                                                                     lang):
    page = csp_page
    name = BRACES if lang == "vi" else BRACES + " (en)"
    visit(page, f"{live_server.url}/projects/braces?lang={lang}")
    wait_for_map(page)
    assert page.locator("h1").inner_text() == name
    page.evaluate("""() => { const s = window.trackerMap;
        s.layers.braces.fire('click', {latlng: s.layers.braces.getLatLng()}, true); }""")
    popup = page.locator('.tm-popup[data-code="braces"][data-loaded="true"]')
    popup.wait_for()
    assert popup.locator(".tm-popup-name").inner_text() == name
    assert BRACES in popup.inner_text()  # the owner, and the other language's name
    visit(page, f"{live_server.url}/map?lang={lang}")
    wait_for_map(page)
    box = page.locator(".tm-search input")
    box.fill("tạm")
    assert page.locator(".tm-search-hit").all_inner_texts() == [name]
    assert_clean(page)
