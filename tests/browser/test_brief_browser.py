"""The meeting brief printed by a real Chromium: one A4 portrait page for the seeded data, no
navigation, the date, the filter and "dữ liệu tính đến" on it, the map image drawn."""

from __future__ import annotations

import pytest

from tests.browser.test_pages_print_phone import orientation, pdf_text, printed

pytestmark = pytest.mark.browser


def test_printed_brief_is_one_a4_portrait_page(new_page, live_server):
    page = new_page()
    reader = printed(page, f"{live_server.url}/brief?as_of=2026-11-21&since=2026-01-01")
    assert len(reader.pages) == 1 and orientation(reader) == {"portrait"}
    text = pdf_text(reader)
    assert "Báo cáo nhanh cho cuộc họp" in text
    assert "Dữ liệu tính đến 09/03/2026" in text and "Bộ lọc: tất cả dự án" in text
    assert "In lúc" in text and "21/11/2026" in text
    assert "Cần chú ý" in text and "Cầu Vàm Xáng" in text
    assert "Bản đồ" not in text.split("Báo cáo nhanh")[0]  # nothing before the title block
    assert page.locator(".site-nav").is_hidden() and page.locator(".brief-dates").is_hidden()
    width = page.evaluate("() => document.querySelector('.brief-map-img').naturalWidth")
    assert width > 500  # the server's PNG arrived and decoded
    assert not page.errors and not page.external_requests
