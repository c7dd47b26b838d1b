"""The dashboard, the status table and a project page as a department uses them, in a real
Chromium: on a 1366×768 screen and a 390×844 phone, printed to A4 (Chromium's own PDF, read
back with pypdf), and in one language at a time (no label of the other language shows)."""

from __future__ import annotations

import io
import re
import unicodedata

import pytest
from pypdf import PdfReader

from tracker.i18n import catalogue

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
PROJECT = "can-tho-ca-mau-expressway"
SEEDED = 10
A4_LONG, A4_SHORT = 842, 595  # points
HEADERS_VI = ["Tên dự án", "Loại", "Trạng thái", "Trạng thái tính đến", "Tiến độ (%)",
              "Chiều dài (km)",
              "Tổng mức đầu tư", "Đã giải ngân", "Tỷ lệ giải ngân", "Dự kiến hoàn thành",
              "Quá hạn"]
HEADERS_EN = ["Name", "Kind", "Status", "Status as of", "Progress (%)", "Length (km)",
              "Total investment",
              "Disbursed", "Disbursement", "Planned end", "Overdue"]


def horizontal_overflow(page) -> int:
    """How many CSS pixels the page is wider than the screen (0: no sideways scrolling).
    The screen's width is the viewport asked for: a phone browser widens its layout to fit a
    page that is too wide (window.innerWidth grows with it), and zooms out."""
    width = page.viewport_size["width"]
    return page.evaluate("(w) => Math.max(document.scrollingElement.scrollWidth, "
                         "window.innerWidth) - w", width)


def inside_window(page, selector: str) -> list[bool]:
    """For each element: is it drawn, whole, within the screen's width?"""
    return page.locator(selector).evaluate_all("""(els, w) => els.map((el) => {
        const r = el.getBoundingClientRect();
        return el.checkVisibility() && r.width > 0 && r.left >= 0 && r.right <= w;
    })""", page.viewport_size["width"])


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_phone_table_shows_every_status_without_sideways_scrolling(new_page, live_server,
                                                                    output_dir, lang):
    page = new_page(viewport=PHONE, is_mobile=True, has_touch=True)
    page.goto(f"{live_server.url}/projects?lang={lang}")
    assert horizontal_overflow(page) <= 0
    rows = page.locator("#status-table tbody tr[data-code]")
    assert rows.count() == SEEDED
    assert inside_window(page, "#status-table tbody td.status .status-badge") == [True] * SEEDED
    assert inside_window(page, "#status-table tbody td.name > a:first-child") == [True] * SEEDED
    # each card says what its values are, and the headers still sort
    label = page.locator("#status-table tbody td.status").first.evaluate(
        "(td) => getComputedStyle(td, '::before').content")
    assert label == ('"Trạng thái"' if lang == "vi" else '"Status"')
    page.locator('th[data-sort="status"] a').click()
    page.wait_for_url("**sort=status**")
    assert horizontal_overflow(page) <= 0
    page.screenshot(path=str(output_dir / f"table-phone-{lang}.png"))
    assert page.errors == []


def test_phone_dashboard_by_status_table_fits(new_page, live_server):
    page = new_page(viewport=PHONE, is_mobile=True, has_touch=True)
    page.goto(live_server.url + "/")
    assert horizontal_overflow(page) <= 0
    assert all(inside_window(page, "table.by-status"))
    # the map / table links of each status are still there, inside the status cell
    links = page.locator("table.by-status tbody a[data-link='table']")
    assert links.count() >= 1 and all(inside_window(page, "table.by-status tbody a:visible"))
    assert page.errors == []


def test_desktop_table_shows_every_column_in_the_window(new_page, live_server):
    page = new_page(viewport=DESKTOP)
    page.goto(live_server.url + "/projects")
    assert horizontal_overflow(page) <= 0
    headers = page.locator("#status-table thead th")
    assert [h.strip() for h in headers.all_inner_texts()] == [
        HEADERS_VI[0] + " ▲", *HEADERS_VI[1:]]
    assert all(inside_window(page, "#status-table thead th"))
    assert page.errors == []


def printed(page, url: str) -> PdfReader:
    """The page as Chromium prints it to PDF (A4, the stylesheet's own page size)."""
    page.goto(url)
    page.wait_for_load_state("networkidle")
    page.emulate_media(media="print")
    page.evaluate("() => new Promise((done) => requestAnimationFrame(() => "
                  "requestAnimationFrame(done)))")
    return PdfReader(io.BytesIO(page.pdf(format="A4", prefer_css_page_size=True,
                                         print_background=True)))


def pdf_text(reader: PdfReader) -> str:
    text = " ".join(p.extract_text() for p in reader.pages)
    return " ".join(unicodedata.normalize("NFKC", text).split())  # NFKC: no "ﬁ" ligatures


def orientation(reader: PdfReader) -> set[str]:
    return {"landscape" if float(p.mediabox.width) > float(p.mediabox.height) else "portrait"
            for p in reader.pages}


@pytest.mark.parametrize("lang, headers, as_of, filter_words", [
    ("vi", HEADERS_VI, "Dữ liệu tính đến 09/03/2026", "Bộ lọc: tất cả dự án (không lọc)"),
    ("en", HEADERS_EN, "Data as of 09/03/2026", "Filter: all projects (no filter)")])
def test_printed_table_holds_every_column_and_the_data_date(new_page, live_server, lang,
                                                            headers, as_of, filter_words):
    page = new_page(viewport=DESKTOP)
    reader = printed(page, f"{live_server.url}/projects?lang={lang}")
    assert len(reader.pages) == 1 and orientation(reader) == {"landscape"}
    box = reader.pages[0].mediabox
    assert round(float(box.width)) == A4_LONG and round(float(box.height)) == A4_SHORT
    text = pdf_text(reader)
    for header in headers:
        assert header in text, header
    assert as_of in text and filter_words in text
    assert re.search(r"\d\d/\d\d/\d{4} \d\d:\d\d", text)  # when it was printed
    assert "(giờ Việt Nam)" in text if lang == "vi" else "(Vietnam time)" in text
    for screen_only in (("Bộ lọc Lọc", "Tải CSV", "Tải GeoJSON", "Danh sách dự án Bản đồ")
                        if lang == "vi" else ("Apply", "Download CSV", "Dashboard Map")):
        assert screen_only not in text, screen_only
    # every project's row, with its last column (overdue) on the sheet
    assert "quá hạn 337 ngày" in text if lang == "vi" else "337 days overdue" in text
    # the totals: programme and related apart (8 + 2 projects), no "together" line
    if lang == "vi":
        assert ": 8 dự án" in text and ": 2 dự án" in text and "Tổng cộng" not in text
    else:
        assert ": 8 projects" in text and ": 2 projects" in text


def test_printed_filtered_dashboard_says_its_filter(new_page, live_server):
    page = new_page(viewport=DESKTOP)
    reader = printed(page, live_server.url + "/?status=under_construction&q=cao tốc")
    text = pdf_text(reader)
    assert len(reader.pages) == 1
    assert "Bộ lọc: Trạng thái: Đang thi công · tìm “cao tốc”" in text
    assert "Dữ liệu tính đến 18/12/2025" in text  # the newest update among the two selected
    assert "Xem trên bản đồ" not in text and "Xem bảng" not in text  # buttons stay on screen


def test_printed_project_page_fits_two_a4_pages_with_its_map(new_page, live_server):
    page = new_page(viewport=DESKTOP)
    reader = printed(page, f"{live_server.url}/projects/{PROJECT}")
    assert 1 <= len(reader.pages) <= 2 and orientation(reader) == {"portrait"}
    text = pdf_text(reader)
    assert "Cao tốc Cần Thơ – Cà Mau" in text and "Dữ liệu tính đến 18/12/2025" in text
    assert "Lịch sử trạng thái" in text and "Nguồn tài liệu" in text
    assert "Xem trên bản đồ chung" not in text  # screen-only links
    # the small map: re-measured for its paper box, fitted to the project, drawn
    assert "Vị trí gần đúng: không phải số liệu đo đạc." in reader.pages[0].extract_text()
    drawn = page.evaluate("""() => {
        const s = Object.values(window.trackerMaps)[0], box = s.map.getContainer();
        const layer = s.layers[Object.keys(s.layers)[0]], size = s.map.getSize();
        const canvas = box.querySelector('canvas'), ctx = canvas.getContext('2d');
        const pixels = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
        let inked = 0;
        for (let i = 3; i < pixels.length; i += 4) { if (pixels[i] > 0) inked++; }
        return {box: [box.clientWidth, box.clientHeight], map: [size.x, size.y],
                fitted: s.map.getBounds().pad(0.01).contains(layer.getBounds()), inked};
    }""")
    assert drawn["box"] == drawn["map"] and drawn["fitted"] and drawn["inked"] > 100, drawn
    assert drawn["box"][0] < DESKTOP["width"] / 3  # the paper's box (68 mm), not the screen's
    assert page.errors == []


# --------------------------------------------------------------------------- one language

def labels(lang: str) -> list[str]:
    """The interface's fixed texts in one language (the pages' catalogues), as phrases that
    cannot also be the other language's (texts equal in both, such as place names, are left
    out; placeholders split a text into its fixed parts)."""
    other = "vi" if lang == "en" else "en"
    out = set()
    for key, entry in catalogue().items():
        if key.startswith("api.") or entry[lang] == entry[other]:
            continue
        for part in re.split(r"\{[a-z_]+\}", entry[lang]):
            part = part.strip(" .,:;·()/→←")
            if len(part) >= 3 and re.search(r"[^\W\d_]{2}", part) and part not in entry[other]:
                out.add(part)
    return sorted(out, key=len, reverse=True)


VISIBLE_TEXT_JS = """() => {
  const lang = document.documentElement.lang, out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode, el = node.parentElement;
    if (!node.textContent.trim() || ['SCRIPT', 'STYLE'].includes(el.tagName)) continue;
    // codes are identifiers, citations quote a source as it was published
    if (!el.checkVisibility() || el.closest('code, .citation')) continue;
    const marked = el.closest('[lang]');  // stored text in the other language is marked
    if (marked && marked.lang !== lang) continue;
    out.push(node.textContent.trim());
  }
  return out.join('\\n');
}"""


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_a_page_shows_no_label_of_the_other_language(new_page, live_server, lang):
    other = "en" if lang == "vi" else "vi"
    foreign = labels(other)
    assert len(foreign) > 100  # the check is over the whole catalogue
    page = new_page(viewport=DESKTOP)
    for path in ("/", "/projects", f"/projects/{PROJECT}", "/projects/ql61c-phase2"):
        page.goto(f"{live_server.url}{path}?lang={lang}")
        text = page.evaluate(VISIBLE_TEXT_JS)
        assert text
        found = [w for w in foreign if re.search(rf"(?<!\w){re.escape(w)}(?!\w)", text)]
        assert found == [], (path, found)
    assert page.errors == []
