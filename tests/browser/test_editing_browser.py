"""Editing in Chromium, as an editor does it: sign in, edit a project's details, record a
status update, draw its line on the map, then see the changes on the project page, in the
table and on the planners' map, and the audit entries; what the editor typed (markup,
template braces) shows as text everywhere."""

from __future__ import annotations

import pytest

from tracker import auth
from tracker.audit import CLI
from tracker.queries.select import get_project

from .conftest import wait_for_map

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery"
CODE = "dt926"
TYPED = "<img src=x onerror=alert(1)> Đường {{ 7*7 }} {% raw %}"


@pytest.fixture(scope="module")
def editor(live_server):
    with live_server.app.extensions["tracker"].sessions() as s:
        if auth.get_user(s, "thu") is None:
            auth.create_user(s, CLI, "thu", "Trần Thu", "editor", PASSWORD)
    return live_server


def sign_in(page, server) -> None:
    page.goto(server.url + f"/projects/{CODE}")
    page.locator(".sign-in-link").click()
    page.get_by_label("Tên đăng nhập").fill("thu")
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(f"**/projects/{CODE}")


def test_an_editor_edits_records_an_update_draws_and_sees_it_everywhere(editor, new_page,
                                                                        output_dir):
    server = editor
    page = new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    sign_in(page, server)

    # the details
    page.locator('a[data-link="edit"]').click()
    page.wait_for_url(f"**/projects/{CODE}/edit")
    page.get_by_label("Tên tiếng Việt").fill(TYPED)
    page.get_by_label("Tổng mức đầu tư (đồng)").fill("1.234.000.000.000")
    page.screenshot(path=str(output_dir / "edit-form.png"), full_page=True)
    page.get_by_label("Nguồn", exact=True).select_option("baohaugiang")
    page.get_by_role("button", name="Lưu thay đổi").click()
    page.wait_for_url(f"**/projects/{CODE}?saved=edit")
    assert page.locator("h1.project-name").inner_text() == TYPED
    assert page.locator("h1.project-name img").count() == 0

    # a status update
    page.locator('a[data-link="update"]').click()
    page.get_by_label("Tính đến ngày").fill("30/11/2026")
    page.get_by_label("Trạng thái").select_option("completed")
    page.get_by_label("Tiến độ (%)").fill("100")
    page.get_by_label("Ghi chú (tiếng Việt)").fill("Đã thông xe <b>toàn tuyến</b>")
    page.get_by_label("Nguồn", exact=True).select_option("baohaugiang")
    page.get_by_role("button", name="Ghi cập nhật").click()
    page.wait_for_url(f"**/projects/{CODE}?saved=status_update")
    assert "Đã thông xe <b>toàn tuyến</b>" in page.locator(".timeline").inner_text()
    assert page.locator('.status-badge[data-status="completed"]').first.is_visible()

    # the line, drawn with three clicks on the map
    page.locator('a[data-link="geometry"]').click()
    page.wait_for_function("() => window.trackerEditMap && window.trackerEditMap.ready")
    page.get_by_role("button", name="Xóa hình vẽ").click()
    box = page.locator("#edit-map").bounding_box()
    for fx, fy in ((0.3, 0.4), (0.5, 0.5), (0.7, 0.55)):
        page.mouse.click(box["x"] + box["width"] * fx, box["y"] + box["height"] * fy)
    assert page.locator("#draw-count").inner_text() == "3 điểm"
    drawn = page.evaluate("() => window.trackerEditMap.geometry()")
    assert drawn["type"] == "LineString" and len(drawn["coordinates"]) == 3
    page.get_by_label("Độ chính xác vị trí").select_option("digitised")
    page.screenshot(path=str(output_dir / "edit-geometry.png"), full_page=True)
    page.get_by_role("button", name="Lưu vị trí").click()
    page.wait_for_url(f"**/projects/{CODE}?saved=geometry")
    with server.app.extensions["tracker"].sessions() as s:
        stored = get_project(s, CODE)
        assert [list(c) for c in stored.geometry.coords] == drawn["coordinates"]

    # the audit entries on the project page
    audit = page.locator(".project-audit")
    kinds = audit.locator(".audit-entry").evaluate_all("rows => rows.map(r => r.dataset.kind)")
    assert kinds[:3] == ["geometry", "status_update", "edit"]
    assert "thu" in audit.inner_text() and TYPED in audit.inner_text()
    page.screenshot(path=str(output_dir / "edit-project-audit.png"), full_page=True)

    # the table
    page.goto(server.url + "/projects?q=dt926")
    row = page.locator("table.status-table tbody tr").first
    assert TYPED in row.inner_text()
    assert row.locator('.status-badge[data-status="completed"]').count() == 1

    # the planners' map
    page.goto(server.url + f"/map?project={CODE}")
    wait_for_map(page)
    props = page.evaluate(f"() => window.trackerMap.layers['{CODE}'].feature.properties")
    assert props["status"] == "completed" and props["name_vi"] == TYPED
    drawn_on_map = page.evaluate(
        f"() => window.trackerMap.layers['{CODE}'].getLatLngs().length")
    assert drawn_on_map == 3
    box = page.get_by_role("combobox", name="Tìm dự án trên bản đồ")
    box.fill("onerror")
    assert page.locator(".tm-search-hit").all_inner_texts() == [TYPED]
    box.press("Enter")
    popup = page.locator(f'.tm-popup[data-code="{CODE}"][data-loaded="true"]')
    popup.wait_for(state="visible")
    assert popup.locator(".tm-popup-name").inner_text() == TYPED
    assert popup.locator("img").count() == 0
    page.screenshot(path=str(output_dir / "edit-on-the-map.png"))

    # /audit
    page.goto(server.url + "/audit?person=thu")
    assert page.locator(".audit-entry").count() == 3
    assert dialogs == [] and page.errors == []


def test_an_editor_records_an_estimate_and_the_total_follows(editor, new_page):
    """QL61C's total comes from its dated estimates: the details form shows it read-only and
    leads to the estimate form; an approved figure recorded there becomes the total."""
    server = editor
    page = new_page()
    sign_in(page, server)
    page.goto(server.url + "/projects/ql61c-phase2/edit")
    total = page.get_by_label("Tổng mức đầu tư (đồng)")
    assert total.get_attribute("readonly") is not None
    page.locator('.total-from-estimates a[data-link="estimate"]').click()
    page.wait_for_url("**/projects/ql61c-phase2/estimate")
    page.get_by_label("Tổng mức đầu tư (đồng)").fill("3.700.000.000.000")
    page.get_by_label("Ngày của con số").fill("20/11/2026")
    page.get_by_label("Loại con số").select_option("approved")
    page.get_by_label("Ghi chú (tiếng Việt)").fill("Phê duyệt <b>điều chỉnh</b>")
    page.get_by_label("Nguồn", exact=True).select_option("mpi-1319-bkhdt")
    page.get_by_role("button", name="Ghi tổng mức đầu tư").click()
    page.wait_for_url("**/projects/ql61c-phase2?saved=estimate")
    current = page.locator("tr.current-estimate")
    assert current.get_attribute("data-estimate") == "approved-2026-11"
    assert "3.700 tỷ đồng" in current.inner_text()
    assert "Phê duyệt <b>điều chỉnh</b>" in current.inner_text()
    with server.app.extensions["tracker"].sessions() as s:
        assert get_project(s, "ql61c-phase2").total_investment_vnd == 3_700_000_000_000
