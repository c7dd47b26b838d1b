"""Write docs/map.png, the README's picture: the seeded map, screenshotted by Chromium.

    .venv/bin/python -m tests.browser.screenshot_readme [--lang en] [--out docs/map.png]

Served and drawn exactly as in the browser tests (the app on 127.0.0.1, nothing from the
internet, so no basemap tiles). Not a test: run it when the map's look changes.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from tests.browser.conftest import VIEWPORT, wait_for_map
from tests.browser.screens import seeded_browser
from tracker.config import REPO_ROOT


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lang", default="vi", choices=("vi", "en"))
    parser.add_argument("--out", default=str(REPO_ROOT / "docs" / "map.png"))
    args = parser.parse_args()
    with seeded_browser() as (url, new_page):
        page = new_page(viewport=VIEWPORT)
        page.goto(f"{url}/map?lang={args.lang}")
        wait_for_map(page)
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=args.out)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
