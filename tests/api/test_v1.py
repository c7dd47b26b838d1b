"""The read API (/api/v1): listing, detail, history, key figures, errors, caching, gzip, CORS,
and the OpenAPI document against the app's routes."""

from __future__ import annotations

import gzip
import json
import re
from datetime import date

import pytest

from tests.conftest import TODAY
from tracker import vocab
from tracker.exports import site_urls
from tracker.queries.figures import summary
from tracker.queries.filter import ProjectFilter
from tracker.queries.records import project_record
from tracker.queries.select import select_projects
from tracker.services.base import transaction

DAY = date.fromisoformat(TODAY)


@pytest.fixture
def api(seeded_app):
    return seeded_app.test_client()


def orm_records(app, **args):
    """The ORM path's records, with page_url on the test client's site as the API gives it."""
    with app.extensions["tracker"].sessions() as s:
        return site_urls([project_record(p, DAY)
                          for p in select_projects(s, ProjectFilter.from_args(args))],
                         "http://localhost")


# --------------------------------------------------------------------------- listing

def test_list_returns_records_total_and_links(api, seeded_app):
    r = api.get("/api/v1/projects")
    assert r.status_code == 200
    assert r.content_type == "application/json"
    body = r.get_json()
    expected = orm_records(seeded_app)
    assert body["total"] == len(expected)
    assert [{k: v for k, v in item.items() if k not in ("bbox", "url")}
            for item in body["items"]] == expected
    assert [i["code"] for i in body["items"]] == sorted(i["code"] for i in body["items"])
    assert body["items"][0]["url"].endswith(f"/api/v1/projects/{expected[0]['code']}")
    rels = {link["rel"] for link in body["links"]}
    assert {"self", "alternate", "service-desc"} <= rels
    assert "next" not in rels  # everything fits the default page of 100


def test_list_pages_with_next_and_prev_links(api, seeded_app):
    every = [r["code"] for r in orm_records(seeded_app)]
    seen, url = [], "/api/v1/projects?limit=4"
    while url:
        body = api.get(url).get_json()
        assert body["total"] == len(every)
        seen += [i["code"] for i in body["items"]]
        nxt = [link["href"] for link in body["links"] if link["rel"] == "next"]
        url = nxt[0].removeprefix("http://localhost") if nxt else None
    assert seen == every
    body = api.get("/api/v1/projects?limit=4&offset=4").get_json()
    prev = [link["href"] for link in body["links"] if link["rel"] == "prev"]
    assert prev and "offset" not in prev[0]  # back to the first page


LIST_FILTERS = [
    ("kind=bridge", {"kind": "bridge"}),
    ("status=completed,preparation", {"status": "completed,preparation"}),
    ("status=completed&status=preparation", {"status": "completed,preparation"}),
    ("province=an-giang", {"province": "an-giang"}),
    ("owner=H%E1%BA%ADu%20Giang", {"owner": "Hậu Giang"}),
    ("q=bon%20tong", {"q": "bon tong"}),
    ("q=B%E1%BB%91n%20T%E1%BB%95ng", {"q": "bon tong"}),  # diacritics ignored
    ("bbox=105.64,9.96,105.66,9.98", {"bbox": "105.64,9.96,105.66,9.98"}),
    ("kind=road&province=hau-giang", {"kind": "road", "province": "hau-giang"}),
]


def test_list_filters(api, seeded_app):
    for query, args in LIST_FILTERS:
        body = api.get(f"/api/v1/projects?{query}").get_json()
        expected = [r["code"] for r in orm_records(seeded_app, **args)]
        assert [i["code"] for i in body["items"]] == expected, query
        assert body["total"] == len(expected), query
        assert expected, f"{query} should select something"


def test_list_updated_since(api, seeded_app):
    with seeded_app.extensions["tracker"].sessions() as s:
        p = select_projects(s, ProjectFilter.from_args({"kind": "bridge"}))[0]
        with transaction(s):
            p.name_en = "renamed"
        since = p.updated_at.isoformat()
    body = api.get(f"/api/v1/projects?updated_since={since}Z").get_json()
    assert [i["code"] for i in body["items"]] == [p.code]


@pytest.mark.parametrize("query, parameter", [
    ("status=done", "status"),
    ("kind=tunnel", "kind"),
    ("province=ha-noi", "province"),
    ("bbox=106,10,105,9", "bbox"),
    ("bbox=105,9,190,10", "bbox"),
    ("bbox=105,-95,106,10", "bbox"),
    ("bbox=1,2,3", "bbox"),
    ("bbox=a,b,c,d", "bbox"),
    ("limit=0", "limit"),
    ("limit=ten", "limit"),
    ("limit=-1", "limit"),
    ("offset=-5", "offset"),
    ("updated_since=yesterday", "updated_since"),
    ("updated_since=2026-13-40", "updated_since"),
    ("sort=name", "sort"),
    ("limit=5&limit=6", "limit"),
])
def test_list_rejects_bad_parameters_naming_them(client, query, parameter):
    r = client.get(f"/api/v1/projects?{query}")
    assert r.status_code == 400
    body = r.get_json()
    assert body["parameter"] == parameter
    assert body["error"] and "detail" in body
    assert r.headers["Access-Control-Allow-Origin"] == "*"


def test_limit_bounds_are_inclusive(api):
    assert api.get("/api/v1/projects?limit=1").get_json()["items"].__len__() == 1
    assert api.get("/api/v1/projects?limit=10000").status_code == 200


# --------------------------------------------------------------------------- one project

def test_project_detail(api, seeded_app):
    r = api.get("/api/v1/projects/ql61c-phase2")
    assert r.status_code == 200
    doc = r.get_json()
    with seeded_app.extensions["tracker"].sessions() as s:
        from tracker.queries.select import get_project

        p = get_project(s, "ql61c-phase2")
        record = site_urls([project_record(p, DAY)], "http://localhost")[0]
        assert {k: doc[k] for k in record} == record
        assert record["page_url"] == "http://localhost/projects/ql61c-phase2"
        assert doc["description_vi"] == p.description_vi
        assert doc["geometry"]["type"] == p.geometry.geom_type
        assert len(doc["funding"]) == len(p.funding_lines)
        assert {x["key"] for x in doc["sources"]} == {link.source.key for link in p.source_links}
        assert doc["latest_update"]["status"] == p.status
    assert any(link["rel"] == "history" for link in doc["links"])


def test_project_history(api, seeded_app):
    doc = api.get("/api/v1/projects/ql61c-phase2/updates").get_json()
    with seeded_app.extensions["tracker"].sessions() as s:
        from tracker.queries.select import get_project

        p = get_project(s, "ql61c-phase2")
        assert doc["total"] == len(p.updates) == len(doc["items"])
        assert [u["status"] for u in doc["items"]] == [
            u.status for u in sorted(p.updates, key=lambda u: (u.as_of, u.id))]
    assert doc["items"][-1]["status"] == api.get(
        "/api/v1/projects/ql61c-phase2").get_json()["status"]


@pytest.mark.parametrize("url", ["/api/v1/projects/no-such-project",
                                 "/api/v1/projects/no-such-project/updates",
                                 "/api/v1/projects.shp", "/api/v1/nothing"])
def test_unknown_things_are_404_json(client, url):
    r = client.get(url)
    assert r.status_code == 404
    assert r.get_json()["error"]


# --------------------------------------------------------------------------- key figures

def test_summary_matches_the_dashboard_query(api, seeded_app):
    # programme and related apart; together only when asked
    apart = api.get("/api/v1/summary").get_json()
    assert apart["total"] is apart["by_status"] is apart["by_kind"] is None
    with seeded_app.extensions["tracker"].sessions() as s:
        split = summary(s, ProjectFilter(), DAY)
    for role in apart["by_role"]:
        code = role["programme_role"]
        assert sum(g["count"] for g in role["by_status"]) == role["count"]
        assert {g["kind"]: g["count"] for g in role["by_kind"] if g["count"]} == {
            k: g.count for k, g in split.by_role_kind[code].items()}
    related = {g["kind"]: g for g in apart["by_role"][1]["by_kind"]}
    assert related["expressway"]["count"] == 2 and related["road"]["count"] == 0
    doc = api.get("/api/v1/summary?programme_role=all").get_json()
    with seeded_app.extensions["tracker"].sessions() as s:
        expected = summary(s, ProjectFilter(programme_role="all"), DAY)
    assert [(g["programme_role"], g["count"]) for g in doc["by_role"]] == [
        (role, group.count) for role, group in expected.by_role.items()]
    assert doc["total"]["count"] == expected.total.count
    assert doc["total"]["investment_vnd"] == expected.total.investment_vnd
    assert doc["total"]["with_investment"] == expected.total.with_investment
    assert doc["total"]["km"] == pytest.approx(expected.total.km, abs=1e-3)
    by_status = {g["status"]: g for g in doc["by_status"]}
    assert list(by_status) == list(vocab.codes(vocab.STATUSES))
    for code, group in expected.by_status.items():
        assert by_status[code]["count"] == group.count
    by_kind = {g["kind"]: g for g in doc["by_kind"]}
    for code, group in expected.by_kind.items():
        assert by_kind[code]["count"] == group.count
        assert by_kind[code]["km"] == pytest.approx(group.km, abs=1e-3)
    assert [x["code"] for x in doc["late"]] == [p.code for p, _ in expected.late]
    assert doc["without_geometry"] == expected.without_geometry
    # a sum over no known amount is null, never 0
    assert expected.total.with_disbursed == 0 and doc["total"]["disbursed_vnd"] is None
    for group in doc["by_status"] + doc["by_kind"]:
        assert (group["investment_vnd"] is None) == (group["with_investment"] == 0)


def test_summary_takes_the_filters(api):
    doc = api.get("/api/v1/summary?kind=bridge&programme_role=all").get_json()
    assert doc["total"]["count"] == 1
    assert [g["count"] for g in doc["by_role"]] == [1, 0]
    assert api.get("/api/v1/summary?kind=tunnel").get_json()["parameter"] == "kind"


# --------------------------------------------------------------------------- HTTP behaviour

CACHEABLE = ["/api/v1/projects", "/api/v1/projects?kind=road", "/api/v1/projects.geojson",
             "/api/v1/projects.csv", "/api/v1/projects/ql61c-phase2",
             "/api/v1/projects/ql61c-phase2/updates", "/api/v1/summary",
             "/api/v1/oc4ids.json", "/api/v1/openapi.json"]


def test_conditional_get_answers_304(api):
    for url in CACHEABLE:
        first = api.get(url)
        assert first.status_code == 200, url
        etag, modified = first.headers["ETag"], first.headers.get("Last-Modified")
        # weak tags, but a project's own resource: a strong one (its row version, for If-Match)
        assert etag.startswith('"' if url == "/api/v1/projects/ql61c-phase2" else 'W/"'), url
        again = api.get(url, headers={"If-None-Match": etag})
        assert again.status_code == 304 and again.data == b"", url
        assert again.headers["ETag"] == etag
        assert api.get(url, headers={"If-None-Match": 'W/"other"'}).status_code == 200
        if modified:
            assert api.get(url, headers={"If-Modified-Since": modified}).status_code == 304
            assert api.get(url, headers={
                "If-Modified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"}).status_code == 200


def test_etag_changes_with_the_data_and_the_query(api, seeded_app):
    url = "/api/v1/projects.geojson"
    etag = api.get(url).headers["ETag"]
    assert api.get(url + "?kind=road").headers["ETag"] != etag
    with seeded_app.extensions["tracker"].sessions() as s:
        p = select_projects(s, ProjectFilter.from_args({"kind": "bridge"}))[0]
        with transaction(s):
            p.name_en = "renamed"
    r = api.get(url, headers={"If-None-Match": etag})
    assert r.status_code == 200 and r.headers["ETag"] != etag
    assert b"renamed" in r.data


def _without_export_time(body: bytes) -> dict:
    """The document minus its export second, which two requests may straddle."""
    document = json.loads(body)
    document["metadata"].pop("exported_at")
    return document


def test_gzip_when_accepted(api):
    plain = api.get("/api/v1/projects.geojson")
    assert "Content-Encoding" not in plain.headers
    assert "Accept-Encoding" in plain.headers["Vary"]
    zipped = api.get("/api/v1/projects.geojson", headers={"Accept-Encoding": "gzip, br"})
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert _without_export_time(gzip.decompress(zipped.data)) == _without_export_time(plain.data)
    assert zipped.headers["ETag"] == plain.headers["ETag"]
    listing = api.get("/api/v1/projects", headers={"Accept-Encoding": "gzip"})
    assert listing.headers["Content-Encoding"] == "gzip"
    assert api.get("/api/v1/projects", headers={"Accept-Encoding": "gzip;q=0"}
                   ).headers.get("Content-Encoding") is None


def test_cors_on_get_and_preflight(api):
    r = api.get("/api/v1/projects", headers={"Origin": "https://example.org"})
    assert r.headers["Access-Control-Allow-Origin"] == "*"
    assert "ETag" in r.headers["Access-Control-Expose-Headers"]
    pre = api.options("/api/v1/projects.geojson", headers={
        "Origin": "https://example.org", "Access-Control-Request-Method": "GET"})
    assert pre.status_code == 200
    assert "GET" in pre.headers["Access-Control-Allow-Methods"]
    assert "If-None-Match" in pre.headers["Access-Control-Allow-Headers"]
    assert api.get("/ogc/collections").headers["Access-Control-Allow-Origin"] == "*"


def test_head_has_headers_and_no_body(api):
    r = api.head("/api/v1/projects.geojson")
    assert r.status_code == 200 and r.data == b"" and r.headers["ETag"]


# --------------------------------------------------------------------------- OpenAPI

def _openapi_paths(app):
    rules = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(("/api/", "/ogc")):
            rules.add(re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule))
    from tracker.api.ogc_meta import COLLECTIONS  # each collection has its own paths

    return {r.replace("{cid}", cid).replace("{fid}", "{featureId}")
            for r in rules for cid in COLLECTIONS}


def test_openapi_lists_every_route_and_nothing_else(client, app):
    r = client.get("/api/v1/openapi.json")
    assert r.content_type.startswith("application/vnd.oai.openapi+json")
    doc = r.get_json(force=True)
    assert doc["openapi"].startswith("3.0")
    assert set(doc["paths"]) == _openapi_paths(app)
    assert doc["servers"] == [{"url": "http://localhost"}]


def test_openapi_references_resolve_and_parameters_are_known(client):
    doc = client.get("/api/v1/openapi.json").get_json(force=True)
    text = r'"\$ref":\s*"#/components/(\w+)/([\w-]+)"'
    import json

    for kind, name in re.findall(text, json.dumps(doc)):
        assert name in doc["components"][kind], (kind, name)
    for path, item in doc["paths"].items():
        op = item.get("get") or item["post"]  # POST /api/v1/imports has no GET
        assert op["responses"]["200"]
        names = []
        for p in op["parameters"]:
            p = doc["components"]["parameters"][p["$ref"].rsplit("/", 1)[1]] \
                if "$ref" in p else p
            names.append(p["name"])
            if p["in"] == "path":
                assert "{" + p["name"] + "}" in path
        assert len(names) == len(set(names)), path
        for placeholder in re.findall(r"{(\w+)}", path):
            assert placeholder in names, (path, placeholder)


def test_openapi_parameters_are_what_the_endpoints_accept(api):
    """Every query parameter the document lists is accepted (not 400 as unknown)."""
    doc = api.get("/api/v1/openapi.json").get_json(force=True)
    samples = {"status": "completed", "kind": "road", "province": "can-tho", "owner": "x",
               "programme_role": "related",
               "q": "x", "bbox": "105,9,106,11", "updated_since": "2020-01-01",
               "limit": "5", "offset": "0", "crs": None, "lang": "en", "f": "json",
               "datetime": "2020-01-01/..", "bbox-crs": None, "clip": "hau-giang",
                   "stale": "1"}
    for path, item in doc["paths"].items():
        if "{" in path or "get" not in item:
            continue
        for p in item["get"]["parameters"]:
            p = doc["components"]["parameters"][p["$ref"].rsplit("/", 1)[1]]
            value = samples[p["name"]]
            if value is None:
                value = p["schema"].get("example") or p["schema"]["enum"][0]
            r = api.get(path, query_string={p["name"]: value})
            assert r.status_code == 200, (path, p["name"], r.get_json())


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_api_page_is_html_and_lists_endpoints_and_fields(client, lang):
    r = client.get(f"/api/v1/?lang={lang}")
    assert r.status_code == 200 and r.content_type.startswith("text/html")
    page = r.get_data(as_text=True)
    for path in ("/api/v1/projects", "/api/v1/summary", "/ogc/collections/boundaries/items"):
        assert path in page
    assert "invest_vnd" in page and "total_investment_vnd" in page  # the Shapefile mapping
    assert ("Các trường dữ liệu" if lang == "vi" else "Fields") in page
