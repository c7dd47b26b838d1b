"""Browser tests: the real app served on 127.0.0.1, driven by Debian's Chromium (Playwright).

Chromium comes from TRACKER_CHROMIUM or /usr/bin/chromium (Playwright's own download is not
used). Without it these tests skip on a developer machine; in CI (CI=true) they fail instead.
Screenshots go to test-output/browser/ (git-ignored), kept for the CI artifacts.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from waitress.server import create_server

from tests.conftest import SEED_FILE, TODAY
from tracker import create_app
from tracker.config import REPO_ROOT

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
OUTPUT_DIR = REPO_ROOT / "test-output" / "browser"
VIEWPORT = {"width": 1400, "height": 900}


def find_chromium() -> str | None:
    """TRACKER_CHROMIUM, else Debian's chromium; None when it is not installed."""
    path = os.environ.get("TRACKER_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    return path if Path(path).exists() else None


def chromium_path() -> str:
    path = find_chromium()
    if path is None:
        message = "Chromium not found (install Debian's chromium or set TRACKER_CHROMIUM)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true: browser tests must run, but {message}")
        pytest.skip(message)
    return path


class LiveServer:
    """A Flask app served for real by waitress (the production server) in a background
    thread. Waitress closes a response's file when the browser drops the connection early,
    so no file handle leaks into the next test."""

    def __init__(self, app: Any):
        self.app = app
        self.server = create_server(app, host="127.0.0.1", port=0, threads=4)
        self.url = f"http://127.0.0.1:{self.server.effective_port}"
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.close()
        self.server.task_dispatcher.shutdown()
        self.thread.join(timeout=10)
        self.app.extensions["tracker"].engine.dispose()


def make_seeded_app(folder: Path, template: Path, **settings: Any) -> Any:
    """A migrated SQLite copy with the ten seeded projects and the province boundaries."""
    from tracker.services.seed import seed_boundaries_if_empty, seed_from_file

    db = folder / "tracker.db"
    shutil.copy(template, db)
    config = {"database_url": f"sqlite:///{db}", "instance_path": str(folder), "today": TODAY,
              "tiles_url": "", "osm_tiles": False}
    config.update(settings)
    app = create_app(config)
    with app.extensions["tracker"].sessions() as s:
        seed_from_file(s, SEED_FILE)
        seed_boundaries_if_empty(s, REPO_ROOT / "geodata" / "boundaries.geojson")
    return app


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    path = chromium_path()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=path, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="session")
def output_dir() -> Path:
    OUTPUT_DIR.mkdir(parents=True, exist_ok=True)
    return OUTPUT_DIR


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path
                ) -> Iterator[LiveServer]:
    """The seeded app, served for the whole module (one server per module keeps it fast)."""
    app = make_seeded_app(tmp_path_factory.mktemp("live"), sqlite_template)
    server = LiveServer(app)
    yield server
    server.stop()


class PageErrors(list):
    """Console errors and uncaught exceptions a page produced."""


@pytest.fixture
def new_page(browser: Any) -> Iterator[Callable[..., Any]]:
    """Open pages in a fresh context; fail the test if a page logged a JavaScript error.
    Requests to anything but 127.0.0.1 are refused: the app must work with no internet."""
    contexts = []

    def make(**context_options: Any) -> Any:
        options = {"viewport": VIEWPORT, "locale": "vi-VN"}
        options.update(context_options)
        context = browser.new_context(**options)
        contexts.append(context)
        page = context.new_page()
        page.errors = PageErrors()
        page.external_requests = []

        def route(r: Any) -> None:
            if r.request.url.startswith("http://127.0.0.1:"):
                r.continue_()
            else:
                page.external_requests.append(r.request.url)
                r.abort()

        def console(message: Any) -> None:
            source = (message.location or {}).get("url", "")
            if message.type == "error" and not (source and source in page.external_requests):
                page.errors.append(f"{message.text} ({source})")

        page.route("**/*", route)
        page.on("console", console)
        page.on("pageerror", lambda e: page.errors.append(str(e)))
        return page

    yield make
    for context in contexts:
        context.close()


def wait_for_map(page: Any, timeout: float = 15000) -> dict[str, Any]:
    """Wait until the map has drawn its features; return what it drew."""
    page.wait_for_function("() => window.trackerMap && window.trackerMap.ready",
                           timeout=timeout)
    result: dict[str, Any] = page.evaluate(DRAWN_JS)
    return result


# What is on the map now: lines and markers per kind, by layer type (canvas has no DOM).
DRAWN_JS = """() => {
  const s = window.trackerMap;
  const out = {lines: 0, markers: 0, codes: [], byKind: {}};
  for (const [code, layer] of Object.entries(s.layers)) {
    if (!s.map.hasLayer(layer)) continue;
    const kind = layer.feature.properties.kind;
    out.byKind[kind] = (out.byKind[kind] || 0) + 1;
    out.codes.push(code);
    if (layer instanceof L.CircleMarker) out.markers += 1;
    else if (layer instanceof L.Polyline) out.lines += 1;
  }
  out.codes.sort();
  return out;
}"""

# Page coordinates of a point on a project's drawn geometry, as far as possible from every
# other drawn project (lines overlap where corridors are shared), so a click there is its own.
POINT_JS = """(code) => {
  const s = window.trackerMap, map = s.map;
  const px = (ll) => map.latLngToContainerPoint(ll);
  const parts = (layer) => {
    if (layer.getLatLng) return [[px(layer.getLatLng())]];
    const lls = layer.getLatLngs();
    const lines = L.LineUtil.isFlat(lls) ? [lls] : lls.flat(L.LineUtil.isFlat(lls[0]) ? 0 : 1);
    return lines.map((line) => line.map(px));
  };
  const distance = (p, layer) => {
    let best = Infinity;
    for (const line of parts(layer)) {
      if (line.length === 1) best = Math.min(best, p.distanceTo(line[0]));
      for (let i = 0; i + 1 < line.length; i++) {
        best = Math.min(best, L.LineUtil.pointToSegmentDistance(p, line[i], line[i + 1]));
      }
    }
    return best;
  };
  const target = s.layers[code];
  const others = Object.values(s.layers).filter((l) => l !== target && map.hasLayer(l));
  const size = map.getSize();
  let best = null, clearance = -1;
  for (const line of parts(target)) {
    const candidates = line.length === 1 ? [line[0]] : [];
    for (let i = 0; i + 1 < line.length; i++) {
      for (const t of [0.25, 0.5, 0.75]) {
        candidates.push(line[i].add(line[i + 1].subtract(line[i]).multiplyBy(t)));
      }
    }
    for (const p of candidates) {
      if (p.x < 60 || p.y < 60 || p.x > size.x - 260 || p.y > size.y - 60) continue;
      const c = Math.min(...others.map((o) => distance(p, o)), Infinity);
      if (c > clearance) { clearance = c; best = p; }
    }
  }
  if (best === null) return null;  // not in view, or only under the map's controls
  const r = map.getContainer().getBoundingClientRect();
  return {x: r.left + best.x, y: r.top + best.y, clearance: clearance};
}"""


def centre_on(page: Any, code: str, zoom: int = 13) -> None:
    """Put a project in the middle of the map at `zoom` (no animation)."""
    page.evaluate("""([code, zoom]) => {
        const s = window.trackerMap, l = s.layers[code];
        s.map.setView(l.getLatLng ? l.getLatLng() : l.getBounds().getCenter(), zoom,
                      {animate: false});
    }""", [code, zoom])
