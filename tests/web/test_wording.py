"""What the pages say, as a Vietnamese department reads them (both databases): the terms,
dates with their leading zeros, Vietnam time, no field keys or the seed's author name, one
legend for unknown values instead of the words in every cell, and each note in the reader's
language only."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime

from sqlalchemy import text

from tests.web.test_pages import Page, get_page
from tracker import formatting

PAGES = ("/", "/projects", "/projects/ql61c-phase2", "/projects/can-tho-ca-mau-expressway",
         "/projects/vam-xang-bridge", "/map")
FIELD_KEYS = ("total_investment_vnd", "description_vi", "description_en", "stated_length_km",
              "planned_end", "planned_start", "actual_start", "geometry", "funding")


def visible(page: Page) -> str:
    return " ".join(page.text)


def test_terms_a_vietnamese_department_uses(seeded_app, client):
    table = visible(get_page(client, "/projects"))
    for term in ("Tiến độ (%)", "Dự kiến hoàn thành", "Quá hạn", "quá hạn 337 ngày"):
        assert term in table, term
    project = visible(get_page(client, "/projects/can-tho-ca-mau-expressway"))
    assert "Dự kiến hoàn thành" in project and "Dự kiến khởi công" in project
    for wrong in ("Trễ hạn", "trễ", "Hoàn thành dự kiến", "Khởi công dự kiến"):
        for url in PAGES:
            assert wrong not in visible(get_page(client, url)), (url, wrong)


def test_dates_have_their_leading_zeros(seeded_app, client):
    for url in PAGES:
        words = visible(get_page(client, url))
        assert not re.search(r"(?<![\d/])\d{1,2}/\d/\d{4}", words), url
        assert not re.search(r"(?<![\d/])\d/\d{1,2}/\d{4}", words), url
    assert "Tỉnh/thành (trước 01/07/2025)" in visible(get_page(client, "/projects"))
    project = visible(get_page(client, "/projects/can-tho-ca-mau-expressway"))
    assert "19/12/2025" in project and "01/01/2023" in project
    table = client.get("/projects").get_data(as_text=True)  # a year stays a year
    assert '<td class="date" data-label="Dự kiến hoàn thành">2027</td>' in table


def test_times_are_vietnam_time_never_utc(seeded_app, client):
    with seeded_app.extensions["tracker"].sessions() as s:  # 20:30 UTC is 03:30 next day
        s.execute(text("UPDATE projects SET updated_at = '2026-11-20 20:30:00' "
                       "WHERE code = 'dt926'"))
        s.commit()
    html = client.get("/projects/dt926").get_data(as_text=True)
    assert '<time datetime="2026-11-21T03:30+07:00">21/11/2026 03:30</time>' in html
    assert "Hồ sơ sửa lần cuối (giờ Việt Nam)" in visible(Page(html))
    english = visible(get_page(client, "/projects/dt926?lang=en"))
    assert "Record last edited (Vietnam time)" in english and "21/11/2026 03:30" in english
    # a project as the seed loaded it shows the date of its status, never its loading time
    seeded = visible(get_page(client, "/projects/can-tho-ca-mau-expressway?lang=vi"))
    assert "Hồ sơ sửa lần cuối" not in seeded
    assert "trạng thái tính đến 18/12/2025" in seeded
    for url in PAGES:
        assert "UTC" not in visible(get_page(client, url)), url
        assert "UTC" not in visible(get_page(client, url + "?lang=en")), url


def test_vietnam_time_formatting():
    assert formatting.moment(datetime(2026, 12, 31, 17, 5)) == "01/01/2027 00:05"
    assert formatting.moment(datetime(2026, 6, 1, 1, 0, tzinfo=UTC)) == "01/06/2026 08:00"
    assert formatting.iso_moment(datetime(2026, 6, 1, 1, 0)) == "2026-06-01T08:00+07:00"
    assert formatting.moment(None) == "chưa có dữ liệu"
    assert formatting.moment(None, "en") == "no data"


def test_history_says_who_recorded_it_in_words(seeded_app, client):
    page = get_page(client, "/projects/ql61c-phase2")
    words = visible(page)
    assert "dữ liệu ban đầu (theo nguồn dẫn)" in words
    assert not re.search(r"\bseed\b", words)
    assert "initial data (from the cited source)" in visible(
        get_page(client, "/projects/ql61c-phase2?lang=en"))


def test_sources_name_the_facts_they_support_by_their_labels(seeded_app, client):
    for lang, expected in (("vi", ("Các ước tính tổng mức đầu tư", "Mô tả (tiếng Việt)",
                                   "Trạng thái")),
                           ("en", ("Investment estimates", "Description (Vietnamese)", "Status"))):
        html = client.get(f"/projects/ql61c-phase2?lang={lang}").get_data(as_text=True)
        supports = " ".join(re.findall(r'<div class="small text-muted supports">(.*?)</div>',
                                       html, re.S))
        assert supports, lang
        for label in expected:
            assert label in supports, (lang, label)
        for key in FIELD_KEYS:
            assert not re.search(rf"\b{key}\b", supports), (lang, key)


def test_unknown_values_are_a_dash_with_one_legend(seeded_app, client):
    html = client.get("/projects").get_data(as_text=True)
    body = html[html.index("<tbody>"):html.index("</tbody>")]
    assert 'class="text-muted nodata"' not in body  # the words are not repeated per cell
    dashes = re.findall(r'<span class="nodata-dash" title="([^"]+)"><span aria-hidden="true">'
                        r'–</span><span class="visually-hidden">([^<]+)</span></span>', body)
    assert len(dashes) >= 30  # most figures are not known yet
    assert set(dashes) == {("chưa có dữ liệu", "chưa có dữ liệu")}
    page = Page(html)
    assert page.text.count("Dấu – trong bảng: chưa có dữ liệu (không phải 0).") == 1
    english = client.get("/projects?lang=en").get_data(as_text=True)
    assert 'title="no data"' in english and "A – in the table: no data (not 0)." in english
    # the files keep unknown as empty/null, never a dash or the words
    rows = {r["code"]: r for r in csv.DictReader(io.StringIO(
        client.get("/projects.csv").data.decode("utf-8").lstrip("\ufeff")))}
    assert rows["bon-tong-mot-ngan"]["total_investment_vnd"] == ""
    assert rows["bon-tong-mot-ngan"]["progress_pct"] == ""
    detail = client.get("/api/v1/projects/bon-tong-mot-ngan").get_json()
    assert detail["total_investment_vnd"] is None and detail["progress_pct"] is None


def test_the_table_shows_the_code_small_under_the_name(seeded_app, client):
    html = client.get("/projects").get_data(as_text=True)
    first = html[html.index('<tr data-code="'):]
    first = first[:first.index("</tr>")]
    cells = re.findall(r"<td class=\"([^\"]+)\"", first)
    assert cells[0] == "name" and "code" not in cells  # no code column: the name comes first
    assert re.search(r'<div class="code"><span class="visually-hidden">Mã: </span>'
                     r"<code>can-tho-ca-mau-expressway</code></div>", first)


def test_pages_say_how_recent_their_data_is(seeded_app, client):
    assert "Dữ liệu tính đến 09/03/2026" in visible(get_page(client, "/projects"))
    assert "Dữ liệu tính đến 18/12/2025" in visible(get_page(
        client, "/?status=under_construction"))
    # a project page says the date of its status, with its age (today is 21/11/2026)
    assert "status as of 18/12/2025 (338 days ago)" in visible(get_page(
        client, "/projects/can-tho-ca-mau-expressway?lang=en"))
    assert "Dữ liệu tính đến: chưa có cập nhật nào" in visible(get_page(
        client, "/?q=nothing-here&lang=vi"))
    filtered = client.get("/projects?status=under_construction&kind=bridge&q=vàm&lang=vi"
                          ).get_data(as_text=True)
    assert ("Bộ lọc: Trạng thái: Đang thi công · Loại công trình: Cầu · tìm “vàm”"
            in filtered)
    assert "Bộ lọc: tất cả dự án (không lọc)" in client.get("/").get_data(as_text=True)


# --------------------------------------------------------------------------- notes

QL61C_VI = "Thủ tục đầu tư gần hoàn tất, phấn đấu khởi công năm 2026"
QL61C_EN = "Procedures nearly complete, start aimed for 2026"
FUNDING_VI = "Vốn vay ODA Nhật Bản 21,82 tỷ yên"
FUNDING_EN = "Japanese ODA loan of JPY 21.82 bn"
GEOMETRY_EN = "Approximate, alignment unverified: digitised through estimated waypoints"


def test_notes_are_shown_in_the_readers_language_only(seeded_app, client):
    vi = client.get("/projects/ql61c-phase2").get_data(as_text=True)
    en = client.get("/projects/ql61c-phase2?lang=en").get_data(as_text=True)
    assert QL61C_VI in vi and QL61C_EN not in vi
    assert QL61C_EN in en and QL61C_VI not in en
    assert FUNDING_VI in vi and FUNDING_EN not in vi
    assert FUNDING_EN in en and FUNDING_VI not in en
    assert " / At the signing" not in vi and "QL61C); báo cáo hội nghị (S2) cũng nêu nội dung" \
        " này. /" not in en


def test_a_note_in_one_language_only_is_shown_and_marked(seeded_app, client):
    vi = client.get("/projects/ql61c-phase2").get_data(as_text=True)
    note = re.search(r'<div class="small text-muted geometry-note"><span lang="en">(.*?)</span>'
                     r' <span class="text-muted small other-lang">\(([^)]+)\)</span></div>',
                     vi, re.S)
    assert note and note.group(1).startswith(GEOMETRY_EN)
    assert note.group(2) == "chỉ có bằng tiếng Anh"
    en = client.get("/projects/ql61c-phase2?lang=en").get_data(as_text=True)
    assert re.search(r'<div class="small text-muted geometry-note">' + re.escape(GEOMETRY_EN),
                     en) and "in English only" not in en


def test_the_api_and_exports_carry_both_parts(seeded_app, client):
    updates = client.get("/api/v1/projects/ql61c-phase2/updates").get_json()["items"]
    latest = updates[-1]
    assert latest["note"].startswith(QL61C_VI) and latest["note_en"].startswith(QL61C_EN)
    detail = client.get("/api/v1/projects/ql61c-phase2").get_json()
    oda = detail["funding"][0]
    assert oda["note"].startswith(FUNDING_VI) and oda["note_en"].startswith(FUNDING_EN)
    assert detail["geometry_note"] is None  # no Vietnamese text was ever given: not invented
    assert detail["geometry_note_en"].startswith(GEOMETRY_EN)
    rows = {r["code"]: r for r in csv.DictReader(io.StringIO(
        client.get("/projects.csv").data.decode("utf-8").lstrip("\ufeff")))}
    assert rows["ql61c-phase2"]["geometry_note_en"].startswith(GEOMETRY_EN)


def test_the_seed_file_keeps_each_language_apart():
    """Every note of the seed is split at its one " / " into its Vietnamese and English part;
    the geometry notes were written in English only, so their Vietnamese part stays null."""
    import json

    from tests.conftest import SEED_FILE

    data = json.loads(SEED_FILE.read_text(encoding="utf-8"))
    notes = 0
    for feature in data["features"]:
        props = feature["properties"]
        assert props["geometry_note"] is None and props["geometry_note_en"], props["code"]
        for item in props["updates"] + (props.get("funding") or []):
            if item.get("note") is None:
                continue
            notes += 1
            assert item["note_en"] and " / " not in item["note"] + item["note_en"]
            assert re.search(r"[ạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹđ]",
                             item["note"].lower()), item["note"]  # the Vietnamese part
    assert notes == 17
