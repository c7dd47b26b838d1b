"""The import in Chromium, as an editor does it: choose a GIS file (a GeoPackage in VN-2000
written by GDAL), see the preview (the VN-2000 note, the new project, the change old → new,
the unknown column), confirm, and find the project in the register."""

from __future__ import annotations

import pytest
from shapely.geometry import Point

from tests.imports.helpers import write_gis
from tests.test_vn2000 import PLACES, vn2000_positions
from tracker import auth
from tracker.audit import CLI
from tracker.queries.select import get_project

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def editor(live_server):
    with live_server.app.extensions["tracker"].sessions() as s:
        if auth.get_user(s, "hoa") is None:
            auth.create_user(s, CLI, "hoa", "Lê Hoa", "editor", PASSWORD)
    return live_server


def test_an_editor_uploads_previews_and_confirms(editor, new_page, output_dir, tmp_path):
    server = editor
    x, y = vn2000_positions(5897)["Ngã Bảy, Hậu Giang"]
    path = write_gis(tmp_path / "khao-sat.gpkg", [
        {"ma_du_an": "cau-nga-bay-khao-sat", "ten_du_an": "Cầu Ngã Bảy (khảo sát)",
         "loai": "bridge", "trang_thai": "proposed", "do_chinh_xac": "surveyed",
         "mau_sac": "đỏ"}], [Point(x, y)], "EPSG:5897", "GPKG")
    page = new_page()
    page.goto(server.url + "/sign-in")
    page.get_by_label("Tên đăng nhập").fill("hoa")
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_load_state()
    page.locator('a[data-link="import"]').click()
    page.wait_for_url("**/imports/_new")
    page.set_input_files("#import-file", str(path))
    page.get_by_role("button", name="Xem trước").click()
    page.locator(".import-confirm").wait_for()
    assert "VN-2000" in page.locator(".import-notes").inner_text()
    assert "mau_sac" in page.locator(".import-unknown").inner_text()
    assert "cau-nga-bay-khao-sat" in page.locator("table.import-create").inner_text()
    page.screenshot(path=str(output_dir / "import-preview.png"), full_page=True)
    page.get_by_role("button", name="Xác nhận nhập").click()
    page.locator(".import-done").wait_for()
    page.screenshot(path=str(output_dir / "import-done.png"), full_page=True)
    with server.app.extensions["tracker"].sessions() as s:
        project = get_project(s, "cau-nga-bay-khao-sat")
        assert project is not None
        lon, lat = PLACES["Ngã Bảy, Hậu Giang"]
        assert project.geometry.distance(Point(lon, lat)) < 1e-6
