"""POST /api/v1/imports and the upload pages, on SQLite and PostGIS: roles, the dry run, a
plan token that no longer holds (409), rejected features (422), and the preview → confirm of
the page applying exactly what it showed."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.db_dump import dump
from tests.web.test_account_pages import csrf, make_token, make_users, sign_in
from tracker.models import ImportRecord, Project

CSV = ("code,name_vi,kind,status,geometry_accuracy,lon,lat\n"
       "cau-moi,Cầu mới,bridge,proposed,surveyed,105.75,10.04\n"
       "bon-tong-mot-ngan,,,,,,\n").encode()
BAD = b"code,name_vi,kind,status,progress_pct\nx-y,Ten,road,proposed,150\n"


def engine(app):
    return app.extensions["tracker"].engine


@pytest.fixture
def tokens(seeded_app):
    make_users(seeded_app, ("lan", "editor"), ("minh", "viewer"))
    out = {n: make_token(seeded_app, n) for n in ("lan", "minh")}
    client = seeded_app.test_client()
    for t in out.values():  # the first use notes last_used_at: before any dump
        assert client.get("/api/v1/summary", headers={"Authorization": f"Bearer {t}"}
                          ).status_code == 200
    return out


def post(client, token, query, body=CSV):
    headers = {"Content-Type": "application/octet-stream"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return client.post(f"/api/v1/imports?{query}", data=body, headers=headers)


def test_the_api_dry_run_then_apply_the_plan(seeded_app, tokens):
    client = seeded_app.test_client()
    assert post(client, None, "filename=a.csv&dry_run=1").status_code == 401
    assert post(client, tokens["minh"], "filename=a.csv&dry_run=1").status_code == 403
    before = dump(engine(seeded_app))
    dry = post(client, tokens["lan"], "filename=a.csv&dry_run=1")
    assert dry.status_code == 200, dry.get_json()
    plan = dry.get_json()
    assert plan["counts"]["created"] == 1 and plan["created"][0]["code"] == "cau-moi"
    assert dump(engine(seeded_app)) == before
    stale = post(client, tokens["lan"], "filename=a.csv&plan=" + "0" * 32)
    assert stale.status_code == 409 and "changed since the preview" in stale.get_json()["error"]
    done = post(client, tokens["lan"], f"filename=a.csv&plan={plan['token']}")
    assert done.status_code == 201, done.get_json()
    assert done.get_json()["import_id"] is not None
    with seeded_app.extensions["tracker"].sessions() as s:
        assert s.scalar(select(ImportRecord.actor)) == "lan"


def test_the_api_refuses_bad_files_and_rejected_features(seeded_app, tokens):
    client = seeded_app.test_client()
    before = dump(engine(seeded_app))
    r = post(client, tokens["lan"], "filename=a.csv", BAD)
    assert r.status_code == 422
    assert r.get_json()["errors"][0]["field"] == "feature 1.progress_pct"
    r = post(client, tokens["lan"], "filename=a.geojson", b"{not json")
    assert r.status_code == 400 and "JSON" in r.get_json()["error"]
    assert post(client, tokens["lan"], "dry_run=1").status_code == 400  # no filename
    assert dump(engine(seeded_app)) == before


def _signed_in(app):
    client = app.test_client()
    assert sign_in(client, "lan").status_code == 303
    return client


def test_the_page_previews_then_confirms_exactly_that_plan(seeded_app, tokens):
    import io

    client = _signed_in(seeded_app)
    page = client.get("/imports/_new")
    assert page.status_code == 200
    token = csrf(page.data)
    before = dump(engine(seeded_app))
    preview = client.post("/imports/_new", data={
        "csrf_token": token, "file": (io.BytesIO(CSV), "khao-sat.csv"), "crs": ""},
        content_type="multipart/form-data")
    assert preview.status_code == 200
    html = preview.get_data(as_text=True)
    assert "cau-moi" in html and "import-confirm" in html
    assert dump(engine(seeded_app)) == before
    form = dict(__import__("re").findall(r'name="(\w+)" value="([^"]*)"', html))
    confirm = client.post("/imports/_confirm", data=form)
    assert confirm.status_code == 201, confirm.get_data(as_text=True)
    with seeded_app.extensions["tracker"].sessions() as s:
        assert s.scalar(select(Project.id).where(Project.code == "cau-moi")) is not None
    again = client.post("/imports/_confirm", data=form)  # the plan is spent: 409
    assert again.status_code == 409


def test_the_page_shows_a_conflict_when_the_database_changed(seeded_app, tokens):
    import io
    import re

    client = _signed_in(seeded_app)
    token = csrf(client.get("/imports/_new").data)
    preview = client.post("/imports/_new", data={
        "csrf_token": token, "file": (io.BytesIO(CSV), "a.csv")},
        content_type="multipart/form-data")
    form = dict(re.findall(r'name="(\w+)" value="([^"]*)"', preview.get_data(as_text=True)))
    with seeded_app.extensions["tracker"].sessions() as s:
        p = s.scalar(select(Project).where(Project.code == "bon-tong-mot-ngan"))
        p.name_en = "Changed meanwhile"
        s.commit()
    before = dump(engine(seeded_app))
    r = client.post("/imports/_confirm", data=form)
    assert r.status_code == 409 and "import-conflict" in r.get_data(as_text=True)
    assert dump(engine(seeded_app)) == before


def test_a_viewer_cannot_open_the_page(seeded_app, tokens):
    client = seeded_app.test_client()
    assert sign_in(client, "minh").status_code == 303
    assert client.get("/imports/_new").status_code == 403


@pytest.mark.parametrize(("lang", "label", "sentence"), [
    ("vi", "Tiến độ (%)", "Tiến độ là một số từ 0 đến 100."),
    ("en", "Progress (%)", "Progress is a number from 0 to 100.")])
def test_the_page_says_why_a_feature_is_rejected_in_the_readers_language(
        seeded_app, tokens, lang, label, sentence):
    import io
    import re

    client = _signed_in(seeded_app)
    token = csrf(client.get(f"/imports/_new?lang={lang}").data)
    before = dump(engine(seeded_app))
    r = client.post(f"/imports/_new?lang={lang}", data={
        "csrf_token": token, "file": (io.BytesIO(BAD), "sai.csv")},
        content_type="multipart/form-data")
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and "import-confirm" not in html  # a preview, nothing to confirm
    [row] = re.findall(r'<tr data-field="progress_pct">(.*?)</tr>', html, re.S)
    assert label in row and sentence in row
    assert "150" in row  # the technical reason, with the value, beside the sentence
    assert dump(engine(seeded_app)) == before


@pytest.mark.parametrize(("lang", "sentence"), [
    ("vi", "Hệ tọa độ của tệp chưa rõ"), ("en", "coordinate system is missing or wrong")])
def test_a_refused_file_says_what_it_needs_in_the_readers_language(seeded_app, tokens, lang,
                                                                   sentence):
    import io

    client = _signed_in(seeded_app)
    token = csrf(client.get(f"/imports/_new?lang={lang}").data)
    no_crs = b"code,name_vi,kind,status,x,y\nd1,Ten,road,proposed,587000,1105000\n"
    before = dump(engine(seeded_app))
    r = client.post(f"/imports/_new?lang={lang}", data={
        "csrf_token": token, "file": (io.BytesIO(no_crs), "khao-sat.csv")},
        content_type="multipart/form-data")
    html = r.get_data(as_text=True)
    assert r.status_code == 422 and "import-why" in html and sentence in html
    assert "does not say which CRS" in html  # the technical words beside it
    assert dump(engine(seeded_app)) == before
