"""What the README's screenshot scripts share: the seeded app served on 127.0.0.1 and a
headless Chromium whose pages may reach nothing but that server."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tests.browser.conftest import CHROMIUM_ARGS, LiveServer, find_chromium, make_seeded_app
from tracker.db import make_engine, migrate


@contextmanager
def seeded_browser() -> Iterator[tuple[str, Any]]:
    """(the server's URL, a function making a page that only talks to it: new_page(**opts))."""
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

                def new_page(**options: Any) -> Any:
                    page = browser.new_page(**options)
                    page.route("**/*", lambda r: r.continue_()
                               if r.request.url.startswith(server.url) else r.abort())
                    return page

                yield server.url, new_page
                browser.close()
        finally:
            server.stop()
