"""Write the README's pictures of the pages as staff use them: the status table on a phone
(390×844) and the table and a project page printed to A4 by Chromium.

    .venv/bin/python -m tests.browser.screenshot_pages [--lang vi|en] [--out docs]

Served exactly as in the browser tests (the seeded app on 127.0.0.1, nothing from the
internet). The printed pages are Chromium's PDFs (also written, beside the pictures), turned
into PNG with poppler's pdftoppm (Debian package poppler-utils). Not a test: run it when the
pages' look changes.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
from pathlib import Path
from typing import Any

from tests.browser.screens import seeded_browser
from tracker.config import REPO_ROOT

PHONE = {"width": 390, "height": 844}
PRINT_PROJECT = "can-tho-ca-mau-expressway"


def print_pdf(page: Any, url: str, path: Path, landscape: bool) -> None:
    """The page as Chromium prints it: print media, A4, the stylesheet's own page size."""
    page.goto(url)
    page.wait_for_load_state("networkidle")
    page.emulate_media(media="print")
    page.pdf(path=str(path), format="A4", landscape=landscape, print_background=True,
             prefer_css_page_size=True)


def first_page_png(pdf: Path, png: Path) -> None:
    if shutil.which("pdftoppm") is None:
        raise SystemExit("pdftoppm not found: apt-get install poppler-utils")
    subprocess.run(["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile",
                    str(pdf), str(png.with_suffix(""))], check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lang", default="vi", choices=("vi", "en"))
    parser.add_argument("--out", default=str(REPO_ROOT / "docs"))
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with seeded_browser() as (url, new_page):
        phone = new_page(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True)
        phone.goto(f"{url}/projects?lang={args.lang}")
        phone.screenshot(path=str(out / "table-phone.png"))
        paper = new_page(viewport={"width": 1366, "height": 768})
        for name, path, landscape in (
                ("print-table", f"/projects?lang={args.lang}", True),
                ("print-project", f"/projects/{PRINT_PROJECT}?lang={args.lang}", False)):
            pdf = out / f"{name}.pdf"
            print_pdf(paper, url + path, pdf, landscape)
            first_page_png(pdf, out / f"{name}.png")
            pdf.unlink()
    print(f"wrote {out}/table-phone.png, print-table.png, print-project.png")


if __name__ == "__main__":
    main()
