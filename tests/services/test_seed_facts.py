"""Every figure of issue 9 on the pages equals its source in FACTS.md: the roles, the
programme role, the lengths at their stated precision, the dated estimates with their basis,
qualifier and date (none where the source gives none), the per-province components; and the
same figures come back from the exports.

Each expected value is first found in FACTS.md (shared/data, read here, never copied), so
the test fails if the seed and the facts drift apart."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from tests.api.helpers import read_export
from tests.conftest import SHARED_DATA
from tracker.models import Project
from tracker.queries.select import get_project

FACTS = (SHARED_DATA / "FACTS.md").read_text(encoding="utf-8")
TY = 10**9


def fact(text: str) -> str:
    """`text` as FACTS.md writes it (spaces normalised): the source of a seed value."""
    assert text in re.sub(r"\s+", " ", FACTS), f"FACTS.md does not say {text!r}"
    return text


def _project(app, code):
    with app.extensions["tracker"].sessions() as s:
        p = get_project(s, code)
        assert p is not None
        return {
            "governing_body": p.governing_body, "project_owner": p.project_owner,
            "private_investor": p.private_investor, "programme_role": p.programme_role,
            "stated": (p.stated_length_km, p.stated_length_decimals), "corridor": p.corridor,
            "total": (p.total_investment_vnd, p.total_investment_basis,
                      p.total_investment_as_of_iso, p.total_investment_qualifier),
            "estimates": [(e.amount_vnd, e.basis, e.as_of_iso, e.qualifier, e.original_amount,
                           e.original_currency, e.source.key if e.source else None)
                          for e in p.estimates],
            "components": [(c.province, c.stated_length_km, c.stated_length_decimals,
                            c.length_qualifier, c.amount_vnd, c.governing_body)
                           for c in p.components],
            "funding": [(f.source_type, f.amount_vnd, f.estimate.key if f.estimate else None)
                        for f in p.funding_lines],
        }


def test_roles_as_the_sources_give_them(seeded_app):
    fact("Governing body: UBND tỉnh Hậu Giang (cơ quan chủ quản); investor (chủ đầu tư) not found")
    q = _project(seeded_app, "ql61c-phase2")
    assert (q["governing_body"], q["project_owner"], q["private_investor"]) == (
        "UBND tỉnh Hậu Giang", None, None)
    fact("Investor: Ban QLDA Mỹ Thuận")  # a chủ đầu tư (a project management board), not PPP
    c = _project(seeded_app, "can-tho-ca-mau-expressway")
    assert (c["governing_body"], c["project_owner"], c["private_investor"]) == (
        None, "Ban QLDA Mỹ Thuận", None)
    # S1: "TP Cần Thơ khởi công xây dựng cầu Vàm Xáng": the city as the level of government
    # that builds it, the cơ quan chủ quản; no source names a chủ đầu tư
    fact("owner: TP Cần Thơ")
    v = _project(seeded_app, "vam-xang-bridge")
    assert (v["governing_body"], v["project_owner"]) == ("TP Cần Thơ", None)
    fact("each province is the governing body of its component")
    h = _project(seeded_app, "chau-doc-can-tho-soc-trang-expressway")
    assert [(prov, body) for prov, *_rest, body in h["components"]] == [
        ("an-giang", "Tỉnh An Giang"), ("can-tho", "TP Cần Thơ"),
        ("hau-giang", "Tỉnh Hậu Giang"), ("soc-trang", "Tỉnh Sóc Trăng")]


def test_programme_and_related_projects(seeded_app):
    fact("Cần Thơ – Cà Mau expressway (related project)")
    fact("Châu Đốc – Cần Thơ – Sóc Trăng expressway, phase 1 (related project)")
    with seeded_app.extensions["tracker"].sessions() as s:
        roles = dict(s.execute(select(Project.code, Project.programme_role)).all())
    assert {c for c, r in roles.items() if r == "related"} == {
        "can-tho-ca-mau-expressway", "chau-doc-can-tho-soc-trang-expressway"}
    assert len(roles) == 10 and roles["ql61c-phase1"] == "programme"


def test_lengths_at_the_sources_precision_and_the_shared_corridor(seeded_app):
    fact("Length 37.152 km")
    q = _project(seeded_app, "ql61c-phase2")
    assert q["stated"] == (37.152, 3) and q["corridor"] == "ql61c"
    assert _project(seeded_app, "ql61c-phase1")["corridor"] == "ql61c"
    fact("188.2 km")
    assert _project(seeded_app, "chau-doc-can-tho-soc-trang-expressway")["stated"] == (188.2, 1)
    page = seeded_app.test_client().get("/projects/ql61c-phase2").get_data(as_text=True)
    assert "37,152 km" in page and "đo trên bản đồ, trên tuyến vẽ gần đúng" in page


def test_dated_estimates_with_basis_qualifier_and_no_invented_date(seeded_app):
    fact("first proposal 3,888 tỷ VND of which 2,538 tỷ Japanese ODA loan (thuonggiaonline)")
    fact("later Japanese loan 21.82 bn yen ≈ 3,556.69 tỷ VND")
    q = _project(seeded_app, "ql61c-phase2")
    assert q["estimates"] == [
        (3_888 * TY, "proposal", None, "exact", None, None, "thuonggiaonline-post50213"),
        (3_556_690 * 10**6, "adjusted", None, "approximate", 21.82e9, "JPY",
         "baodautu-d248081")]
    assert q["total"] == (3_556_690 * 10**6, "adjusted", None, "approximate")
    # the ODA line belongs to the later estimate: never divided by the first proposal
    assert q["funding"][0] == ("oda", 3_556_690 * 10**6, "japanese-loan")
    page = seeded_app.test_client().get("/projects/ql61c-phase2").get_data(as_text=True)
    assert "91,5" not in page and "≈ 3.556,69 tỷ đồng" in page and "3.888 tỷ đồng" in page

    fact("Cost ≈ 27,523 tỷ VND (2022 estimate 27,254 tỷ)")
    c = _project(seeded_app, "can-tho-ca-mau-expressway")
    assert [(a, b, d, q_) for a, b, d, q_, *_ in c["estimates"]] == [
        (27_254 * TY, None, "2022", "exact"), (27_523 * TY, "adjusted", None, "approximate")]

    fact("preliminary cost 44,690+ tỷ VND (Báo Hậu Giang)")
    h = _project(seeded_app, "chau-doc-can-tho-soc-trang-expressway")
    assert h["total"] == (44_690 * TY, "proposal", None, "at_least")
    page = seeded_app.test_client().get(
        "/projects/chau-doc-can-tho-soc-trang-expressway").get_data(as_text=True)
    assert "≥ 44.690 tỷ đồng" in page


def test_components_where_the_sources_split_them(seeded_app):
    for text in ("An Giang 57 km / 13,799 tỷ", "Cần Thơ 37.4 km / 9,845 tỷ",
                 "Hậu Giang (printed \"6.7 km\", likely ≈ 35 km) / 9,927 tỷ",
                 "Sóc Trăng 58.4 km / 11,120 tỷ"):
        fact(text)
    h = _project(seeded_app, "chau-doc-can-tho-soc-trang-expressway")
    assert [c[:5] for c in h["components"]] == [
        ("an-giang", 57, 0, None, 13_799 * TY), ("can-tho", 37.4, 1, None, 9_845 * TY),
        ("hau-giang", 35, 0, "approximate", 9_927 * TY),
        ("soc-trang", 58.4, 1, None, 11_120 * TY)]
    fact("components Cần Thơ – Hậu Giang (> 37 km) and Hậu Giang – Cà Mau (> 73 km)")
    c = _project(seeded_app, "can-tho-ca-mau-expressway")
    # sections across two provinces each: no province's component (not forced onto one)
    assert [c_[:4] for c_ in c["components"]] == [(None, 37, 0, "at_least"),
                                                 (None, 73, 0, "at_least")]


def test_present_day_units_name_only_what_a_source_supports(seeded_app):
    page = seeded_app.test_client().get(
        "/projects/chau-doc-can-tho-soc-trang-expressway").get_data(as_text=True)
    assert "Tỉnh An Giang: chưa có dữ liệu" in page and "Thành phố Cần Thơ" in page
    body = seeded_app.test_client().get(
        "/api/v1/projects/can-tho-ca-mau-expressway").get_json()
    props = body.get("properties", body)
    assert props["present_units"] == "Thành phố Cần Thơ"
    assert props["present_units_unknown"] == "ca-mau"
    assert props["present_units_basis"] == "Nghị quyết 202/2025/QH15"


@pytest.mark.parametrize("fmt", ["gpkg", "shp.zip"])
def test_figures_come_back_from_the_gis_exports(seeded_app, tmp_path, fmt):
    response = seeded_app.test_client().get(f"/api/v1/projects.{fmt}")
    assert response.status_code == 200
    path = tmp_path / f"out.{fmt}"
    path.write_bytes(response.data)
    rows, _geoms, _facts = read_export(str(path), fmt)
    by_code = {r["code"]: r for r in rows}
    h = by_code["chau-doc-can-tho-soc-trang-expressway"]
    assert (h["programme_role"], h["total_investment_qualifier"], h["total_investment_basis"],
            h["length_source"]) == ("related", "at_least", "proposal", "stated")
    q = by_code["ql61c-phase2"]
    assert (q["governing_body"], q["corridor"]) == ("UBND tỉnh Hậu Giang", "ql61c")
    assert by_code["ql61c-phase1"]["length_source"] == "measured"
