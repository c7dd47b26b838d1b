"""Write docs/map.png, the README's picture: the seeded map, screenshotted by Chromium.

    .venv/bin/python -m tests.browser.screenshot_readme [--lang en] [--out docs/map.png]

Served and drawn exactly as in the browser tests (the app on 127.0.0.1, nothing from the
internet, so no basemap tiles). Not a test: run it when the map's look changes.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from tests.browser.conftest import (
    CHROMIUM_ARGS,
    VIEWPORT,
    LiveServer,
    find_chromium,
    make_seeded_app,
    wait_for_map,
)
from tracker.config import REPO_ROOT
from tracker.db import make_engine, migrate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lang", default="vi", choices=("vi", "en"))
    parser.add_argument("--out", default=str(REPO_ROOT / "docs" / "map.png"))
    args = parser.parse_args()
    chromium = find_chromium()
    if chromium is None:
        raise SystemExit("Chromium not found: install chromium or set TRACKER_CHROMIUM")
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        template = folder / "template.db"
        engine = make_engine(f"sqlite:///{template}")
        migrate(engine)
        engine.dispose()
        (folder / "app").mkdir()
        server = LiveServer(make_seeded_app(folder / "app", template))
        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=chromium, headless=True,
                                             args=CHROMIUM_ARGS)
                page = browser.new_page(viewport=VIEWPORT)
                page.route("**/*", lambda r: r.continue_()
                           if r.request.url.startswith(server.url) else r.abort())
                page.goto(f"{server.url}/map?lang={args.lang}")
                wait_for_map(page)
                Path(args.out).parent.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=args.out)
                browser.close()
        finally:
            server.stop()
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
