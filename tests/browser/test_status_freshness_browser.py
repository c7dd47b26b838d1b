"""How old each status is, in a real Chromium on 02/12/2026 (TRACKER_TODAY): the dashboard
shows Cần Thơ – Cà Mau as needing an update and as "quá hạn — chưa xác nhận" (its last status,
18/12/2025, predates its planned end, 19/12/2025), never among the confirmed late projects;
the table's "cần cập nhật" filter and column; the project page and the map popup."""

from __future__ import annotations

import pytest

from tests.browser.conftest import LiveServer, make_seeded_app, wait_for_map

pytestmark = pytest.mark.browser

EXPRESSWAY = "can-tho-ca-mau-expressway"
# open projects whose status is older than 180 days on 02/12/2026
STALE = {"ql61c-phase2", "vam-xang-bridge", "xa-no-canal", EXPRESSWAY,
         "chau-doc-can-tho-soc-trang-expressway"}


@pytest.fixture(scope="module")
def server(tmp_path_factory, sqlite_template):
    app = make_seeded_app(tmp_path_factory.mktemp("fresh"), sqlite_template,
                          today="2026-12-02")
    live = LiveServer(app)
    yield live
    live.stop()


def rows(page):
    return page.locator("#status-table tbody tr[data-code]").evaluate_all(
        "(trs) => trs.map((tr) => tr.dataset.code)")


def test_the_dashboard_tells_unconfirmed_lateness_apart(new_page, server, output_dir):
    page = new_page()
    page.goto(server.url + "/")
    confirmed = page.locator("ul.late-list li")
    assert confirmed.count() == 0
    assert page.locator("[data-late-count]").inner_text() == "0"
    unconfirmed = page.locator(f'ul.late-unconfirmed-list li[data-code="{EXPRESSWAY}"]')
    assert unconfirmed.is_visible()
    assert "quá hạn — chưa xác nhận" in unconfirmed.inner_text()
    assert "trạng thái tính đến 18/12/2025" in unconfirmed.inner_text()
    stale = page.locator(".stale-summary")
    assert "Cần cập nhật: 5" in " ".join(stale.inner_text().split())
    page.screenshot(path=str(output_dir / "dashboard-freshness.png"), full_page=True)
    page.locator('a[data-link="stale-table"]').click()
    page.wait_for_url("**/projects?stale=1**")
    assert set(rows(page)) == STALE
    row = page.locator(f'tr[data-code="{EXPRESSWAY}"]')
    assert "cần cập nhật" in row.locator("td.as-of").inner_text()
    assert "18/12/2025" in row.locator("td.as-of").inner_text()
    assert "349 ngày trước" in row.locator("td.as-of").inner_text()
    assert row.locator("td.late").inner_text().strip() == "quá hạn 348 ngày — chưa xác nhận"
    assert row.locator(".late-flag").count() == 0  # not the red, confirmed flag
    assert page.errors == []


@pytest.mark.parametrize("js", [True, False], ids=["js", "no-js"])
def test_the_table_filters_by_needs_update(new_page, server, output_dir, js):
    page = new_page(java_script_enabled=js)
    page.goto(server.url + "/projects")
    assert page.get_by_role("columnheader", name="Trạng thái tính đến").is_visible()
    page.locator("details.table-filters > summary").click()
    page.get_by_label("Chỉ dự án cần cập nhật (trạng thái cũ hơn 180 ngày)").check()
    page.get_by_role("button", name="Lọc").click()
    page.wait_for_url("**stale=1**")
    assert set(rows(page)) == STALE
    assert page.locator("details.table-filters[open]").count() == 1  # a filter is active
    page.get_by_label("Chỉ dự án có trạng thái mới").check()
    page.get_by_role("button", name="Lọc").click()
    page.wait_for_url("**stale=0**")
    assert set(rows(page)) == {"ql61c-phase1", "bon-tong-mot-ngan", "dt926", "dt931b", "dt932"}
    if js:
        page.screenshot(path=str(output_dir / "table-needs-update.png"), full_page=True)
    assert page.errors == []


def test_the_project_page_and_the_popup_say_how_old_the_status_is(new_page, server):
    page = new_page()
    page.goto(server.url + f"/projects/{EXPRESSWAY}")
    line = page.locator("p.status-as-of").inner_text()
    assert line == "trạng thái tính đến 18/12/2025 (349 ngày trước)"
    header = page.locator("header.project-header").inner_text()
    assert "quá hạn 348 ngày — chưa xác nhận" in header and "cần cập nhật" in header
    page.goto(server.url + "/map?project=vam-xang-bridge")
    wait_for_map(page)
    popup = page.locator('.tm-popup[data-code="vam-xang-bridge"][data-loaded="true"]')
    popup.wait_for(state="visible")
    text = popup.inner_text()
    assert "Trạng thái tính đến" in text and "2021 (khoảng 5 năm trước)" in text
    assert "cần cập nhật" in text
    assert page.errors == []
