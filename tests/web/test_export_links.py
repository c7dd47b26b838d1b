"""The table and the map offer every export format and the CRS choice for exactly the selection
on screen (the same filter), and the OGC API address to paste into QGIS (templates/_exports.html):
each link and the CRS form, followed, give a file of the projects the page shows."""

from __future__ import annotations

from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from lxml import html as lxml_html

from tests.api.helpers import read_export
from tracker.formats.base import FORMATS

PAGES = ("/projects", "/map")
SELECTIONS = ("status=completed&q=dt", "kind=road&province=hau-giang", "")
CRS = ["EPSG:4326", "EPSG:3405", "EPSG:5897", "EPSG:9209"]


def exports_block(client, url: str):
    r = client.get(url)
    assert r.status_code == 200
    doc = lxml_html.fromstring(r.get_data(as_text=True))
    [block] = doc.xpath("//details[contains(concat(' ', @class, ' '), ' exports ')]")
    [counter] = doc.xpath("//*[contains(concat(' ', @class, ' '), ' selection-count ')]")
    count = int(counter.get("data-count"))
    return block, count


def args(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("selection", SELECTIONS)
def test_every_format_is_offered_for_the_selection_on_screen(seeded_app, client, tmp_path,
                                                             page, selection):
    block, count = exports_block(client, f"{page}?{selection}")
    links = {a.get("data-export"): a.get("href") for a in block.xpath(".//a[@data-export]")}
    assert list(links) == list(FORMATS)
    for fmt, href in links.items():
        assert urlsplit(href).path == f"/api/v1/projects.{fmt}"
        assert args(href) == parse_qs(selection), (page, fmt)  # the page's own filter
        r = client.get(href)
        assert r.status_code == 200, (href, r.get_data(as_text=True)[:200])
        path = tmp_path / f"x.{fmt}"
        path.write_bytes(r.data)
        rows, _geoms, _facts = read_export(str(path), fmt)
        assert len(rows) == count, (page, fmt)  # what the person sees is what they export


@pytest.mark.parametrize("page", PAGES)
def test_the_crs_form_keeps_the_filter_and_names_the_file(seeded_app, client, tmp_path, page):
    selection = "kind=road&province=hau-giang"
    block, count = exports_block(client, f"{page}?{selection}")
    [form] = block.xpath(".//form[contains(@class, 'export-crs')]")
    assert form.get("method") == "get"
    hidden = {i.get("name"): i.get("value") for i in form.xpath(".//input[@type='hidden']")}
    assert hidden == {"kind": "road", "province": "hau-giang"}
    assert [o.get("value") for o in form.xpath(".//select[@name='crs']/option")] == CRS
    buttons = {b.get("data-export-crs"): b.get("formaction") for b in form.xpath(".//button")}
    assert buttons == {"gpkg": "/api/v1/projects.gpkg", "shp.zip": "/api/v1/projects.shp.zip"}
    for fmt, action in buttons.items():
        for crs in CRS:  # what the browser sends: the hidden fields, then the choice
            r = client.get(f"{action}?{urlencode({**hidden, 'crs': crs})}")
            assert r.status_code == 200, (fmt, crs, r.get_data(as_text=True)[:200])
            path = tmp_path / f"x.{fmt}"
            path.write_bytes(r.data)
            rows, _geoms, facts = read_export(str(path), fmt)
            assert len(rows) == count
            spatial = [i for n, i in facts["layers"].items() if i["crs"]]
            assert spatial and {i["crs"] for i in spatial} == {crs}, (fmt, crs)


@pytest.mark.parametrize("page", PAGES)
def test_the_ogc_api_address_is_there_to_paste(seeded_app, client, page):
    block, _count = exports_block(client, page)
    [field] = block.xpath(".//input[@data-ogc-url]")
    assert field.get("readonly") is not None and field.get("value") == "http://localhost/ogc"
    label = block.xpath(f".//label[@for='{field.get('id')}']")[0].text_content()
    assert "OGC API" in label
    assert client.get(urlsplit(field.get("value")).path).status_code == 200
    text = block.text_content()
    assert "projects-lines" in text and "projects-points" in text


def test_the_block_speaks_the_reader_s_language(seeded_app, client):
    vi, _ = exports_block(client, "/projects")
    en, _ = exports_block(client, "/projects?lang=en")
    assert "Tải dữ liệu cho GIS" in vi.text_content()
    assert "Download for GIS" in en.text_content()
    assert "Hệ tọa độ" in vi.text_content() and "Coordinate system" in en.text_content()


def test_each_block_has_its_own_ids(seeded_app, client):
    for page in PAGES:
        r = client.get(page)
        doc = lxml_html.fromstring(r.get_data(as_text=True))
        ids = [el.get("id") for el in doc.iter() if el.get("id")]
        assert len(ids) == len(set(ids)), page
