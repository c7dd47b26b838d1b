"""Write docs/print-brief.png, the README's picture of the printed meeting brief: the seeded
brief as Chromium shows it with print media, on an A4 portrait sheet's width.

    .venv/bin/python -m tests.browser.screenshot_brief [--lang en] [--out docs/print-brief.png]

Not a test: run it when the brief's look changes.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from tests.browser.screens import seeded_browser
from tracker.config import REPO_ROOT

A4_PORTRAIT = {"width": 794, "height": 1123}  # CSS pixels at 96 dpi


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lang", default="vi", choices=("vi", "en"))
    parser.add_argument("--out", default=str(REPO_ROOT / "docs" / "print-brief.png"))
    args = parser.parse_args()
    with seeded_browser() as (url, new_page):
        page = new_page(viewport=A4_PORTRAIT)
        page.goto(f"{url}/brief?lang={args.lang}&as_of=2026-11-21&since=2026-01-01")
        page.wait_for_load_state("networkidle")
        page.emulate_media(media="print")
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=args.out, full_page=True)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
