"""Security headers on every response, and pages a script-src 'self' policy can pass (no
inline script anywhere: the map's frame is a file, its data a JSON block). The browser half
is tests/browser/test_csp_browser.py."""

from __future__ import annotations

import re

import pytest

from tests.conftest import TODAY
from tracker import create_app
from tracker.config import load_settings
from tracker.web.security_headers import content_security_policy, tile_source

PAGES = ["/", "/map", "/map?project=vam-xang-bridge", "/projects", "/projects/xa-no-canal",
         "/api/v1/", "/ogc?f=html", "/ogc/collections/projects/items?f=html"]
OTHER = ["/map/features.geojson", "/map/popup/xa-no-canal.json", "/api/v1/projects",
         "/projects.csv", "/static/tracker/tracker-map.js", "/assets/leaflet/leaflet.js",
         "/map/frame/overview.vi.js", "/healthz"]
ERRORS = [("/projects/no-such-project", 404), ("/projects?page=abc", 400),
          ("/api/v1/projects?limit=x", 400), ("/map/frame/other.vi.js", 404)]


def directives(policy: str) -> dict[str, list[str]]:
    out = {}
    for part in policy.split(";"):
        name, *values = part.split()
        out[name] = values
    return out


def assert_headers(response, url) -> None:
    h = response.headers
    assert h["X-Content-Type-Options"] == "nosniff", url
    assert h["X-Frame-Options"] == "SAMEORIGIN", url
    assert h["Referrer-Policy"] == "strict-origin-when-cross-origin", url
    policy = directives(h["Content-Security-Policy"])
    assert policy["script-src"] == ["'self'"], url
    assert policy["frame-ancestors"] == ["'self'"] and policy["object-src"] == ["'none'"]
    assert "'unsafe-inline'" not in policy["default-src"] + policy["script-src"]
    assert "'unsafe-eval'" not in h["Content-Security-Policy"]


@pytest.mark.parametrize("url", PAGES + OTHER)
def test_every_response_has_the_headers(seeded_app, client, url):
    response = client.get(url)
    response.close()  # a static file is streamed from disk
    assert response.status_code == 200, url
    assert_headers(response, url)


@pytest.mark.parametrize(("url", "status"), ERRORS)
def test_errors_have_the_headers_too(seeded_app, client, url, status):
    response = client.get(url)
    assert response.status_code == status
    assert_headers(response, url)


def test_a_not_modified_answer_has_the_headers(seeded_app, client):
    tag = client.get("/map/features.geojson").headers["ETag"]
    again = client.get("/map/features.geojson", headers={"If-None-Match": tag})
    assert again.status_code == 304
    assert_headers(again, "304")


@pytest.mark.parametrize("url", PAGES + ["/projects/no-such-project"])
@pytest.mark.parametrize("lang", ["vi", "en"])
def test_pages_have_no_inline_script_or_handler(seeded_app, client, url, lang):
    html = client.get(url + ("&" if "?" in url else "?") + f"lang={lang}").get_data(as_text=True)
    for tag in re.findall(r"<script\b[^>]*>", html):
        assert " src=" in tag or 'type="application/json"' in tag, (url, tag)
    assert not re.search(r"\son[a-z]+\s*=", html), url  # no onclick= and the like
    assert "javascript:" not in html


def test_the_frame_script_is_cached_under_its_version(seeded_app, client):
    page = client.get("/map").get_data(as_text=True)
    url = re.search(r'<script src="(/map/frame/overview\.vi\.js\?v=(\w+))"', page)
    response = client.get(url.group(1))
    assert response.mimetype == "text/javascript"
    assert "immutable" in response.headers["Cache-Control"]
    assert response.headers["ETag"] == f'"{url.group(2)}"'
    assert client.get(url.group(1), headers={"If-None-Match": url.group(2)}).status_code == 304
    stale = client.get("/map/frame/overview.vi.js?v=old")  # a page from before a deploy
    assert stale.status_code == 200 and stale.headers["Cache-Control"] == "no-cache"
    assert client.get("/map/frame/overview.fr.js").status_code == 404


def test_image_sources_are_the_configured_tile_servers():
    def img(**settings):
        return directives(content_security_policy(load_settings(settings)))["img-src"]

    assert img(osm_tiles=True, tiles_url="") == ["'self'", "data:",
                                                  "https://tile.openstreetmap.org"]
    assert img(osm_tiles=False, tiles_url="http://tiles.local:8080/{z}/{x}/{y}.png") == [
        "'self'", "data:", "http://tiles.local:8080"]
    assert img(osm_tiles=False, tiles_url="/tiles/{z}/{x}/{y}.png") == ["'self'", "data:"]
    assert tile_source("https://{s}.tiles.example.org/{z}/{x}/{y}.png") == \
        "https://*.tiles.example.org"
    assert tile_source("https://tiles.{s}.example.org/{z}/{x}/{y}.png") == "https:"


def test_the_app_sends_the_policy_for_its_settings(tmp_path, sqlite_template):
    app = create_app({"database_url": f"sqlite:///{sqlite_template}",
                      "instance_path": str(tmp_path), "today": TODAY, "auto_migrate": False,
                      "osm_tiles": False, "tiles_url": "http://tiles.intranet.local/{z}/{x}/{y}.png"})
    try:
        policy = app.test_client().get("/healthz").headers["Content-Security-Policy"]
    finally:
        app.extensions["tracker"].engine.dispose()
    assert directives(policy)["img-src"] == ["'self'", "data:", "http://tiles.intranet.local"]
