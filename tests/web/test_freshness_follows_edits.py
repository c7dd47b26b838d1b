"""Freshness follows the edits (issue 11 §5): recording a status update, through the write API
or the editing form, moves status_as_of and clears `stale` everywhere at once: the API record
and its ETag, the OGC items (through the per-process feature cache), the exports, the map's
popup, the table and its `stale` filter, the dashboard's count. And the seed's dates: each
seeded status is dated as FACTS.md dates it, and a seeded row's updated_at is its newest
fact's date, so `updated_since` finds only what changed since (issue 9 §1).

Today is 21/11/2026 (tests/conftest.py); the threshold is the default 180 days."""

from __future__ import annotations

import re
from datetime import datetime

import pytest

from tests.web.forms import field_errors, form_values
from tests.web.test_account_pages import make_token, make_users, sign_in
from tracker.models import Project
from tracker.queries.select import get_project

CODE = "ql61c-phase2"  # preparation as of 09/03/2026: 257 days old, stale
URL = f"/api/v1/projects/{CODE}"
# FACTS.md: the date each seeded status is true as of, at its precision
FACTS_AS_OF = {
    "ql61c-phase2": "2026-03-09", "ql61c-phase1": "2021", "bon-tong-mot-ngan": "2021",
    "dt926": "2021", "dt931b": "2021", "dt932": "2021", "vam-xang-bridge": "2021",
    "xa-no-canal": "2021", "can-tho-ca-mau-expressway": "2025-12-18",
    "chau-doc-can-tho-soc-trang-expressway": "2025",
}


def test_the_seeded_statuses_are_dated_as_the_facts_say(seeded_app):
    api = seeded_app.test_client()
    items = api.get("/api/v1/projects?limit=100").get_json()["items"]
    assert {i["code"]: i["status_as_of"] for i in items} == FACTS_AS_OF
    with seeded_app.extensions["tracker"].sessions() as s:
        for p in s.query(Project):
            newest = max(u.as_of for u in p.updates)
            assert p.updated_at == datetime.combine(newest, datetime.min.time()), p.code
    assert api.get("/projects/vam-xang-bridge?lang=vi").status_code == 200


def test_updated_since_finds_only_what_changed(seeded_app):
    make_users(seeded_app, ("lan", "editor"))
    token = make_token(seeded_app, "lan")
    api = seeded_app.test_client()
    assert api.get("/api/v1/projects?updated_since=2026-11-02").get_json()["total"] == 0
    assert api.get("/api/v1/projects?updated_since=2026-01-01").get_json()["total"] == 1
    tag = api.get(URL).headers["ETag"]
    r = api.patch(URL, json={"name_en": "Renamed"},
                  headers={"Authorization": f"Bearer {token}", "If-Match": tag})
    assert r.status_code == 200
    body = api.get("/api/v1/projects?updated_since=2026-11-02").get_json()
    assert [i["code"] for i in body["items"]] == [CODE]  # an edit is stamped with its time
    assert body["items"][0]["updated_at"] > "2026-11-02"


def _views(app) -> dict[str, object]:
    """What every view says about CODE's freshness right now (warming the caches)."""
    c = app.test_client()
    record = c.get(URL).get_json()
    items = c.get("/ogc/collections/projects/items?f=json&limit=100").get_json()
    ogc = next(f["properties"] for f in items["features"] if f["id"] == CODE)
    geojson = c.get("/api/v1/projects.geojson").get_json()
    exported = next(f["properties"] for f in geojson["features"] if f["id"] == CODE)
    popup = c.get(f"/map/popup/{CODE}.json?lang=vi").get_json()["properties"]
    stale_table = c.get("/projects?stale=1&lang=vi").text
    page = c.get(f"/projects/{CODE}?lang=vi").text
    dashboard = c.get("/?lang=vi").text
    return {
        "record": (record["status_as_of"], record["stale"], record["status_age_days"]),
        "ogc": (ogc["status_as_of"], ogc["stale"]),
        "export": (exported["status_as_of"], exported["stale"]),
        "popup": (popup["status_as_of"], popup["stale"]),
        "in_stale_table": f'data-code="{CODE}"' in stale_table,
        "page": re.search(r"trạng thái tính đến [^<]*", page).group(0).strip(),
        "stale_count": int(re.search(r'data-stale-count="(\d+)"', dashboard).group(1)),
    }


STALE = {
    "record": ("2026-03-09", True, 257), "ogc": ("2026-03-09", True),
    "export": ("2026-03-09", True), "popup": ("09/03/2026 (257 ngày trước)", True),
    "in_stale_table": True, "page": "trạng thái tính đến 09/03/2026 (257 ngày trước)",
    "stale_count": 5,
}
FRESH = {
    "record": ("2026-11-20", False, 1), "ogc": ("2026-11-20", False),
    "export": ("2026-11-20", False), "popup": ("20/11/2026 (1 ngày trước)", False),
    "in_stale_table": False, "page": "trạng thái tính đến 20/11/2026 (1 ngày trước)",
    "stale_count": 4,
}


def test_an_update_through_the_write_api_refreshes_every_view(seeded_app):
    make_users(seeded_app, ("lan", "editor"))
    token = make_token(seeded_app, "lan")
    assert _views(seeded_app) == STALE
    api = seeded_app.test_client()
    old = api.get(URL).headers["ETag"]
    r = api.post(f"{URL}/updates", json={"as_of": "2026-11-20", "status": "preparation",
                                          "source": "baohaugiang"},
                 headers={"Authorization": f"Bearer {token}", "If-Match": old})
    assert r.status_code == 201, r.get_data(as_text=True)
    assert api.get(URL, headers={"If-None-Match": old}).status_code == 200  # a new ETag
    assert _views(seeded_app) == FRESH


def test_an_update_through_the_form_refreshes_every_view(seeded_app):
    make_users(seeded_app, ("lan", "editor"))
    assert _views(seeded_app) == STALE
    client = seeded_app.test_client()
    assert sign_in(client, "lan").status_code == 303
    url = f"/projects/{CODE}/update"
    values = form_values(client.get(url).text, url)
    values.update(as_of="20/11/2026", status="preparation", source="baohaugiang")
    r = client.post(url, data=values)
    assert r.status_code == 303, field_errors(r.text)
    with seeded_app.extensions["tracker"].sessions() as s:
        p = get_project(s, CODE)
        assert p is not None and p.status_as_of_iso() == "2026-11-20"
    assert _views(seeded_app) == FRESH


@pytest.mark.parametrize("as_of, shown", [("2026-11", "11/2026"), ("2026", "2026")])
def test_a_month_or_year_status_is_shown_at_its_precision(seeded_app, as_of, shown):
    """Vàm Xáng bridge (under construction as of 2021) gets a later month or year."""
    make_users(seeded_app, ("lan", "editor"))
    token = make_token(seeded_app, "lan")
    api = seeded_app.test_client()
    url = "/api/v1/projects/vam-xang-bridge"
    r = api.post(f"{url}/updates", json={"as_of": as_of, "status": "under_construction",
                                          "source": "baohaugiang"},
                 headers={"Authorization": f"Bearer {token}",
                          "If-Match": api.get(url).headers["ETag"]})
    assert r.status_code == 201
    record = api.get(url).get_json()
    assert record["status_as_of"] == as_of
    assert record["status_as_of_precision"] == ("month" if len(as_of) == 7 else "year")
    page = api.get("/projects/vam-xang-bridge?lang=vi").text
    assert f"trạng thái tính đến {shown} (khoảng" in page
    table = api.get("/projects?lang=vi").text
    assert f'<time datetime="{as_of}">{shown}</time>' in table
