"""The meeting brief on both databases: its figures equal the API's, a built history lands in
the right sections with the right reasons, and a past as_of shows the past."""

from __future__ import annotations

from datetime import date

import orjson
import pytest

from tests.conftest import TODAY
from tests.reports.history_fixture import TY, build_history
from tracker.queries.filter import ProjectFilter
from tracker.queries.history import changes_between, register_as_of
from tracker.reports.brief import build_brief

today = date.fromisoformat(TODAY)


def _settings(app):
    return app.extensions["tracker"].settings


@pytest.mark.parametrize("args", [{}, {"kind": "road"}, {"province": "hau-giang"},
                                  {"status": "under_construction"}])
def test_brief_figures_equal_the_api(seeded_app, args):
    client = seeded_app.test_client()
    with seeded_app.extensions["tracker"].sessions() as s:
        build_history(s)
    query = "&".join(f"{k}={v}" for k, v in args.items())
    brief = client.get(f"/brief.json?{query}").get_json()
    api = client.get(f"/api/v1/summary?{query}&programme_role=all").get_json()
    together = brief["headline"]["all"]["now"]
    assert brief["as_of"] == TODAY
    assert together["count"] == api["total"]["count"]
    assert together["investment_vnd"] == api["total"]["investment_vnd"]
    assert together["disbursed_vnd"] == api["total"]["disbursed_vnd"]
    assert together["km"] == pytest.approx(api["total"]["km"], abs=0.01)
    for row in api["by_status"]:
        assert together["by_status"].get(row["status"], 0) == row["count"]
        assert together["km_by_status"].get(row["status"], 0) == pytest.approx(row["km"],
                                                                               abs=0.01)
    programme, related = (brief["headline"][g]["now"] for g in ("programme", "related"))
    assert programme["count"] + related["count"] == together["count"]
    # the rate from the API's records: projects where both amounts are known
    records = client.get(f"/api/v1/projects?{query}&limit=1000").get_json()["items"]
    both = [p for p in records
            if p["disbursed_vnd"] is not None and p["total_investment_vnd"] is not None]
    if both:
        expected = round(100 * sum(p["disbursed_vnd"] for p in both)
                         / sum(p["total_investment_vnd"] for p in both), 1)
        assert together["disbursement_pct"] == expected
    else:
        assert together["disbursement_pct"] is None


def test_seeded_programme_and_related_apart(seeded_app):
    doc = seeded_app.test_client().get("/brief.json").get_json()
    related = doc["headline"]["related"]["now"]
    assert related["count"] == 2 and related["investment_vnd"] == 72_213 * TY
    # a lower bound (Châu Đốc – Cần Thơ – Sóc Trăng's "44.690+") makes the sum one
    assert related["investment_qualifier"] == "at_least"
    html = seeded_app.test_client().get("/brief").get_data(as_text=True)
    assert "≥ 72.213 tỷ đồng" in html and "≈ 3.556,69 tỷ đồng" in html
    # the programme's total is QL61C phase 2's latest estimate (the ODA figure), not the
    # first proposal of 3.888 tỷ
    assert doc["headline"]["programme"]["now"]["investment_vnd"] == 3_556_690_000_000
    # Cần Thơ – Cà Mau: late on paper, but its status predates the planned end
    unconfirmed = {a["code"] for a in doc["attention"]["late_unconfirmed"]}
    assert "can-tho-ca-mau-expressway" in unconfirmed
    assert not doc["attention"]["late"]


def test_built_history_lands_in_the_right_sections(app, session):
    built = build_history(session)
    doc = build_brief(session, ProjectFilter(), today, date(2026, 9, 30), _settings(app))
    by_kind = {k: {a.code: a for a in items} for k, items in doc.attention.items()}
    assert set(by_kind["late"]) == {"hx-late"}
    assert "144 ngày" in by_kind["late"]["hx-late"].reason  # 30/06 -> 21/11/2026
    assert "30/06/2026" in by_kind["late"]["hx-late"].reason
    behind = by_kind["behind"]["hx-behind"]
    # 1055 of the plan's 1095 days
    assert behind.numbers["progress_pct"] == 10.0 and behind.numbers["expected_pct"] == 96.3
    assert "Tiến độ 10 %" in behind.reason and "96,3 %" in behind.reason
    assert set(by_kind["behind"]) == {"hx-behind"}  # hx-slipped: 80 % of a longer plan
    stale = by_kind["stale"]
    assert "hx-stalled" in stale and "hx-done" not in stale  # completed is never stale
    assert "10/01/2025" in stale["hx-stalled"].reason
    assert f"{(today - date(2025, 1, 10)).days} ngày" in stale["hx-stalled"].reason
    for kind in ("late", "behind", "stale", "late_unconfirmed"):
        assert "hx-done" not in by_kind[kind]
    changes = {(c.kind, c.code): c for c in doc.changes}
    assert changes[("status", "hx-done")].text == "Trạng thái: Đang thi công → Hoàn thành"
    assert changes[("status", "hx-done")].day == date(2026, 10, 15)
    disbursed = changes[("disbursed", "hx-behind")]
    assert (disbursed.old, disbursed.new) == (50 * TY, 80 * TY)
    assert ("planned_end", "hx-slipped") not in changes  # moved before the window
    longer = build_brief(session, ProjectFilter(), today, date(2026, 5, 31), _settings(app))
    moved = {(c.kind, c.code): c for c in longer.changes}[("planned_end", "hx-slipped")]
    assert (moved.old, moved.new, moved.day) == ("2026-12-31", "2027-06-30", date(2026, 6, 1))
    assert ("planned_end", "hx-slipped") not in {
        (c.kind, c.code) for c in build_brief(session, ProjectFilter(), today,
                                              date(2026, 6, 1), _settings(app)).changes}
    assert [c.day for c in doc.changes] == sorted((c.day for c in doc.changes), reverse=True)
    figures = doc.headline["all"]
    assert figures.now.by_status["completed"] == 1 and figures.then.by_status.get(
        "completed", 0) == 0
    assert figures.change["by_status"]["completed"] == 1
    assert figures.change["disbursed_vnd"] == 30 * TY
    assert built["done"].status == "completed"


def test_past_as_of_shows_the_past(app, session):
    build_history(session)
    past = date(2023, 1, 1)
    rows = {r["code"]: r for r in register_as_of(session, ProjectFilter(), past)}
    assert rows["hx-done"]["status"] == "under_construction"
    assert rows["hx-done"]["progress_pct"] == 10
    assert rows["hx-behind"]["status"] == "proposed"  # its 2024 update is later
    assert rows["hx-behind"]["disbursed_vnd"] is None
    doc = build_brief(session, ProjectFilter(), past, date(2022, 1, 1), _settings(app))
    assert doc.statuses["hx-done"] == "under_construction"
    assert doc.data_as_of == date(2022, 3, 1)
    assert not doc.attention["late"]  # hx-late's planned end was still ahead
    assert [(c.kind, c.code) for c in doc.changes] == [("status", "hx-done")]
    # a project whose first update is later did not exist yet
    before = register_as_of(session, ProjectFilter(), date(2020, 12, 31))
    assert before == []
    # the status filter applies to the status of the day
    on_day = register_as_of(session, ProjectFilter.from_args({"status": "completed"}), past)
    assert on_day == []
    assert [r["code"] for r in register_as_of(
        session, ProjectFilter.from_args({"status": "completed"}), today)] == ["hx-done"]
    changes = changes_between(session, ProjectFilter(), date(2026, 10, 1), today)
    assert {c.code for c in changes} == {"hx-done", "hx-behind"}


def test_brief_pages_refuse_bad_dates_naming_them(app):
    client = app.test_client()
    for url, name in (("/brief.json?as_of=2026-02-30", "as_of"),
                      ("/brief.json?since=yesterday", "since"),
                      ("/brief.json?as_of=2026-01-01&since=2026-02-01", "since"),
                      ("/brief.json?as_of=1900-01-01", "as_of"),
                      ("/brief.json?colour=red", "colour"),
                      ("/reports/period.json?from=2024-01-01", "to"),
                      ("/reports/period.json?from=2024-01-01&to=2023-01-01", "to"),
                      ("/reports/period.json?preset=yearly", "preset")):
        r = client.get(url, headers={"Accept": "application/json"})
        assert r.status_code == 400, url
        assert name in r.get_data(as_text=True), url


def test_brief_html_escapes_stored_text_and_says_what_it_shows(app, session):
    from tests.factories import make_project

    evil = make_project("hx-evil", name_vi="<b>Đường</b> {{ 7*7 }} <script>alert(1)</script>",
                        status="under_construction")
    session.add(evil)
    session.commit()
    client = app.test_client()
    page = client.get("/brief?as_of=2026-11-21&since=2020-01-01").get_data(as_text=True)
    assert "&lt;b&gt;Đường&lt;/b&gt; {{ 7*7 }} &lt;script&gt;" in page
    assert "<script>alert(1)" not in page and " 49 " not in page
    assert "Dữ liệu tính đến 2021" in page and "Bộ lọc: tất cả dự án" in page
    assert 'class="chart chart-status"' in page
    assert "dữ liệu tính đến" in page.lower()
    doc = orjson.loads(client.get("/brief.json?lang=en").data)
    assert doc["lang"] == "en" and doc["title"] == "Meeting brief"
    png = client.get("/brief/map.png")
    assert png.status_code == 200 and png.data[:8] == b"\x89PNG\r\n\x1a\n"
    assert 'href="/brief"' in client.get("/").get_data(as_text=True)
