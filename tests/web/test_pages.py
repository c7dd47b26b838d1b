"""The HTML pages, read as a person's browser receives them (both databases): the status table,
its CSV and GeoJSON twins, the project page, the dashboard, language, errors, local assets."""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import orjson
import pytest
from sqlalchemy import select

from tests.conftest import TODAY
from tests.factories import make_project
from tracker import vocab
from tracker.collation import sort_key
from tracker.fields import RECORD_FIELDS
from tracker.models import Project
from tracker.queries.select import TABLE_SORTS

SEEDED = 10
UNDER_CONSTRUCTION = {"can-tho-ca-mau-expressway", "chau-doc-can-tho-soc-trang-expressway",
                      "vam-xang-bridge"}


class Page(HTMLParser):
    """The parts of a page the tests look at: table rows, links, assets, text."""

    def __init__(self, html: str):
        super().__init__()
        self.rows: list[str] = []  # data-code of table rows, in order
        self.links: list[dict[str, str]] = []
        self.assets: list[str] = []  # src/href of every script and stylesheet link
        self.badges: list[dict[str, str]] = []
        self.text: list[str] = []
        self._skip = 0
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        if tag == "tr" and "data-code" in a:
            self.rows.append(a["data-code"])
        if tag == "a" and "href" in a:
            self.links.append(a)
        if tag == "script" and a.get("src"):
            self.assets.append(a["src"])
        if tag == "link" and a.get("rel") in ("stylesheet", "icon", "preload"):
            self.assets.append(a["href"])
        if tag == "span" and "status-badge" in a.get("class", ""):
            self.badges.append(a)
        if tag in ("script", "style"):
            self._skip += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.text.append(data.strip())

    def link(self, data_link: str) -> str:
        return next(a["href"] for a in self.links if a.get("data-link") == data_link)


def get_page(client, url: str, status: int = 200) -> Page:
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return Page(response.get_data(as_text=True))


def query(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


# --------------------------------------------------------------------------- status table

def test_table_lists_every_project_with_its_columns(seeded_app, client):
    page = get_page(client, "/projects")
    assert len(page.rows) == SEEDED
    with seeded_app.extensions["tracker"].sessions() as s:  # by name (Vietnamese order)
        names = {p.code: p.name_vi for p in s.scalars(select(Project))}
    assert page.rows == sorted(names, key=lambda code: sort_key(names[code]))
    text = " ".join(page.text)
    for heading in ("Tên dự án", "Loại", "Trạng thái", "Tiến độ (%)", "Chiều dài (km)",
                    "Tổng mức đầu tư", "Đã giải ngân", "Tỷ lệ giải ngân", "Dự kiến hoàn thành",
                    "Quá hạn"):
        assert heading in text
    assert "44.690 tỷ đồng" in text  # Vietnamese money
    assert "chưa có dữ liệu" in text  # unknown is never 0
    assert "quá hạn 337 ngày" in text  # Cần Thơ – Cà Mau: planned 19/12/2025, today 21/11/2026


def test_status_badges_use_the_vocabulary_colours(seeded_app, client):
    page = get_page(client, "/projects")
    assert page.badges
    for badge in page.badges:
        status = vocab.STATUS_BY_CODE[badge["data-status"]]
        assert f"background-color: {status.colour}" in badge["style"]


def test_totals_row_sums_the_selection(seeded_app, client):
    from tracker.formatting import km, vnd
    from tracker.queries.figures import summary
    from tracker.queries.filter import ProjectFilter

    with seeded_app.extensions["tracker"].sessions() as s:
        result = summary(s, ProjectFilter(), date.fromisoformat(TODAY))
    html = client.get("/projects").get_data(as_text=True)
    foot = html[html.index("<tfoot>"):html.index("</tfoot>")]
    # programme and related apart: no "together" line unless asked
    assert "Tổng cộng" not in foot
    assert "Cộng nhóm “Thuộc Chương trình hợp tác”: 8 dự án" in foot
    assert "Cộng nhóm “Dự án liên quan”: 2 dự án" in foot
    programme, related = result.by_role["programme"], result.by_role["related"]
    assert km(programme.km).removesuffix(" km") in foot
    assert km(related.km).removesuffix(" km") in foot
    assert "≈ " + vnd(programme.investment_vnd) in foot
    assert "≥ " + vnd(related.investment_vnd) in foot
    assert "1/8 dự án có số liệu" in foot  # the programme's investment sum covers 1 project
    assert "0 đồng" not in foot  # nobody's disbursement is known: no data, not 0
    together = client.get("/projects?programme_role=all").get_data(as_text=True)
    assert "Tổng cộng: 10 dự án" in together[together.index("<tfoot>"):]


def test_search_ignores_diacritics_and_case(seeded_app, client):
    for q in ("bon tong", "Bốn Tổng", "BỐN TỔNG", "bốn tong", "mot ngan"):
        assert get_page(client, f"/projects?q={q}").rows == ["bon-tong-mot-ngan"], q


def test_filters_select_rows(seeded_app, client):
    assert set(get_page(client, "/projects?status=under_construction").rows) == \
        UNDER_CONSTRUCTION
    assert get_page(client, "/projects?kind=bridge").rows == ["vam-xang-bridge"]
    assert set(get_page(client, "/projects?status=completed&status=proposed").rows) == \
        set(get_page(client, "/projects?status=completed,proposed").rows)
    assert get_page(client, "/projects?province=an-giang").rows == [
        "chau-doc-can-tho-soc-trang-expressway"]
    assert get_page(client, "/projects?owner=hậu giang").rows == ["ql61c-phase2"]
    empty = get_page(client, "/projects?q=no-such-thing")
    assert empty.rows == [] and "Không có dự án nào khớp với bộ lọc." in empty.text


def test_map_and_table_show_the_same_selection(seeded_app, client):
    """/map?status=X fetches exactly the projects /projects?status=X lists."""
    for args in ("status=under_construction", "kind=road&q=61c", "province=ca-mau", ""):
        table = get_page(client, f"/projects?{args}").rows
        map_page = client.get(f"/map?{args}").get_data(as_text=True)
        url = re.search(r'<link rel="preload" href="([^"]+)"', map_page).group(1)
        url = url.replace("&amp;", "&")
        features = orjson.loads(client.get(url).data)["features"]
        assert sorted(f["id"] for f in features) == sorted(table), args


def test_every_column_sorts_both_ways(seeded_app, client):
    for sort in TABLE_SORTS:
        up = get_page(client, f"/projects?sort={sort}").rows
        down = get_page(client, f"/projects?sort={sort}&desc=1").rows
        assert sorted(up) == sorted(down) and len(up) == SEEDED, sort


def test_sorting_orders_by_value_with_unknowns_last(seeded_app, client):
    by_investment = get_page(client, "/projects?sort=investment&desc=1").rows
    assert by_investment[:3] == ["chau-doc-can-tho-soc-trang-expressway",
                                 "can-tho-ca-mau-expressway", "ql61c-phase2"]
    ascending = get_page(client, "/projects?sort=investment").rows
    assert ascending[:3] == ["ql61c-phase2", "can-tho-ca-mau-expressway",
                             "chau-doc-can-tho-soc-trang-expressway"]  # no data stays last
    assert get_page(client, "/projects?sort=late&desc=1").rows[0] == "can-tho-ca-mau-expressway"
    statuses = [vocab.STATUS_BY_CODE[b["data-status"]].order
                for b in get_page(client, "/projects?sort=status").badges]
    assert statuses == sorted(statuses)  # vocabulary order, not alphabetical


def test_sort_links_toggle_direction_and_keep_filters(seeded_app, client):
    page = get_page(client, "/projects?status=completed&sort=length")
    hrefs = {query(a["href"]).get("sort", [""])[0]: a["href"] for a in page.links
             if "sort-link" in a.get("class", "")}
    assert set(hrefs) == set(TABLE_SORTS) - {"updated", "code"}  # every column of the table
    assert query(hrefs["length"])["desc"] == ["1"]  # the current column turns around
    assert "desc" not in query(hrefs["name"])
    assert all(query(h)["status"] == ["completed"] for h in hrefs.values())


BAD = [("/projects?sort=nope", 400), ("/projects?desc=maybe", 400), ("/projects?page=0", 400),
       ("/projects?page=x", 400), ("/projects?page=2", 404), ("/projects?status=done", 400),
       ("/projects?bbox=1,2,3", 400), ("/map?kind=tunnel", 400), ("/?province=paris", 400)]


def test_bad_parameters_get_a_friendly_page(seeded_app, client):
    for url, status in BAD:
        response = client.get(url)
        assert response.status_code == status, url
        html = response.get_data(as_text=True)
        assert "Traceback" not in html
        assert "<h1" in html and "Về trang chủ" in html, url
    assert client.get("/projects.csv?sort=nope").status_code == 400  # a person's link: HTML
    vi = client.get("/projects?status=done").get_data(as_text=True)
    assert "Giá trị của tham số “status” không hợp lệ." in vi and "Chi tiết kỹ thuật" in vi
    en = client.get("/projects?status=done&lang=en").get_data(as_text=True)
    assert "The value given for “status” is not valid." in en
    for url in ("/projects.geojson?status=done", "/map/features.geojson?kind=tunnel",
                "/map/popup/nope.json"):
        response = client.get(url)
        assert response.status_code in (400, 404) and response.is_json, url
        assert response.get_json()["error"]


def test_table_is_paginated_past_100_rows(app, client):
    from bench.synthetic import populate

    with app.extensions["tracker"].sessions() as s:
        populate(s, 250)
    first = get_page(client, "/projects?sort=code")
    assert len(first.rows) == 100 and "250 dự án" in " ".join(first.text)
    assert "trang 1/3" in " ".join(first.text)
    last = get_page(client, "/projects?sort=code&page=3")
    assert len(last.rows) == 50
    assert set(first.rows).isdisjoint(last.rows)
    next_link = next(a["href"] for a in first.links if a.get("rel") == "next")
    assert query(next_link)["page"] == ["2"]
    second = get_page(client, next_link)
    assert len(second.rows) == 100 and second.rows[0] > first.rows[-1]
    # sorting and filters survive paging
    page2 = get_page(client, "/projects?sort=investment&desc=1&q=tong&page=2")
    nxt = next(a["href"] for a in page2.links if a.get("rel") == "next")
    assert query(nxt) == {"sort": ["investment"], "desc": ["1"], "q": ["tong"], "page": ["3"]}
    assert client.get("/projects?page=4").status_code == 404


# --------------------------------------------------------------------------- CSV / GeoJSON

def test_csv_and_geojson_twins_follow_the_table(seeded_app, client):
    for args in ("", "status=under_construction", "q=bon tong", "kind=road&sort=length&desc=1"):
        table = get_page(client, f"/projects?{args}").rows
        response = client.get(f"/projects.csv?{args}")
        assert response.status_code == 200
        assert response.mimetype == "text/csv"
        assert "attachment" in response.headers["Content-Disposition"]
        text = response.data.decode("utf-8")
        assert text.startswith("\ufeff"), "Excel needs the BOM to read Vietnamese"
        rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
        assert [r["code"] for r in rows] == table, args
        api = client.get(f"/api/v1/projects.csv?{args.replace('&sort=length&desc=1', '')}")
        assert sorted(rows, key=lambda r: r["code"]) == list(csv.DictReader(io.StringIO(
            api.data.decode("utf-8").lstrip("\ufeff")))), "one CSV dialect for both"
        gj = client.get(f"/projects.geojson?{args}")
        assert gj.mimetype == "application/geo+json"
        assert [f["id"] for f in orjson.loads(gj.data)["features"]] == table, args
    header = client.get("/projects.csv").data.decode("utf-8").lstrip("\ufeff").splitlines()[0]
    assert header.split(",") == [*RECORD_FIELDS, "WKT", "X", "Y"]


def test_pages_link_to_exports_of_the_same_selection(seeded_app, client):
    for url in ("/projects?status=completed&q=dt", "/map?status=completed&q=dt"):
        page = get_page(client, url)
        for kind in ("geojson", "csv"):
            args = query(page.link(kind))
            assert args["status"] == ["completed"] and args["q"] == ["dt"]
    assert query(get_page(client, "/projects?kind=road").link("map"))["kind"] == ["road"]
    assert query(get_page(client, "/map?kind=road").link("table"))["kind"] == ["road"]


# --------------------------------------------------------------------------- project page

def test_project_page_shows_facts_funding_history_sources(seeded_app, client):
    response = client.get("/projects/ql61c-phase2")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    page = Page(html)
    text = " ".join(page.text)
    assert "Mở rộng Quốc lộ 61C giai đoạn 2 (Vị Thanh – Cần Thơ)" in text
    assert "National Road 61C widening, phase 2" in text  # the other language's name
    # the latest dated estimate, qualified, with the first proposal in the history
    assert "≈ 3.556,69 tỷ đồng" in text and "3.556.690.000.000 đồng" in text
    assert "3.888 tỷ đồng" in text and "Đề xuất" in text
    assert "37,152 km" in text  # the stated length at the source's precision
    assert "Vị trí gần đúng" in text
    assert "Cơ cấu nguồn vốn" in text and "Vốn ODA" in text
    assert "Lịch sử trạng thái (mới nhất trước)" in text
    # the history, newest first
    dates = re.findall(r'<time datetime="([^"]+)"', html)
    assert len(dates) >= 2 and dates == sorted(dates, reverse=True)
    # sources are links, and only http(s) ones
    source_links = [a["href"] for a in page.links if a.get("rel") == "noopener noreferrer"]
    assert source_links and all(h.startswith(("http://", "https://")) for h in source_links)
    # its GeoJSON and its place on the big map
    gj = client.get(page.link("geojson"))
    feature = orjson.loads(gj.data)
    assert feature["type"] == "Feature" and feature["id"] == "ql61c-phase2"
    assert feature["geometry"]["type"] == "LineString"
    assert query(page.link("map")) == {"project": ["ql61c-phase2"]}
    # a small map of the project, drawn from inline data (one feature)
    assert "/map/frame/project.vi.js" in html and '"data":' in html and "preload" not in html


def test_project_without_geometry_says_so(app, client):
    with app.extensions["tracker"].sessions() as s:
        s.add(make_project("new-idea", geometry=None, geometry_accuracy=None,
                           name_vi="Ý tưởng mới"))
        s.commit()
    html = client.get("/projects/new-idea").get_data(as_text=True)
    assert "Dự án chưa có vị trí trên bản đồ." in html and "/map/frame/" not in html
    table = client.get("/projects").get_data(as_text=True)
    assert "chưa có trên bản đồ" in table
    assert "1 dự án chưa có trên bản đồ" in client.get("/map").get_data(as_text=True)


@pytest.mark.parametrize("lang, title", [("vi", "Không tìm thấy trang"),
                                         ("en", "Page not found")])
def test_unknown_project_is_a_friendly_404(seeded_app, client, lang, title):
    response = client.get(f"/projects/no-such-road?lang={lang}")
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert title in html and "no-such-road" in html and "Traceback" not in html
    assert client.get("/projects/no-such-road.geojson").status_code == 404
    assert client.get("/map?project=no-such-road").status_code == 404


# --------------------------------------------------------------------------- dashboard

def test_dashboard_counts_money_km_and_late_projects(seeded_app, client):
    html = client.get("/").get_data(as_text=True)
    page = Page(html)
    text = " ".join(page.text)
    assert "Tổng quan chương trình" in text
    counts: dict[str, int] = {}  # one table per programme role: added up here
    for status, n in re.findall(
            r'<tr data-status="([a-z_]+)">.*?<td class="num">(\d+)</td>', html, re.S):
        counts[status] = counts.get(status, 0) + int(n)
    assert counts["under_construction"] == 3 and counts["completed"] == 5
    assert sum(counts.values()) == SEEDED
    # programme and related apart, a lower bound as one; never the old 76.101 tỷ that
    # added a first proposal to two whole national expressways
    assert "≈ 3.556,69 tỷ đồng" in text and "≥ 72.213 tỷ đồng" in text
    assert "76.101" not in text
    # its last status (18/12/2025) predates its planned end (19/12/2025): not confirmed late
    assert "can-tho-ca-mau-expressway" in html and "quá hạn 337 ngày" not in text
    assert "Quá hạn — chưa xác nhận" in text and "quá hạn — chưa xác nhận" in text
    assert 'data-late-count="0"' in html and 'data-late-unconfirmed-count="1"' in html
    # on 21/11/2026 every open project's status is older than 180 days
    assert 'data-stale-count="5"' in html
    # links into the map and the table with the status applied
    status_links = [a["href"] for a in page.links if "status=under_construction" in a["href"]]
    assert any(h.startswith("/map?") for h in status_links)
    assert any(h.startswith("/projects?") for h in status_links)
    late = next(a["href"] for a in page.links if a.get("data-link") == "late-table")
    assert query(late) == {"sort": ["late"], "desc": ["1"]}


def test_dashboard_honours_the_filter(seeded_app, client):
    page = get_page(client, "/?kind=bridge")
    assert "Số liệu theo bộ lọc đang chọn" in " ".join(page.text)
    assert query(page.link("map")) == {"kind": ["bridge"]}


# --------------------------------------------------------------------------- language

def test_vietnamese_by_default_english_by_switch_and_cookie(seeded_app, client):
    html = client.get("/projects").get_data(as_text=True)
    assert '<html lang="vi">' in html and "Danh sách dự án" in html
    response = client.get("/projects?lang=en")
    assert "lang=en" in response.headers["Set-Cookie"]
    assert '<html lang="en">' in response.get_data(as_text=True)
    later = client.get("/").get_data(as_text=True)  # the cookie remembers
    assert '<html lang="en">' in later and "Programme dashboard" in later
    assert "≥ 72,213 billion VND" in later
    client.get("/?lang=vi")
    assert '<html lang="vi">' in client.get("/").get_data(as_text=True)


def test_language_switch_keeps_the_filters(seeded_app, client):
    page = get_page(client, "/projects?status=completed&sort=name")
    switch = next(a["href"] for a in page.links if a.get("hreflang") == "en")
    assert query(switch) == {"status": ["completed"], "sort": ["name"], "lang": ["en"]}


def test_every_visible_string_is_translated(seeded_app, client):
    """The English page shows none of the Vietnamese interface words (data, such as place
    names and the sources' notes, stays as it is)."""
    for url in ("/", "/map", "/projects", "/projects/ql61c-phase2", "/projects/nope"):
        check_english(client, url)


def check_english(client, url):
    status = 404 if url.endswith("nope") else 200
    english = " ".join(get_page(client, url + "?lang=en", status).text)
    for vietnamese in ("Danh sách dự án", "Bản đồ", "Tổng cộng", "Tổng quan", "Tổng mức",
                       "Trạng thái", "Bộ lọc", "chưa có dữ liệu", "Tải GeoJSON", "Xem bảng",
                       "Về trang chủ", "Lịch sử", "Nguồn tài liệu", "Dự kiến hoàn thành",
                       "Quá hạn", "Tiến độ", "Đã giải ngân", "Chú giải"):
        assert vietnamese not in english, (url, vietnamese)


# --------------------------------------------------------------------------- assets, no CDN

def test_pages_use_only_local_assets(seeded_app, client):
    for url in ("/", "/map", "/projects", "/projects/vam-xang-bridge",
                "/map?project=xa-no-canal", "/projects/nope", "/?lang=en"):
        check_local_assets(client, url)


def check_local_assets(client, url):
    response = client.get(url)
    html = response.get_data(as_text=True)
    assert "cdn" not in html.lower()
    page = Page(html)
    assert page.assets
    for src in page.assets:
        assert src.startswith("/") and not src.startswith("//"), src
        with client.get(src) as asset:
            assert asset.status_code == 200, src
    if not url.startswith("/projects/"):  # (a project page links to its web sources)
        # the only remote URLs are the basemap's tiles and its attribution link (the OGC
        # API address for QGIS is the app's own, on its host)
        remote = set(re.findall(r"https?://[^\s\"'<>\\]+", html)) - {"http://localhost/ogc"}
        assert remote <= {"https://tile.openstreetmap.org/{z}/{x}/{y}.png",
                          "https://www.openstreetmap.org/copyright"}


def test_configured_tile_server_is_offered_first(seeded_app, tmp_path):
    from tracker import create_app

    url = seeded_app.extensions["tracker"].settings.database_url
    app = create_app({"database_url": url, "instance_path": str(tmp_path), "today": TODAY,
                      "osm_tiles": False,
                      "tiles_url": "http://tiles.intranet.local/{z}/{x}/{y}.png"})
    try:
        client = app.test_client()
        page = client.get("/map").get_data(as_text=True)
        frame = re.search(r'<script src="(/map/frame/[^"]+)"', page).group(1)
        html = page + client.get(frame).get_data(as_text=True)  # the map's frame, as a file
    finally:
        app.extensions["tracker"].engine.dispose()
    remote = set(re.findall(r"https?://[^\s\"'<>\\]+", html)) - {"http://localhost/ogc"}
    assert remote == {"http://tiles.intranet.local/{z}/{x}/{y}.png"}
    layer = re.search(r"var (tile_layer_\w+) = L.tileLayer\(\s*\"http://tiles.intranet", html)
    assert layer and f"{layer.group(1)}.addTo(" in html  # shown by default
