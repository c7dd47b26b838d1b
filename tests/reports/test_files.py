"""The reports' files read back: the brief's PDF with pypdf, the periodic review's XLSX with
openpyxl, and the commands that write them."""

from __future__ import annotations

import io
from datetime import date, datetime

import openpyxl
from pypdf import PdfReader

from tests.factories import make_project
from tests.reports.history_fixture import TY, build_history

A4 = (595.28, 841.89)  # points


def _pdf(data: bytes) -> tuple[PdfReader, str]:
    reader = PdfReader(io.BytesIO(data))
    return reader, "\n".join(p.extract_text() for p in reader.pages)


def test_brief_pdf_reads_back(seeded_app):
    with seeded_app.extensions["tracker"].sessions() as s:
        s.add(make_project("hx-evil", name_vi="Đường <b>thử</b> {{ 7*7 }} &amp; Ngã Bảy",
                           status="under_construction"))
        s.commit()
    r = seeded_app.test_client().get("/brief.pdf?as_of=2026-11-21&since=2020-06-01")
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    assert "attachment" in r.headers["Content-Disposition"]
    reader, text = _pdf(r.data)
    assert reader.metadata.title == "Báo cáo nhanh cho cuộc họp"
    assert 1 <= len(reader.pages) <= 2
    for page in reader.pages:
        box = page.mediabox
        assert (round(float(box.width), 1), round(float(box.height), 1)) == (595.3, 841.9)
    assert "Báo cáo nhanh cho cuộc họp" in text and "21/11/2026" in text
    assert "Dữ liệu tính đến 09/03/2026" in text
    assert "Cầu Vàm Xáng" in text and "Cao tốc Cần Thơ – Cà Mau" in text
    assert "Đường <b>thử</b> {{ 7*7 }} &amp; Ngã Bảy" in text  # literal, never markup
    assert "Bộ lọc: tất cả dự án (không lọc)" in text


def test_brief_pdf_from_the_command_line(seeded_app, tmp_path):
    out = tmp_path / "brief.pdf"
    result = seeded_app.test_cli_runner().invoke(args=[
        "brief", "--as-of", "2026-11-21", "--since", "2026-01-01", "--output", str(out)])
    assert result.exit_code == 0, result.output
    reader, text = _pdf(out.read_bytes())
    assert len(reader.pages) <= 2 and "Trạng thái: Đề xuất → Chuẩn bị đầu tư" in text
    bad = seeded_app.test_cli_runner().invoke(args=[
        "brief", "--since", "2026-13-01", "--output", str(out)])
    assert bad.exit_code == 2 and "--since" in bad.output
    wrong = seeded_app.test_cli_runner().invoke(args=["brief", "--output", str(tmp_path / "x")])
    assert wrong.exit_code == 2


def test_period_report_sections_and_xlsx(app, session):
    build_history(session)
    client = app.test_client()
    doc = client.get("/reports/period.json?from=2026-01-01&to=2026-11-21").get_json()
    sections = {k: {i["code"]: i for i in v} for k, v in doc["sections"].items()}
    assert set(sections["completed"]) == {"hx-done"}
    assert "15/10/2026" in sections["completed"]["hx-done"]["reason"]
    assert "hx-slipped" in sections["slipped"]  # its planned end moved
    assert "2027-06-30" in sections["slipped"]["hx-slipped"]["reason"]
    assert "hx-late" in sections["slipped"]  # its planned end passed in the period
    assert "hx-stalled" in sections["stale"]
    rows = {r["code"]: r for r in doc["projects"]}
    assert rows["hx-done"]["status_start"] == "under_construction"
    assert rows["hx-done"]["status_end"] == "completed"
    assert rows["hx-behind"]["disbursed_start"] == 50 * TY
    assert rows["hx-behind"]["disbursed_end"] == 80 * TY
    started = client.get("/reports/period.json?from=2022-01-01&to=2022-12-31").get_json()
    assert {i["code"] for i in started["sections"]["started"]} == {"hx-done"}

    r = client.get("/reports/period.xlsx?from=2026-01-01&to=2026-11-21")
    assert r.status_code == 200
    wb = openpyxl.load_workbook(io.BytesIO(r.data))
    assert wb.sheetnames == ["Thông tin", "Dự án", "Lĩnh vực", "Hoàn thành", "Khởi công",
                             "Chậm kế hoạch", "Cần cập nhật"]
    projects = wb["Dự án"]
    header = [c.value for c in projects[1]]
    assert header[:3] == ["Mã dự án", "Tên dự án", "Lĩnh vực"]
    assert projects.freeze_panes == "A2"
    by_code = {row[0].value: row for row in projects.iter_rows(min_row=2)}
    behind = by_code["hx-behind"]
    disbursed = behind[header.index("Giải ngân cuối kỳ (đồng)")]
    assert disbursed.value == 80 * TY and disbursed.data_type == "n"
    assert behind[header.index("Tiến độ cuối kỳ (%)")].value == 10
    assert behind[1].value == "Đường Vị Thanh chậm tiến độ"
    assert behind[header.index("Trạng thái cuối kỳ")].value == "Đang thi công"
    done = wb["Hoàn thành"]
    assert done.freeze_panes == "A2"
    assert done["C2"].value == datetime(2026, 10, 15) and done["C2"].is_date
    assert projects.column_dimensions["B"].width >= len("Đường Vị Thanh chậm tiến độ")
    info = wb["Thông tin"]
    assert info["B6"].value == datetime(2026, 1, 1)


def test_period_presets_pdf_and_command(seeded_app, tmp_path):
    client = seeded_app.test_client()
    final = client.get("/reports/period.json").get_json()
    assert (final["start"], final["end"], final["preset"]) == ("2021-01-01", "2025-12-31",
                                                               "final")
    mid = client.get("/reports/period.json?preset=mid_term").get_json()
    assert (mid["start"], mid["end"]) == ("2021-01-01", "2023-06-30")
    assert mid["title"] == "Báo cáo sơ kết Chương trình hợp tác 2021–2025"
    page = client.get("/reports/period?preset=final").get_data(as_text=True)
    assert 'data-preset="mid_term"' in page and "Báo cáo tổng kết" in page
    reader, text = _pdf(client.get("/reports/period.pdf?preset=final").data)
    assert "Báo cáo tổng kết Chương trình hợp tác 2021–2025" in text
    assert "Cầu Vàm Xáng" in text and "01/01/2021 – 31/12/2025" in text
    out = tmp_path / "tong-ket.xlsx"
    result = seeded_app.test_cli_runner().invoke(args=[
        "report", "period", "--preset", "final", "--output", str(out)])
    assert result.exit_code == 0, result.output
    wb = openpyxl.load_workbook(out)
    names = [r[1].value for r in wb["Dự án"].iter_rows(min_row=2)]
    assert "Cầu Vàm Xáng" in names and len(names) == 10
    bad = seeded_app.test_cli_runner().invoke(args=[
        "report", "period", "--from", "2024-01-01", "--output", str(out)])
    assert bad.exit_code == 2 and "--to" in bad.output
    assert date.fromisoformat(final["end"]) == date(2025, 12, 31)
