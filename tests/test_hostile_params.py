"""Hostile input gets a clear 400 naming what was wrong, never a 500 (issue 7, parts 2 and 4).

Every case the issue lists, against the API, the OGC API and the pages, on SQLite and
PostGIS; then Accept-Encoding, 405 Allow, trusted hosts behind a proxy, CORS origins, the
default-secret warning, waitress's queue warning and a stored URL that is not a URL.
"""

from __future__ import annotations

import gzip
import json
import logging
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import text as sql

from tests.conftest import TODAY
from tests.factories import make_project
from tracker import create_app
from tracker.api.http import accepts_gzip
from tracker.config import DEFAULT_SECRET_KEY, REPO_ROOT, load_settings
from tracker.i18n import gettext
from tracker.params import MAX_SEARCH_CHARS, MAX_SEARCH_WORDS
from tracker.urls import is_http_url, safe_http_url

HUGE = "9" * 5_000  # int() refuses more than 4,300 digits
BIGINT_PLUS_1 = str(2**63)
EDGE_OF_CALENDAR = "0001-01-01T00:00:00+14:00"
END_OF_CALENDAR = "9999-12-31T23:59:59-14:00"
MANY_WORDS = " ".join(["cầu"] * 1_001)
VERY_LONG = "x" * 50_001
LONG = "đ" * (MAX_SEARCH_CHARS + 1)
WORDS = " ".join(["a"] * (MAX_SEARCH_WORDS + 1))

# (parameter, value): every input that gave a 500 (and the bounds just past each limit)
LIMIT_CASES = [("limit", HUGE), ("limit", "²"), ("limit", "١٠"), ("limit", BIGINT_PLUS_1)]
OFFSET_CASES = [("offset", BIGINT_PLUS_1), ("offset", HUGE), ("offset", "١"),
                ("offset", "0" * 30 + BIGINT_PLUS_1)]
TEXT_CASES = [("q", MANY_WORDS), ("q", VERY_LONG), ("q", LONG), ("q", WORDS),
              ("owner", VERY_LONG), ("owner", LONG), ("owner", WORDS)]
SINCE_CASES = [("updated_since", EDGE_OF_CALENDAR), ("updated_since", END_OF_CALENDAR),
               ("updated_since", "1974-12-31"), ("updated_since", "2101-01-01T00:00:00Z"),
               ("updated_since", "２０２６-01-01"), ("updated_since", "2026-01-01" + "0" * 100)]
CRS_CASES = [("crs", HUGE), ("crs", "EPSG:" + HUGE), ("crs", "EPSG:¹²"), ("crs", "EPSG:３４０５"),
             ("crs", "http://www.opengis.net/def/crs/EPSG/0/" + HUGE)]
DATETIME_CASES = [("datetime", EDGE_OF_CALENDAR), ("datetime", "0001-01-01"),
                  ("datetime", "1900-01-01/.."), ("datetime", "../2101-01-01"),
                  ("datetime", "٢٠٢٦-01-01"), ("datetime", "2026-01-01/" + "9" * 200)]
PAGE_CASES = [("page", HUGE), ("page", "²"), ("page", "٣"), ("page", BIGINT_PLUS_1 + "0")]

# every endpoint with the hostile values of the parameters it takes
MACHINE_ENDPOINTS = {
    "/api/v1/projects": LIMIT_CASES + OFFSET_CASES + TEXT_CASES + SINCE_CASES,
    "/api/v1/projects.gpkg": CRS_CASES + LIMIT_CASES[:1] + OFFSET_CASES[:2],
    "/api/v1/projects.shp.zip": CRS_CASES[:3],
    "/api/v1/projects.csv": TEXT_CASES[:2] + SINCE_CASES[:1],
    "/api/v1/summary": TEXT_CASES[:2] + SINCE_CASES[:2],
    "/api/v1/oc4ids.json": TEXT_CASES[:2] + SINCE_CASES[:2],
    "/ogc/collections/projects/items": LIMIT_CASES + OFFSET_CASES + TEXT_CASES
    + DATETIME_CASES,
    "/ogc/collections/boundaries/items": LIMIT_CASES[:2] + OFFSET_CASES[:2]
    + DATETIME_CASES[:3],
    "/map/features.geojson": TEXT_CASES[:2] + SINCE_CASES[:2],
    "/projects.geojson": TEXT_CASES[:1] + SINCE_CASES[:1],
}
PAGE_ENDPOINTS = {
    "/projects": PAGE_CASES + TEXT_CASES + SINCE_CASES,
    "/": TEXT_CASES[:2] + SINCE_CASES[:2],
    "/map": TEXT_CASES[:2] + SINCE_CASES[:2],
    "/projects.csv": TEXT_CASES[:2] + SINCE_CASES[:1],
}


def shorten(value: str) -> str:
    return value[:16] + (f"… ({len(value)} chars)" if len(value) > 16 else "")


def assert_json_400(response, parameter: str, case: str) -> dict:
    assert response.status_code == 400, (case, response.get_data(as_text=True)[:300])
    body = response.get_json()
    assert body["parameter"] == parameter, case
    assert body["error"] and parameter in body["error"], case
    assert len(response.data) < 2_000, case  # the bad value is not echoed whole
    return body


@pytest.mark.parametrize("url", MACHINE_ENDPOINTS)
def test_machine_endpoints_answer_400_json_naming_the_parameter(client, url):
    for prm, value in MACHINE_ENDPOINTS[url]:
        case = f"{url}?{prm}={shorten(value)}"
        assert_json_400(client.get(url, query_string={prm: value}), prm, case)


@pytest.mark.parametrize("url", PAGE_ENDPOINTS)
def test_pages_answer_a_friendly_400_naming_the_parameter(client, url):
    for prm, value in PAGE_ENDPOINTS[url]:
        case = f"{url}?{prm}={shorten(value)}"
        response = client.get(url, query_string={prm: value})
        assert response.status_code == 400, case
        html = response.get_data(as_text=True)
        assert response.mimetype == "text/html", case
        assert gettext("error.parameter", lang="vi", name=prm) in html, case
        assert gettext("error.back", lang="vi") in html and "Traceback" not in html, case


@pytest.mark.parametrize("prm, value", [("page", "²"), ("q", MANY_WORDS),
                                        ("updated_since", EDGE_OF_CALENDAR)])
def test_the_page_names_the_parameter_in_english_too(client, prm, value):
    html = client.get("/projects", query_string={prm: value, "lang": "en"}
                      ).get_data(as_text=True)
    assert gettext("error.parameter", lang="en", name=prm) in html
    assert gettext("error.parameter", lang="vi", name=prm) not in html


def test_values_inside_the_bounds_still_work(seeded_app, client):
    """The edges are accepted: the largest offset, a 200-character q, the calendar's ends."""
    body = client.get("/api/v1/projects", query_string={"offset": str(2**63 - 1)}).get_json()
    assert body["items"] == [] and body["total"] > 0
    items = client.get("/ogc/collections/projects/items",
                       query_string={"offset": str(2**63 - 1)}).get_json()
    assert items["numberReturned"] == 0
    assert client.get("/api/v1/projects", query_string={
        "offset": "0007", "limit": "0003"}).get_json()["offset"] == 7
    assert client.get("/projects", query_string={"q": "b" * MAX_SEARCH_CHARS}
                      ).status_code == 200
    words = " ".join(["bon"] * MAX_SEARCH_WORDS)
    assert client.get("/api/v1/projects", query_string={"q": words}).status_code == 200
    assert client.get("/api/v1/projects", query_string={"owner": "Hậu Giang"}
                      ).get_json()["total"] >= 1
    all_codes = {i["code"] for i in client.get("/api/v1/projects").get_json()["items"]}
    since = client.get("/api/v1/projects", query_string={
        "updated_since": "1975-01-01T00:00:00+14:00"}).get_json()
    assert {i["code"] for i in since["items"]} == all_codes
    assert client.get("/api/v1/projects", query_string={
        "updated_since": "2100-12-31T23:59:59-14:00"}).get_json()["total"] == 0
    assert client.get("/ogc/collections/projects/items", query_string={
        "datetime": "1975-01-01/2100-12-31"}).status_code == 200
    gpkg = client.get("/api/v1/projects.gpkg", query_string={"crs": "EPSG:03405"})
    assert gpkg.status_code == 200


def test_the_cli_refuses_long_search_text(runner):
    result = runner.invoke(args=["list", "--q", VERY_LONG])
    assert result.exit_code != 0
    assert "q is longer than" in result.output


# --------------------------------------------------------------------------- Accept-Encoding

@pytest.mark.parametrize("header, expected", [
    ("gzip;q=abc", True), ("gzip; q=", True), ("gzip;q=nan", True), ("gzip;q=2", True),
    ("gzip;q=1e999", True), ("gzip;q=-1", True), ("gzip;level=9;q=0.5", True),
    ("gzip;q=0", False), ("gzip;q=0.000", False), ("gzip;q=0, *", False),
    ("*;q=0.1", True), ("*;q=0", False), ("x-gzip", True), ("GZIP", True),
    ("br, deflate", False), ("identity", False), ("", False), (None, False),
    (";;;,,,=;q=", False), ("gzip;q=abc;q=0", True), ("gzip" + ";q=x" * 10_000, True),
])
def test_accept_encoding_is_parsed_leniently(header, expected):
    assert accepts_gzip(header) is expected


def test_a_bad_q_value_never_fails_a_big_body(seeded_app, client):
    for url in ("/api/v1/projects", "/api/v1/openapi.json", "/ogc/collections/projects/items",
                "/api/v1/", "/ogc/collections/projects/items?f=html"):
        plain = client.get(url)
        assert len(plain.data) >= 1024, url
        for header in ("gzip;q=abc", "gzip;q=", "br;q=x, gzip;q=zz", "*;q=NaN"):
            zipped = client.get(url, headers={"Accept-Encoding": header})
            assert zipped.status_code == 200, (url, header)
            assert zipped.headers["Content-Encoding"] == "gzip", (url, header)
            if "/items" not in url:  # the items carry a timeStamp
                assert gzip.decompress(zipped.data) == plain.data, (url, header)


# --------------------------------------------------------------------------- 405 Allow

def test_405_says_which_methods_are_allowed(client):
    for method, url, json_body in [
        ("post", "/projects", False), ("delete", "/map", False), ("put", "/", False),
        # POST /api/v1/projects and PATCH/DELETE of a project are the write API's
        ("put", "/api/v1/projects", True), ("put", "/api/v1/projects/ql61c-phase2", True),
        ("post", "/ogc/collections", True), ("patch", "/ogc/collections/projects/items", True),
    ]:
        response = getattr(client, method)(url)
        assert response.status_code == 405, url
        allowed = {m.strip() for m in response.headers["Allow"].split(",")}
        assert {"GET", "HEAD"} <= allowed and method.upper() not in allowed, url
        if json_body:
            assert response.get_json()["error"] == "Method Not Allowed", url
        else:
            assert gettext("error.405", lang="vi") in response.get_data(as_text=True), url


# --------------------------------------------------------------------------- deployments

def make_app(db_url: str, tmp_path: Path, **settings):
    app = create_app({"database_url": db_url, "instance_path": str(tmp_path),
                      "today": TODAY, "auto_migrate": False, "secret_key": "test-key",
                      **settings})
    app.config["TESTING"] = True
    return app


@pytest.fixture
def make(db_url, tmp_path):
    apps = []

    def build(**settings):
        apps.append(make_app(db_url, tmp_path, **settings))
        return apps[-1].test_client()

    yield build
    for app in apps:
        app.extensions["tracker"].engine.dispose()


def test_untrusted_hosts_get_400_and_links_name_only_trusted_hosts(make):
    client = make(trusted_hosts=("tracker.example.vn", ".cantho.gov.vn"))
    for host in ("evil.example", "tracker.example.vn.evil.example", "cantho.gov.vn.evil"):
        api = client.get("/api/v1/projects", headers={"Host": host})
        assert api.status_code == 400
        assert api.get_json()["parameter"] == "Host"
        assert host not in api.get_data(as_text=True)
        page = client.get("/projects", headers={"Host": host})
        assert page.status_code == 400
        assert gettext("http.untrusted_host", lang="vi") in page.get_data(as_text=True)
        assert gettext("http.untrusted_host", lang="en") in page.get_data(as_text=True)
    for host in ("tracker.example.vn", "tracker.example.vn:8080", "sxd.cantho.gov.vn"):
        body = client.get("/api/v1/projects", headers={"Host": host}).get_json()
        assert body["links"][0]["href"].startswith(f"http://{host}/api/v1/projects")
        assert client.get("/projects", headers={"Host": host}).status_code == 200


def test_any_host_is_answered_when_no_trusted_hosts_are_set(make):
    body = make().get("/api/v1/projects", headers={"Host": "anything.example"}).get_json()
    assert body["links"][0]["href"].startswith("http://anything.example/")


def test_behind_a_proxy_links_use_the_forwarded_host_and_scheme(make):
    forwarded = {"Host": "127.0.0.1:5000", "X-Forwarded-Host": "tracker.example.vn",
                 "X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"}
    behind = make(proxy_fix=1, trusted_hosts=("tracker.example.vn",))
    body = behind.get("/api/v1/projects", headers=forwarded).get_json()
    assert body["links"][0]["href"].startswith("https://tracker.example.vn/api/v1/")
    spoofed = behind.get("/api/v1/projects", headers={**forwarded,
                                                      "X-Forwarded-Host": "evil.example"})
    assert spoofed.status_code == 400
    direct = make(proxy_fix=0).get("/api/v1/projects", headers=forwarded).get_json()
    assert direct["links"][0]["href"].startswith("http://127.0.0.1:5000/")


def test_settings_of_a_deployment_are_parsed_from_the_environment():
    s = load_settings(environ={"TRACKER_TRUSTED_HOSTS": " a.vn, ,.b.vn ",
                               "TRACKER_PROXY_FIX": "2",
                               "TRACKER_CORS_ORIGINS": "https://A.vn/, http://b.vn:8080"})
    assert s.trusted_hosts == ("a.vn", ".b.vn") and s.proxy_fix == 2
    assert s.cors_origins == ("https://a.vn", "http://b.vn:8080")
    defaults = load_settings(environ={})
    assert defaults.cors_origins == ("*",) and defaults.trusted_hosts == ()
    assert defaults.proxy_fix == 0
    for env, value in (("TRACKER_PROXY_FIX", "one"), ("TRACKER_PROXY_FIX", "11"),
                       ("TRACKER_PROXY_FIX", "²"), ("TRACKER_CORS_ORIGINS", "intranet.vn")):
        with pytest.raises(ValueError, match=env):
            load_settings(environ={env: value})


def test_cors_is_open_to_every_origin_by_default(make):
    response = make().get("/api/v1/projects", headers={"Origin": "https://any.example"})
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "Origin" not in response.headers.get("Vary", "")
    assert "Access-Control-Allow-Credentials" not in response.headers


@pytest.mark.parametrize("url", ["/api/v1/projects", "/ogc/collections"])
def test_cors_origins_narrow_who_may_read(make, url):
    client = make(cors_origins=("https://intranet.sxd.vn", "http://gis.local:8080"))
    ok = client.get(url, headers={"Origin": "https://intranet.sxd.vn",
                                  "Accept-Encoding": "gzip"})
    assert ok.headers["Access-Control-Allow-Origin"] == "https://intranet.sxd.vn"
    assert {"Origin", "Accept-Encoding"} <= {v.strip() for v in ok.headers["Vary"].split(",")}
    assert "ETag" in ok.headers["Access-Control-Expose-Headers"]
    other = client.get(url, headers={"Origin": "https://evil.example"})
    assert other.status_code == 200
    assert "Access-Control-Allow-Origin" not in other.headers
    assert "Origin" in other.headers["Vary"]
    none = client.get(url)
    assert "Access-Control-Allow-Origin" not in none.headers
    pre = client.options(url, headers={"Origin": "http://gis.local:8080",
                                       "Access-Control-Request-Method": "GET"})
    assert pre.headers["Access-Control-Allow-Origin"] == "http://gis.local:8080"
    assert "GET" in pre.headers["Access-Control-Allow-Methods"]
    bad_pre = client.options(url, headers={"Origin": "https://evil.example",
                                           "Access-Control-Request-Method": "GET"})
    assert "Access-Control-Allow-Methods" not in bad_pre.headers
    for r in (ok, other, none, pre, bad_pre):
        assert "Access-Control-Allow-Credentials" not in r.headers


def secret_warnings(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if "TRACKER_SECRET_KEY" in r.getMessage()
            and r.levelno == logging.WARNING]


def test_a_default_secret_key_is_warned_about_once_outside_development(
        db_url, tmp_path, caplog, monkeypatch):
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    config = {"database_url": db_url, "instance_path": str(tmp_path), "auto_migrate": False}
    apps = []
    with caplog.at_level(logging.WARNING, logger="tracker"):
        apps.append(create_app({**config, "secret_key": DEFAULT_SECRET_KEY}))
        assert not secret_warnings(caplog)  # building the app (any CLI command) is quiet
        client = apps[-1].test_client()
        assert client.get("/healthz").status_code == 200
        assert client.get("/healthz").status_code == 200
    assert len(secret_warnings(caplog)) == 1
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="tracker"):
        apps.append(create_app({**config, "secret_key": "a-real-secret"}))
        testing = create_app({**config, "secret_key": DEFAULT_SECRET_KEY})
        testing.config["TESTING"] = True
        apps.append(testing)
        monkeypatch.setenv("FLASK_DEBUG", "1")
        apps.append(create_app({**config, "secret_key": DEFAULT_SECRET_KEY}))
        for app in apps[1:]:
            assert app.test_client().get("/healthz").status_code == 200
    assert not secret_warnings(caplog)
    for app in apps:
        app.extensions["tracker"].engine.dispose()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def test_serve_warns_of_the_default_key_once_and_not_of_queue_depth(sqlite_template, tmp_path):
    """One worker thread and 40 simultaneous requests: every request waits in the queue,
    which waitress reports at WARNING each time unless `tracker serve` quiets it. The default
    secret key is warned about once, at start-up."""
    db = tmp_path / "tracker.db"
    shutil.copy(sqlite_template, db)
    port = _free_port()
    env = {**os.environ, "TRACKER_DATABASE_URL": f"sqlite:///{db}",
           "TRACKER_INSTANCE_PATH": str(tmp_path)}
    env.pop("TRACKER_SECRET_KEY", None)
    env.pop("FLASK_DEBUG", None)
    command = "import sys; from tracker.cli import main; sys.argv[0] = 'tracker'; main()"
    proc = subprocess.Popen([sys.executable, "-c", command, "serve", "--port", str(port),
                             "--threads", "1"], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=REPO_ROOT)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 20
        while True:
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=2).close()
                break
            except OSError:
                assert time.monotonic() < deadline and proc.poll() is None, "server did not start"
                time.sleep(0.1)
        statuses: list[int] = []

        def fetch() -> None:
            with urllib.request.urlopen(f"{base}/api/v1/projects", timeout=30) as r:
                statuses.append(r.status)
                json.loads(r.read())

        threads = [threading.Thread(target=fetch) for _ in range(40)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert statuses == [200] * 40
    finally:
        proc.terminate()
        _out, err = proc.communicate(timeout=20)
    assert "serving on" in _out
    assert "Task queue depth" not in err
    assert err.count("TRACKER_SECRET_KEY is the default") == 1


# --------------------------------------------------------------------------- stored URLs

@pytest.mark.parametrize("url, link", [
    ("http://[x]/", None), ("https://[::1]/a", "https://[::1]/a"), ("http://[v1.fe]/", None),
    ("http://a.vn:99999/", None), ("javascript:alert(1)", None), ("data:text/html,x", None),
    ("http:///path", None), ("http://exa mple.vn/", None), ("http://a..vn/", None),
    ("  https://baocantho.com.vn/x  ", "https://baocantho.com.vn/x"),
    ("https://bộgtvt.vn/tin?id=1|2", "https://bộgtvt.vn/tin?id=1|2"),
    ("HTTP://MT.GOV.VN/", "HTTP://MT.GOV.VN/"), ("ftp://x.vn/", None), (None, None), (42, None),
    ("https://x.vn/" + "a" * 3000, None), ("http://a.vn\\@evil.example/", None),
])
def test_safe_http_url(url, link):
    assert safe_http_url(url) == link
    assert is_http_url(url) is (link is not None and link == url)


def test_a_source_url_with_brackets_in_its_host_renders_as_text(app, client):
    from tracker.models import ProjectSource, Source

    with app.extensions["tracker"].sessions() as s:
        p = make_project("bracket-source")
        broken = Source(key="broken", publisher="Sở GTVT", title="Công văn 12",
                        url="http://x.example/")
        good = Source(key="good", publisher="Báo Cần Thơ", title="Bài báo",
                      url="https://baocantho.com.vn/x")
        p.source_links = [ProjectSource(source=broken, supports="status"),
                          ProjectSource(source=good, supports="status")]
        s.add(p)
        s.commit()
        # written today it is refused (tracker.checks); one stored before that check is still
        # rendered safely, so put it there behind the ORM's back
        s.execute(sql("UPDATE sources SET url = 'http://[x]/' WHERE key = 'broken'"))
        s.commit()
    for lang in ("vi", "en"):
        response = client.get("/projects/bracket-source", query_string={"lang": lang})
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        assert "Công văn 12" in html and 'href="http://[x]/"' not in html
        assert 'href="https://baocantho.com.vn/x"' in html


# --------------------------------------------------------------------------- the parsers

def test_whole_numbers_are_ascii_digits_within_bounds():
    from tracker.errors import BadParameter
    from tracker.params import MAX_INT, whole_number

    assert whole_number("0009223372036854775807", "offset", 0, MAX_INT) == MAX_INT
    assert whole_number("0", "offset", 0, MAX_INT) == 0
    for text in ("9223372036854775808", HUGE, "²", "١", "+1", "-1", "1_000", " 1", "1.0", ""):
        with pytest.raises(BadParameter) as err:
            whole_number(text, "offset", 0, MAX_INT)
        assert err.value.field == "offset"


def test_filter_datetimes_are_naive_utc_inside_the_calendar():
    from datetime import datetime

    from tracker.periods import OutOfRange, parse_utc_datetime

    assert parse_utc_datetime("2026-03-09T08:00:00+07:00") == datetime(2026, 3, 9, 1, 0)
    assert parse_utc_datetime("2026-03-09") == datetime(2026, 3, 9)
    assert parse_utc_datetime("1975-01-01T00:00:00+14:00") == datetime(1974, 12, 31, 10, 0)
    for text in (EDGE_OF_CALENDAR, END_OF_CALENDAR, "1974-12-31", "2101-01-01"):
        with pytest.raises(OutOfRange):
            parse_utc_datetime(text)
    for text in ("yesterday", "２０２６-01-01", "2026-01-01" + " " * 100 + "x"):
        with pytest.raises(ValueError):
            parse_utc_datetime(text)
