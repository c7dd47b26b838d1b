"""The status table in a real Chromium: sorting and filtering by clicking, with and without
JavaScript, and the way from the table to the same selection on the map."""

from __future__ import annotations

import pytest

from tests.browser.conftest import wait_for_map

pytestmark = pytest.mark.browser

UNDER_CONSTRUCTION = ["can-tho-ca-mau-expressway", "chau-doc-can-tho-soc-trang-expressway",
                      "vam-xang-bridge"]


def rows(page):
    return page.locator("#status-table tbody tr[data-code]").evaluate_all(
        "(trs) => trs.map((tr) => tr.dataset.code)")


@pytest.fixture(params=[True, False], ids=["js", "no-js"])
def table_page(request, new_page, live_server):
    page = new_page(java_script_enabled=request.param)
    page.js_enabled = request.param
    page.goto(live_server.url + "/projects")
    return page


def test_table_sorts_by_clicking_a_column(table_page):
    page = table_page
    assert len(rows(page)) == 10
    page.get_by_role("link", name="Tổng mức đầu tư").click()
    page.wait_for_url("**/projects?sort=investment")
    assert rows(page)[:3] == ["ql61c-phase2", "can-tho-ca-mau-expressway",
                              "chau-doc-can-tho-soc-trang-expressway"]
    assert page.locator('th[aria-sort="ascending"]').inner_text().startswith("Tổng mức đầu tư")
    page.get_by_role("link", name="Tổng mức đầu tư").click()  # again: the other way
    page.wait_for_url("**/projects?sort=investment&desc=1")
    assert rows(page)[0] == "chau-doc-can-tho-soc-trang-expressway"
    page.get_by_role("link", name="Quá hạn").click()
    page.wait_for_url("**/projects?sort=late")
    assert page.errors == []


def test_table_filters_with_the_form(table_page, output_dir):
    page = table_page
    page.locator("details.table-filters > summary").click()
    page.get_by_label("Đang thi công").check()
    page.get_by_role("button", name="Lọc").click()
    page.wait_for_url("**/projects?status=under_construction**")
    assert rows(page) == UNDER_CONSTRUCTION
    assert page.locator(".selection-count").inner_text().startswith("3 dự án")
    page.get_by_label("Đang thi công").uncheck()
    page.get_by_label("Tìm theo tên hoặc mã").fill("bon tong")
    page.get_by_role("button", name="Lọc").click()
    page.wait_for_url("**q=bon+tong**")
    assert rows(page) == ["bon-tong-mot-ngan"]
    page.get_by_label("Tìm theo tên hoặc mã").fill("Bốn Tổng")
    page.get_by_role("button", name="Lọc").click()
    assert rows(page) == ["bon-tong-mot-ngan"]
    page.get_by_role("link", name="Bỏ lọc").click()
    assert len(rows(page)) == 10
    name = "table.png" if page.js_enabled else "table-no-js.png"
    page.screenshot(path=str(output_dir / name), full_page=True)
    assert page.errors == []


def test_table_and_map_show_the_same_projects(new_page, live_server):
    page = new_page()
    page.goto(live_server.url + "/projects?status=under_construction")
    listed = rows(page)
    page.locator('a[data-link="map"]').first.click()
    page.wait_for_url("**/map?status=under_construction")
    assert wait_for_map(page)["codes"] == listed == UNDER_CONSTRUCTION
    page.locator('a[data-link="table"]').first.click()
    page.wait_for_url("**/projects?status=under_construction")
    assert rows(page) == listed
    assert page.errors == []


def test_language_switch_is_remembered(new_page, live_server):
    page = new_page()
    page.goto(live_server.url + "/projects?status=completed")
    page.get_by_role("link", name="English").click()
    page.wait_for_url("**/projects?status=completed&lang=en")
    assert page.locator("h1").inner_text() == "Projects"
    page.get_by_role("link", name="Dashboard").click()
    assert page.locator("h1").inner_text() == "Programme dashboard"  # the cookie
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.errors == []
