"""The write API on SQLite and PostGIS through the Flask test client: each role against each
write, If-Match (missing 428, stale 412), 422 naming every wrong field, CSRF for a session
cookie and none for a token; after every refused write the database is unchanged, row for
row. The answers are ones the OpenAPI document describes (openapi-core)."""

from __future__ import annotations

import json

import pytest
from openapi_core import Config, OpenAPI
from openapi_core.contrib.werkzeug import WerkzeugOpenAPIRequest, WerkzeugOpenAPIResponse
from sqlalchemy import func, select
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from tests.db_dump import dump
from tests.web.test_account_pages import csrf, make_token, make_users, sign_in
from tracker.models import AuditEntry, Project

CODE = "ql61c-phase2"
URL = f"/api/v1/projects/{CODE}"
NEW = {"code": "dt999-new", "name_vi": "Đường tỉnh 999", "kind": "road", "status": "proposed",
       "provinces": ["hau-giang"], "as_of": "2026-11",
       "geometry": {"type": "LineString", "coordinates": [[105.5, 9.8], [105.6, 9.9]]},
       "geometry_accuracy": "approximate", "source": "mpi-1319-bkhdt"}
# (name, method, url, body, needs If-Match, the least role)
WRITES = [
    ("create", "POST", "/api/v1/projects", NEW, False, "editor"),
    ("edit", "PATCH", URL, {"name_en": "Renamed"}, True, "editor"),
    ("update", "POST", f"{URL}/updates", {"as_of": "2026-11-30", "status": "under_construction",
                                           "progress_pct": 5, "source": "mpi-1319-bkhdt"},
     True, "editor"),
    ("estimate", "POST", f"{URL}/estimates", {"amount_vnd": 3_700_000_000_000,
                                               "as_of": "2026-11-20", "basis": "approved",
                                               "source": "mpi-1319-bkhdt"}, True, "editor"),
    ("components", "PUT", f"{URL}/components", {"components": [
        {"province": "hau-giang", "stated_length_km": "37,152", "source": "mpi-1319-bkhdt"}]},
     True, "editor"),
    ("delete", "DELETE", URL, None, True, "admin"),
]
RANK = {"viewer": 1, "editor": 2, "admin": 3}
OK = {"create": 201, "edit": 200, "update": 201, "estimate": 201, "components": 200,
      "delete": 204}


@pytest.fixture
def people(seeded_app):
    make_users(seeded_app, ("an", "admin"), ("lan", "editor"), ("minh", "viewer"))
    return {name: make_token(seeded_app, name) for name in ("an", "lan", "minh")}


@pytest.fixture
def api(seeded_app):
    return seeded_app.test_client()


def engine(app):
    return app.extensions["tracker"].engine


def etag(api) -> str:
    return api.get(URL).headers["ETag"]


def bearer(token: str, **extra: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", **extra}


def warm(api, token: str) -> None:
    """Use the token once: its last use is noted (a write to api_tokens, once a minute), so
    a dump taken after it shows only what the write under test did."""
    assert api.get("/api/v1/summary", headers=bearer(token)).status_code == 200


def send(api, method, url, body, headers):
    return api.open(url, method=method, headers=headers,
                    **({"json": body} if body is not None else {}))


@pytest.mark.parametrize("role", [None, "viewer", "editor", "admin"])
@pytest.mark.parametrize(("name", "method", "url", "body", "if_match", "least"), WRITES,
                         ids=[w[0] for w in WRITES])
def test_each_role_against_each_write(seeded_app, api, people, role, name, method, url, body,
                                      if_match, least):
    user = {"viewer": "minh", "editor": "lan", "admin": "an"}.get(role)
    headers = {"If-Match": etag(api)} if if_match else {}
    if user:
        headers.update(bearer(people[user]))
        api.get("/api/v1/summary", headers=headers)  # the token's last use is noted first
    before = dump(engine(seeded_app))
    r = send(api, method, url, body, headers)
    if role is None:
        assert r.status_code == 401 and r.headers["WWW-Authenticate"].startswith("Bearer")
    elif RANK[role] < RANK[least]:
        assert r.status_code == 403, r.json
    else:
        assert r.status_code == OK[name], r.get_data(as_text=True)
        after = dump(engine(seeded_app))
        assert len(after["audit_entries"]) == len(before["audit_entries"]) + 1
        return
    assert r.is_json and r.json["error"]
    assert dump(engine(seeded_app)) == before


def test_a_typed_total_is_refused_where_dated_estimates_give_it(seeded_app, api, people):
    """QL61C's total is its latest dated estimate: typing another would be overwritten
    silently, so the write is refused naming the field, and nothing changes."""
    warm(api, people["lan"])
    before = dump(engine(seeded_app))
    r = api.patch(URL, json={"total_investment_vnd": 3_900_000_000_000},
                  headers=bearer(people["lan"], **{"If-Match": etag(api)}))
    assert r.status_code == 422 and "total_investment_vnd" in r.get_data(as_text=True)
    assert dump(engine(seeded_app)) == before


def test_a_new_estimate_moves_the_total_that_typing_may_not(seeded_app, api, people):
    """What the refusal above points to: QL61C's approved figure recorded as an estimate
    becomes its total (basis and date with it), listed last at /estimates; the typed total
    that equals it is then accepted as no change."""
    warm(api, people["lan"])
    r = api.post(f"{URL}/estimates", json={
        "amount_vnd": 3_700_000_000_000, "as_of": "2026-11-20", "basis": "approved",
        "qualifier": "exact", "note": "Phê duyệt điều chỉnh", "source": {
            "key": "qd-2026-11-20", "publisher": "UBND tỉnh Hậu Giang",
            "published": "2026-11-20"}},
        headers=bearer(people["lan"], **{"If-Match": etag(api)}))
    assert r.status_code == 201, r.get_data(as_text=True)
    assert r.headers["Location"].endswith(f"{URL}/estimates")
    assert (r.json["total_investment_vnd"], r.json["total_investment_basis"],
            r.json["total_investment_as_of"]) == (3_700_000_000_000, "approved", "2026-11-20")
    assert {"rel": "estimates", "href": f"http://localhost{URL}/estimates",
            "type": "application/json"} in r.json["links"]
    listed = api.get(f"{URL}/estimates").json
    assert [e["key"] for e in listed["items"]] == ["first-proposal", "japanese-loan",
                                                   "approved-2026-11"]
    assert listed["items"][-1]["source"] == "qd-2026-11-20"
    same = api.patch(URL, json={"total_investment_vnd": 3_700_000_000_000},
                     headers=bearer(people["lan"], **{"If-Match": r.headers["ETag"]}))
    assert same.status_code == 200 and same.headers["ETag"] == r.headers["ETag"]
    trail = api.get("/audit.csv?kind=estimate", headers=bearer(people["lan"]))
    assert trail.status_code == 200 and "approved-2026-11" in trail.get_data(as_text=True)


def test_components_read_can_be_sent_back_and_the_province_filter_follows(seeded_app, api,
                                                                          people):
    """The expressway's four province components, read, changed (An Giang's amount) and sent
    back as read: the list is saved exactly; An Giang's filter counts the new amount and
    Hậu Giang's is as it was."""
    warm(api, people["lan"])
    url = "/api/v1/projects/chau-doc-can-tho-soc-trang-expressway"

    def invested(province):
        return api.get(f"/api/v1/summary?province={province}&programme_role=related").json[
            "total"]["investment_vnd"]

    an_giang, hau_giang = invested("an-giang"), invested("hau-giang")
    items = api.get(f"{url}/components").json["items"]
    assert [c["province"] for c in items] == ["an-giang", "can-tho", "hau-giang", "soc-trang"]
    items[0]["amount_vnd"] = 14_000_000_000_000
    r = api.put(f"{url}/components", json={"components": items},
                headers=bearer(people["lan"], **{"If-Match": api.get(url).headers["ETag"]}))
    assert r.status_code == 200, r.get_data(as_text=True)
    again = api.get(f"{url}/components").json["items"]
    assert again == items  # decimals and sources as they were, one amount changed
    assert invested("an-giang") - an_giang == 14_000_000_000_000 - 13_799_000_000_000
    assert invested("hau-giang") == hau_giang
    emptied = api.put(f"{url}/components", json={"components": []},
                      headers=bearer(people["lan"], **{"If-Match": r.headers["ETag"]}))
    assert emptied.status_code == 200  # an empty list removes them
    assert api.get(f"{url}/components").json["total"] == 0
    before = dump(engine(seeded_app))
    stale = api.put(f"{url}/components", json={"components": items},
                    headers=bearer(people["lan"], **{"If-Match": r.headers["ETag"]}))
    assert stale.status_code == 412 and dump(engine(seeded_app)) == before


def test_a_write_returns_the_new_version_and_the_old_etag_is_refused(seeded_app, api, people):
    warm(api, people["lan"])
    first = etag(api)
    r = api.patch(URL, json={"name_en": "Renamed", "stated_length_km": 37.2,
                             "source": "mpi-1319-bkhdt"},
                  headers=bearer(people["lan"], **{"If-Match": first}))
    assert r.status_code == 200 and r.json["name_en"] == "Renamed"
    second = r.headers["ETag"]
    assert second != first and second.startswith(f'"{CODE}.v2.')
    assert api.get(URL).headers["ETag"] == second  # what a read answers now
    assert r.headers["Content-Location"].endswith(URL)
    before = dump(engine(seeded_app))
    stale = api.patch(URL, json={"name_en": "Again"},
                      headers=bearer(people["lan"], **{"If-Match": first}))
    assert stale.status_code == 412
    assert stale.json["current_version"] == 2
    [change] = stale.json["changes"]
    assert change["actor"] == "lan" and change["fields"] == ["name_en", "stated_length_km"]
    assert dump(engine(seeded_app)) == before
    # a status update moves the current values, and answers the project with its new ETag
    r = api.post(f"{URL}/updates", json={"as_of": "2026-11-30", "status": "under_construction",
                                          "progress_pct": 12.5, "source": "mpi-1319-bkhdt"},
                 headers=bearer(people["lan"], **{"If-Match": second}))
    assert r.status_code == 201 and r.headers["Location"].endswith(f"{URL}/updates")
    assert (r.json["status"], r.json["progress_pct"]) == ("under_construction", 12.5)
    assert r.json["latest_update"]["source"] == "mpi-1319-bkhdt"
    assert r.json["latest_update"]["author"] == "Lan"
    history = api.get(f"{URL}/updates").json["items"]
    assert history[-1]["as_of"] == "2026-11-30"


@pytest.mark.parametrize("if_match", [None, "*", "W/{tag}", '"{code}.v1.0000"', '"other"'])
def test_missing_or_stale_if_match_is_refused_and_nothing_changes(seeded_app, api, people,
                                                                  if_match):
    headers = bearer(people["lan"])
    api.get("/api/v1/summary", headers=headers)
    tag = etag(api)
    if if_match is not None:
        headers["If-Match"] = if_match.format(tag=tag, code=CODE)
    before = dump(engine(seeded_app))
    for method, url, body in (("PATCH", URL, {"name_en": "x"}),
                              ("POST", f"{URL}/updates", {"as_of": "2026", "status": "proposed"}),
                              ("DELETE", URL, None)):
        if method == "DELETE":
            headers = {**headers, **bearer(people["an"])}
            api.get("/api/v1/summary", headers=headers)
            before = dump(engine(seeded_app))
        r = send(api, method, url, body, headers)
        assert r.status_code == (428 if if_match in (None, "*") else 412), (method, r.json)
    assert dump(engine(seeded_app)) == before


def test_422_names_every_wrong_field_and_nothing_changes(seeded_app, api, people):
    warm(api, people["lan"])
    headers = bearer(people["lan"], **{"If-Match": etag(api)})
    before = dump(engine(seeded_app))
    r = api.patch(URL, json={"name_vi": "", "kind": "tunnel", "status": "completed",
                             "planned_start": "2030", "planned_end": "2020-02-30",
                             "colour": "red", "geometry": {"type": "Point"},
                             "source": {"key": "Bad Key", "url": "javascript:alert(1)"}},
                  headers=headers)
    assert r.status_code == 422
    fields = {e["field"] for e in r.json["errors"]}
    assert fields == {"name_vi", "kind", "status", "planned_end", "colour", "geometry",
                      "source.key", "source.url", "source.publisher"}, r.json["errors"]
    assert all(e["message"] for e in r.json["errors"])
    bad = api.post(f"{URL}/updates", json={"as_of": "2026", "status": "done",
                                            "progress_pct": "ten", "author": "someone"},
                   headers=headers)
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json["errors"]} == {"status", "progress_pct", "author",
                                                        "source"}
    create = api.post("/api/v1/projects", json={**NEW, "code": CODE}, headers=headers)
    assert create.status_code == 422 and [e["field"] for e in create.json["errors"]] == ["code"]
    assert dump(engine(seeded_app)) == before


@pytest.mark.parametrize(("data", "content_type", "status"), [
    (b'{"name_en": "x"', "application/json", 400),
    (b'{"name_en": "x"}', "text/plain", 415),
    (b'["name_en"]', "application/json", 422),
    (b"\xff\xfe", "application/json", 400),
])
def test_a_body_that_is_not_a_json_object_is_refused(seeded_app, api, people, data,
                                                     content_type, status):
    warm(api, people["lan"])
    headers = bearer(people["lan"], **{"If-Match": etag(api)}, **{"Content-Type": content_type})
    before = dump(engine(seeded_app))
    r = api.patch(URL, data=data, headers=headers)
    assert r.status_code == status and r.is_json
    assert dump(engine(seeded_app)) == before


def test_a_session_cookie_writes_only_with_its_csrf_token_and_a_token_needs_none(
        seeded_app, api, people):
    page = sign_in(api, "lan")
    assert page.status_code == 303
    token = csrf(api.get("/account").data)
    headers = {"If-Match": etag(api)}
    before = dump(engine(seeded_app))
    refused = api.patch(URL, json={"name_en": "by cookie"}, headers=headers)
    assert refused.status_code == 400 and refused.is_json
    assert dump(engine(seeded_app)) == before
    done = api.patch(URL, json={"name_en": "by cookie"},
                     headers={**headers, "X-CSRFToken": token})
    assert done.status_code == 200 and done.json["name_en"] == "by cookie"
    other = seeded_app.test_client()  # a token request: no cookie, no CSRF token
    r = other.patch(URL, json={"name_en": "by token"},
                    headers=bearer(people["lan"], **{"If-Match": done.headers["ETag"]}))
    assert r.status_code == 200
    with seeded_app.extensions["tracker"].sessions() as s:
        assert [e.actor for e in s.scalars(select(AuditEntry).where(
            AuditEntry.kind == "edit").order_by(AuditEntry.id))] == ["lan", "lan"]


def test_a_deleted_project_is_gone_from_the_api_and_its_code_stays_taken(seeded_app, api,
                                                                        people):
    r = api.delete(URL, headers=bearer(people["an"], **{"If-Match": etag(api)}))
    assert r.status_code == 204 and r.data == b""
    assert api.get(URL).status_code == 404
    assert CODE not in {p["code"] for p in api.get("/api/v1/projects?limit=100").json["items"]}
    assert CODE not in {f["id"] for f in api.get("/api/v1/projects.geojson").json["features"]}
    assert api.get(f"/ogc/collections/projects/items/{CODE}").status_code == 404
    assert api.get(f"/projects/{CODE}").status_code == 404
    again = api.post("/api/v1/projects", json={**NEW, "code": CODE},
                     headers=bearer(people["lan"]))
    assert again.status_code == 422
    with seeded_app.extensions["tracker"].sessions() as s:
        assert s.scalar(select(func.count()).select_from(Project).where(
            Project.code == CODE)) == 1


def test_cors_never_allows_credentials_on_writes(api, people):
    r = api.patch(URL, json={}, headers={"Origin": "https://elsewhere.example"})
    assert r.status_code == 401
    assert "Access-Control-Allow-Credentials" not in r.headers


# --------------------------------------------------------------------------- the document

@pytest.fixture
def spec(api):
    doc = api.get("/api/v1/openapi.json").get_json(force=True)
    config = Config(extra_media_type_deserializers={
        t: json.loads for t in ("application/geo+json", "application/schema+json",
                                "application/vnd.oai.openapi+json")})
    return OpenAPI.from_dict(doc, config=config), doc


def test_write_operations_are_documented_with_their_security(spec):
    _spec, doc = spec
    schemes = doc["components"]["securitySchemes"]
    assert schemes["bearerToken"]["scheme"] == "bearer"
    assert schemes["sessionCookie"]["in"] == "cookie"
    ops = {(path, method): op for path, item in doc["paths"].items()
           for method, op in item.items()}
    for key, codes in {("/api/v1/projects", "post"): {"201", "401", "403", "422"},
                       ("/api/v1/projects/{code}", "patch"): {"200", "412", "422", "428"},
                       ("/api/v1/projects/{code}", "delete"): {"204", "401", "403", "428"},
                       ("/api/v1/projects/{code}/updates", "post"): {"201", "412", "428"},
                       ("/api/v1/projects/{code}/estimates", "post"): {"201", "412", "422",
                                                                       "428"},
                       ("/api/v1/projects/{code}/components", "put"): {"200", "412", "422",
                                                                       "428"},
                       }.items():
        assert codes <= set(ops[key]["responses"]), key
        assert ops[key]["security"] == [{"bearerToken": []}, {"sessionCookie": []}]
    assert all("security" not in op for (_p, m), op in ops.items() if m == "get")


def test_openapi_core_validates_the_write_answers(spec, api, people):
    validator, _doc = spec
    lan = bearer(people["lan"])
    calls = [  # (method, url, body, headers, expected status)
        ("PATCH", URL, {"name_en": "x"}, {}, 401),
        ("DELETE", URL, None, {**lan, "If-Match": "*"}, 403),
        ("PATCH", URL, {"name_en": "x"}, lan, 428),
        ("PATCH", URL, {"kind": "tunnel"}, {**lan, "If-Match": None}, 422),
        ("PATCH", URL, {"name_en": "x"}, {**lan, "If-Match": '"old"'}, 412),
        ("PATCH", URL, {"name_en": "x"}, {**lan, "If-Match": None}, 200),
        ("POST", f"{URL}/updates", {"as_of": "2026", "status": "proposed"},
         {**lan, "If-Match": None}, 422),
        ("POST", f"{URL}/updates", {"as_of": "2026", "status": "proposed",
                                     "source": "mpi-1319-bkhdt"}, {**lan, "If-Match": None}, 201),
        ("POST", f"{URL}/estimates", {"amount_vnd": 1}, {**lan, "If-Match": None}, 422),
        ("POST", f"{URL}/estimates", {"amount_vnd": 3_700_000_000_000, "as_of": "2026-11",
                                      "basis": "adjusted", "source": "mpi-1319-bkhdt"},
         {**lan, "If-Match": None}, 201),
        ("GET", f"{URL}/estimates", None, {}, 200),
        ("PUT", f"{URL}/components", {"components": [{"province": "ca-mau"}]},
         {**lan, "If-Match": None}, 422),
        ("PUT", f"{URL}/components", {"components": [
            {"province": "hau-giang", "stated_length_km": 37.152, "amount_vnd": 10,
             "source": "mpi-1319-bkhdt"}]}, {**lan, "If-Match": None}, 200),
        ("GET", f"{URL}/components", None, {}, 200),
        ("POST", "/api/v1/projects", NEW, lan, 201),
    ]
    for method, url, body, headers, status in calls:
        if headers.get("If-Match", "") is None:
            headers = {**headers, "If-Match": etag(api)}
        r = send(api, method, url, body, headers)
        assert r.status_code == status, (method, url, r.get_data(as_text=True))
        # the request again, as openapi-core reads it (the app consumed the first's body)
        request = Request(EnvironBuilder(path=url, method=method, headers=headers,
                                         **({"json": body} if body else {})).get_environ())
        validator.validate_response(WerkzeugOpenAPIRequest(request),
                                    WerkzeugOpenAPIResponse(r))


def test_the_gzip_coded_tag_is_its_own_and_names_the_same_version(seeded_app, api, people):
    plain = api.get(URL)
    coded = api.get(URL, headers={"Accept-Encoding": "gzip"})
    assert coded.headers["Content-Encoding"] == "gzip"
    assert coded.headers["ETag"] == plain.headers["ETag"][:-1] + '-gzip"'  # strong: per coding
    assert api.get(URL, headers={"If-None-Match": coded.headers["ETag"]}).status_code == 304
    r = api.patch(URL, json={"name_en": "via the coded tag"},
                  headers=bearer(people["lan"], **{"If-Match": coded.headers["ETag"]}))
    assert r.status_code == 200
