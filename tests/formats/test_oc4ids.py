"""The OC4IDS project package: the package fields the schema requires, projects mapped from
our fields, and nothing we do not hold (no null, no empty value, no guessed date)."""

from __future__ import annotations

import re
from datetime import date

import pytest

from tracker import vocab
from tracker.queries.filter import ProjectFilter
from tracker.queries.select import get_project, select_projects
from tracker.services.base import transaction


@pytest.fixture
def package(seeded_app):
    r = seeded_app.test_client().get("/api/v1/oc4ids.json")
    assert r.status_code == 200 and r.content_type == "application/json"
    return r.get_json()


def walk(value, path="$"):
    if isinstance(value, dict):
        for k, v in value.items():
            yield from walk(v, f"{path}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from walk(v, f"{path}[{i}]")
    yield path, value


def test_package_has_the_required_fields(package, seeded_app):
    assert {"uri", "publisher", "publishedDate", "projects", "version"} <= set(package)
    assert package["version"] == "0.9"
    assert package["publisher"]["name"]
    assert package["uri"].endswith("/api/v1/oc4ids.json")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", package["publishedDate"])
    with seeded_app.extensions["tracker"].sessions() as s:
        codes = [p.code for p in select_projects(s, ProjectFilter())]
    assert [p["id"] for p in package["projects"]] == codes


def test_nothing_is_filled_with_a_guess(package):
    for path, value in walk(package):
        assert value is not None, path
        assert value != "" and value != [] and value != {}, path
    for project in package["projects"]:
        assert "type" not in project and "purpose" not in project
        assert "contractingProcesses" not in project


def test_projects_are_mapped_from_our_fields(package, seeded_app):
    by_id = {p["id"]: p for p in package["projects"]}
    with seeded_app.extensions["tracker"].sessions() as s:
        for code, out in by_id.items():
            p = get_project(s, code)
            assert out["title"] == p.name_vi
            assert out.get("description") == p.description_vi
            status = vocab.STATUS_BY_CODE[p.status].oc4ids
            assert out.get("status") == status
            if p.total_investment_vnd is not None:
                assert out["budget"]["amount"] == {"amount": p.total_investment_vnd,
                                                   "currency": "VND"}
            else:
                assert "amount" not in out.get("budget", {})
            geometry = [loc for loc in out.get("locations", []) if "geometry" in loc]
            assert bool(geometry) == (p.geometry is not None)
            if geometry:
                assert geometry[0]["geometry"]["type"] == p.geometry.geom_type
            provinces = [loc for loc in out.get("locations", [])
                         if loc["id"].startswith("province-")]
            assert [loc["id"] for loc in provinces] == [f"province-{c}" for c in p.province_codes]
            for loc, code in zip(provinces, p.province_codes, strict=True):
                prov = vocab.PROVINCE_BY_CODE[code]
                assert loc["address"] == {"region": prov.vi, "countryName": "Việt Nam"}
                assert prov.iso_3166_2 in loc["description"]
                assert loc["gazetteer"] == {"scheme": "ISO2", "identifiers": ["VN"]}
            for kind, sector in (("waterway", "transport.water"), ("road", "transport.road")):
                if p.kind == kind:
                    assert out["sector"] == ["transport", sector]
            # dates only when known to the day; a year is not a day
            if p.planned_end is not None and p.planned_end_precision == "day":
                assert out["period"]["endDate"].startswith(p.planned_end.isoformat())
            elif "period" in out:
                assert "endDate" not in out["period"]
            parties = {x["name"]: x["roles"] for x in out.get("parties", [])}
            if p.governing_body:
                assert "publicAuthority" in parties[p.governing_body]
                assert out["publicAuthority"]["name"] == p.governing_body
            if p.project_owner:
                assert "procuringEntity" in parties[p.project_owner]
            assert len(out.get("documents", [])) == len(p.source_links)


def test_ql61c_phase2_budget_breakdown(package):
    p = next(x for x in package["projects"] if x["id"] == "ql61c-phase2")
    assert "budgetBreakdown" not in p["budget"]  # renamed in 0.9.4
    [group] = p["budget"]["budgetBreakdowns"]
    assert group["id"] == "funding"
    lines = group["budgetBreakdown"]
    oda = [x for x in lines if x["description"].startswith("Vốn ODA")]
    assert oda and oda[0]["amount"] == {"amount": 3556690000000, "currency": "VND"}
    assert any("amount" not in x for x in lines)  # an amount the sources do not state
    assert "period" not in p  # planned start "2026": known only to the year


def test_the_budget_says_what_its_figure_is(package, seeded_app):
    """The total is a dated estimate with a basis: the package says which (no approval date
    is made up for QL61C's undated adjusted figure); an approved figure dated to the day
    gives budget.approvalDate."""
    by_id = {x["id"]: x for x in package["projects"]}
    q2 = by_id["ql61c-phase2"]["budget"]
    assert q2["description"] == (
        "Tổng mức đầu tư: Điều chỉnh, nguồn không ghi ngày, khoảng / "
        "Total investment: adjusted, the source gives no date, approximately")
    assert "approvalDate" not in q2
    assert "≥" not in by_id["chau-doc-can-tho-soc-trang-expressway"]["budget"]["description"]
    assert "at least" in by_id["chau-doc-can-tho-soc-trang-expressway"]["budget"][
        "description"]
    from tests.factories import make_project
    from tracker.models import InvestmentEstimate

    with seeded_app.extensions["tracker"].sessions() as s, transaction(s):
        p = make_project("approved-road")
        p.estimates = [InvestmentEstimate(seq=1, key="qd", amount_vnd=5, as_of=date(
            2026, 11, 20), as_of_precision="day", basis="approved", qualifier="exact")]
        s.add(p)
    doc = seeded_app.test_client().get("/api/v1/oc4ids.json?q=approved-road").get_json()
    [one] = doc["projects"]
    assert one["budget"]["approvalDate"] == "2026-11-20T00:00:00+07:00"
    assert one["budget"]["description"] == ("Tổng mức đầu tư: Được duyệt, 2026-11-20 / "
                                            "Total investment: approved, 2026-11-20")


def test_suspended_status_is_omitted(seeded_app):
    from datetime import date

    from tracker.models import StatusUpdate

    with seeded_app.extensions["tracker"].sessions() as s, transaction(s):
        p = get_project(s, "dt926")
        p.updates.append(StatusUpdate(as_of=date(2026, 11, 1), as_of_precision="day",
                                      status="suspended", author="test"))
    doc = seeded_app.test_client().get("/api/v1/oc4ids.json?status=suspended").get_json()
    assert [x["id"] for x in doc["projects"]] == ["dt926"]
    assert "status" not in doc["projects"][0]


def test_package_takes_the_filters(seeded_app):
    client = seeded_app.test_client()
    doc = client.get("/api/v1/oc4ids.json?kind=bridge").get_json()
    assert [x["id"] for x in doc["projects"]] == ["vam-xang-bridge"]
    assert doc["uri"].endswith("oc4ids.json?kind=bridge")
    assert client.get("/api/v1/oc4ids.json?kind=tunnel").get_json()["parameter"] == "kind"
