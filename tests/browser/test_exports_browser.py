"""The export block in a real Chromium, with and without JavaScript and under the app's CSP:
a person opens "Tải dữ liệu cho GIS" on the filtered table and on the map, picks VN-2000 and
clicks GeoPackage or Shapefile; the download is the selection on screen, in that CRS."""

from __future__ import annotations

import zipfile

import pyogrio
import pytest

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("js", [True, False], ids=["js", "no-js"])
@pytest.mark.parametrize("where, fmt, crs", [
    ("/projects?kind=road&province=hau-giang", "gpkg", "EPSG:9209"),
    ("/map?kind=road&province=hau-giang", "shp.zip", "EPSG:3405"),
])
def test_download_the_selection_in_vn2000(new_page, live_server, tmp_path, js, where, fmt, crs):
    page = new_page(java_script_enabled=js, accept_downloads=True)
    page.goto(live_server.url + where)
    count = int(page.locator(".selection-count").get_attribute("data-count"))
    page.locator("details.exports > summary").click()
    page.locator("details.exports select[name=crs]").select_option(crs)
    with page.expect_download() as info:
        page.locator(f"details.exports button[data-export-crs='{fmt}']").click()
    download = info.value
    assert download.suggested_filename.endswith(f".{fmt}")
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    if fmt == "gpkg":
        layers = [n for n, _t in pyogrio.list_layers(path) if n != "layer_styles"]
        infos = [pyogrio.read_info(path, layer=n) for n in layers]
    else:
        with zipfile.ZipFile(path) as zf:
            names = [n for n in zf.namelist() if n.endswith(".shp")]
        infos = [pyogrio.read_info(f"/vsizip/{path}/{n}") for n in names]
    assert {i["crs"] for i in infos} == {crs}
    assert sum(i["features"] for i in infos) == count
    assert page.errors == []


def test_every_link_is_the_selection_and_the_ogc_address_is_absolute(new_page, live_server):
    page = new_page()
    page.goto(live_server.url + "/map?status=completed")
    page.locator("details.exports > summary").click()
    hrefs = page.locator("details.exports a[data-export]").evaluate_all(
        "(links) => links.map((a) => a.href)")
    assert len(hrefs) == 6 and all(h.endswith("?status=completed") for h in hrefs)
    field = page.get_by_label("Địa chỉ OGC API – Features (dán vào QGIS)")
    assert field.input_value() == live_server.url + "/ogc"
    assert page.errors == []
