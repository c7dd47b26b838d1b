"""The dashboard in a real Chromium, as a leader reads it before a meeting: filtered by Hậu
Giang it shows Hậu Giang's share of Châu Đốc – Cần Thơ – Sóc Trăng (9.927 tỷ, ≈ 35 km), not
the whole 44.690 tỷ; programme and related projects stay apart until asked together."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

CHAU_DOC = "chau-doc-can-tho-soc-trang-expressway"


def test_hau_giang_filter_shows_hau_giangs_share(new_page, live_server, output_dir):
    page = new_page()
    page.goto(live_server.url + "/?province=hau-giang")
    share = page.locator(f".province-shares li[data-code='{CHAU_DOC}']")
    assert share.locator(".share-amount").inner_text() == "9.927 tỷ đồng"
    assert share.locator(".share-km").inner_text() == "≈ 35 km"
    assert page.locator(".counted-whole-list [data-code='can-tho-ca-mau-expressway']").count() == 1
    sections = page.locator("section.role-figures")
    assert sections.evaluate_all("(s) => s.map((x) => x.dataset.role)") == ["programme",
                                                                             "related"]
    related = page.locator("section.role-figures[data-role='related'] [data-kpi='investment']")
    assert related.inner_text() == "≈ 37.450 tỷ đồng"  # 9.927 + ≈ 27.523 counted whole
    assert "44.690" not in page.locator("main").inner_text()
    page.screenshot(path=str(output_dir / "dashboard-hau-giang.png"), full_page=True)
    page.get_by_role("link", name="Xem cộng chung").click()
    page.wait_for_url("**programme_role=all**")
    assert page.locator("section.role-figures[data-role='all']").count() == 1
    assert page.errors == []


def test_without_a_filter_the_lower_bound_shows_as_one(new_page, live_server):
    page = new_page()
    page.goto(live_server.url + "/")
    related = page.locator("section.role-figures[data-role='related'] [data-kpi='investment']")
    assert related.inner_text() == "≥ 72.213 tỷ đồng"
    assert page.locator("section.role-figures[data-role='all']").count() == 0
    page.goto(live_server.url + f"/projects/{CHAU_DOC}")
    assert page.locator(".total-investment").inner_text() == "≥ 44.690 tỷ đồng"
    hau_giang = page.locator(".components-table tr[data-province='hau-giang']")
    assert hau_giang.locator(".component-amount").inner_text() == "9.927 tỷ đồng"
    assert page.errors == []
