"""The account pages and the request rules around them, through the Flask test client on SQLite
and PostGIS: sign-in and out with CSRF, throttling shared by two app instances, the session
cookie, TRACKER_PUBLIC_READ, bearer tokens, `require_role`, the users page, translations."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.conftest import TODAY
from tracker import auth, create_app
from tracker.audit import CLI
from tracker.models import ApiToken, AuditEntry, User

PASSWORD = "correct horse battery"
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf(html: str | bytes) -> str:
    text = html.decode() if isinstance(html, bytes) else html
    match = CSRF.search(text)
    assert match, "no CSRF token in the page"
    return match.group(1)


def sign_in(client, username: str, password: str = PASSWORD, **extra):
    token = csrf(client.get("/sign-in").data)
    return client.post("/sign-in", data={"csrf_token": token, "username": username,
                                         "password": password, **extra})


def make_users(app, *specs: tuple[str, str]) -> None:
    with app.extensions["tracker"].sessions() as s:
        for name, role in specs:
            auth.create_user(s, CLI, name, name.title(), role, PASSWORD)


def make_token(app, username: str) -> str:
    with app.extensions["tracker"].sessions() as s:
        return auth.create_token(s, CLI, auth.get_user(s, username), "test")[1]


def count(app, model, *where) -> int:
    with app.extensions["tracker"].sessions() as s:
        return s.scalar(select(func.count()).select_from(model).where(*where)) or 0


def other_app(db_url: str, tmp_path: Path, **settings):
    """A second app instance (another worker process' worth) on the same database."""
    config = {"database_url": db_url, "instance_path": str(tmp_path), "today": TODAY,
              "auto_migrate": False, "tiles_url": ""}
    config.update(settings)
    second = create_app(config)
    second.config["TESTING"] = True
    return second


@pytest.fixture
def people(app):
    make_users(app, ("admin", "admin"), ("lan", "editor"), ("minh", "viewer"))
    return app


# --------------------------------------------------------------------------- sign in and out

def test_sign_in_and_out_through_the_forms(people):
    client = people.test_client()
    page = client.get("/account")
    assert page.status_code == 303 and "/sign-in?next=/account" in page.headers["Location"]
    form = client.get("/sign-in?next=/account")
    assert form.status_code == 200 and 'value="/account"' in form.text
    assert form.headers["Cache-Control"] == "no-store"
    done = sign_in(client, "LAN", next="/account")
    assert done.status_code == 303 and done.headers["Location"] == "/account"
    mine = client.get("/account")
    assert mine.status_code == 200 and "<code>lan</code>" in mine.text
    assert 'class="nav-link signed-in-user' in mine.text and "Lan" in mine.text
    with people.extensions["tracker"].sessions() as s:
        assert auth.get_user(s, "lan").last_login_at is not None
    out = client.post("/sign-out", data={"csrf_token": csrf(mine.data)})
    assert out.status_code == 303
    assert client.get("/account").status_code == 303
    assert "sign-in-link" in client.get("/").text


def test_a_post_without_its_csrf_token_is_refused(people):
    client = people.test_client()
    client.get("/sign-in")
    refused = client.post("/sign-in", data={"username": "lan", "password": PASSWORD})
    assert refused.status_code == 400
    assert "Biểu mẫu đã hết hạn" in refused.text  # translated, in the reader's language
    assert client.get("/account").status_code == 303  # not signed in
    assert count(people, AuditEntry) == 3  # the three users; no sign-in was even tried
    sign_in(client, "lan")
    assert client.post("/sign-out").status_code == 400
    assert client.post("/sign-out", data={"csrf_token": "forged"}).status_code == 400
    assert client.get("/account").status_code == 200  # still signed in
    as_json = client.post("/account/tokens", data={"name": "x"},
                          headers={"Accept": "application/json"})
    assert as_json.status_code == 400 and "error" in as_json.json


def test_wrong_credentials_say_so_and_are_audited(people):
    client = people.test_client()
    wrong = sign_in(client, "lan", "not the password")
    assert wrong.status_code == 401
    assert "Tên đăng nhập hoặc mật khẩu không đúng." in wrong.text
    assert 'value="lan"' in wrong.text and "not the password" not in wrong.text
    assert count(people, AuditEntry, AuditEntry.kind == "sign_in_failed") == 1
    unknown = sign_in(client, "ghost", "whatever")
    assert unknown.status_code == 401 and "không đúng" in unknown.text  # same answer
    english = client.post("/sign-in?lang=en", data={
        "csrf_token": csrf(client.get("/sign-in").data), "username": "lan", "password": "x"})
    assert "Wrong username or password." in english.text


@pytest.mark.parametrize("target", ["//evil.example/", "https://evil.example/",
                                    "/\\evil.example", "javascript:alert(1)"])
def test_sign_in_never_redirects_off_the_site(people, target):
    done = sign_in(people.test_client(), "lan", next=target)
    assert done.status_code == 303 and done.headers["Location"] == "/"


# --------------------------------------------------------------------------- throttle

def test_failures_are_throttled_per_account_across_two_app_instances(people, db_url, tmp_path):
    second = other_app(db_url, tmp_path)
    clients = [people.test_client(), second.test_client()]
    for i in range(5):
        client = clients[i % 2]
        client.environ_base["REMOTE_ADDR"] = f"10.1.0.{i}"
        assert sign_in(client, "lan", "wrong").status_code == 401
    for client in clients:
        client.environ_base["REMOTE_ADDR"] = "10.2.0.1"
        refused = sign_in(client, "lan")  # even the right password, from a new address
        assert refused.status_code == 429
        assert 14 * 60 < int(refused.headers["Retry-After"]) <= 15 * 60
        assert "15 phút" in refused.text
    assert sign_in(clients[1], "minh").status_code == 303  # other accounts are not locked
    second.extensions["tracker"].engine.dispose()


def test_failures_are_throttled_per_address(people, db_url, tmp_path):
    second = other_app(db_url, tmp_path, sign_in_max_failures=3)
    first, other = people.test_client(), second.test_client()
    first.environ_base["REMOTE_ADDR"] = other.environ_base["REMOTE_ADDR"] = "203.0.113.9"
    for name in ("an", "binh", "chi"):
        assert sign_in(other, name, "guess").status_code == 401
    assert sign_in(other, "lan").status_code == 429  # this app allows 3
    assert sign_in(first, "lan", "guess").status_code == 401  # this one allows 5
    elsewhere = second.test_client()
    elsewhere.environ_base["REMOTE_ADDR"] = "198.51.100.4"
    assert sign_in(elsewhere, "lan").status_code == 303
    second.extensions["tracker"].engine.dispose()


# --------------------------------------------------------------------------- the cookie

def cookie_of(response) -> str:
    [cookie] = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("session=")]
    return cookie


@pytest.mark.parametrize(("mode", "base", "secure"), [
    ("auto", "http://localhost", False), ("auto", "https://localhost", True),
    ("1", "http://localhost", True), ("0", "https://localhost", False)])
def test_session_cookie_flags(people, db_url, tmp_path, mode, base, secure):
    app = other_app(db_url, tmp_path, secure_cookies=mode, session_hours=2)
    client = app.test_client()
    form = client.get("/sign-in", base_url=base)
    done = client.post("/sign-in", base_url=base, data={
        "csrf_token": csrf(form.data), "username": "lan", "password": PASSWORD},
        headers={"Referer": f"{base}/sign-in"})
    assert done.status_code == 303
    cookie = cookie_of(done)
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/" in cookie
    assert ("; Secure" in cookie) is secure
    expires = re.search(r"Expires=([^;]+)", cookie).group(1)
    from email.utils import parsedate_to_datetime

    left = parsedate_to_datetime(expires).timestamp() - time.time()
    assert 2 * 3600 - 60 < left <= 2 * 3600
    app.extensions["tracker"].engine.dispose()


def test_a_session_ends_after_its_lifetime_a_new_password_or_a_disabled_account(people):
    client = people.test_client()
    sign_in(client, "lan")
    assert client.get("/account").status_code == 200
    with client.session_transaction() as sess:
        sess["signed_in_at"] -= 12 * 3600 + 1  # TRACKER_SESSION_HOURS defaults to 12
    assert client.get("/account").status_code == 303
    sign_in(client, "lan")
    with people.extensions["tracker"].sessions() as s:
        auth.set_password(s, CLI, auth.get_user(s, "lan"), "a brand new password")
    assert client.get("/account").status_code == 303
    sign_in(client, "lan", "a brand new password")
    with people.extensions["tracker"].sessions() as s:
        auth.set_active(s, CLI, auth.get_user(s, "lan"), False)
    assert client.get("/account").status_code == 303


# --------------------------------------------------------------------------- public read

READ_URLS = ["/", "/map", "/projects", "/projects.csv", "/projects.geojson",
             "/api/v1/projects", "/api/v1/projects.csv", "/api/v1/summary", "/ogc",
             "/ogc/collections/projects/items", "/map/features.geojson"]


def test_public_read_on_is_unchanged_for_anonymous_readers(seeded_app):
    client = seeded_app.test_client()
    for url in READ_URLS:
        response = client.get(url)
        assert response.status_code == 200, url
    api = client.get("/api/v1/projects")
    assert "Cookie" not in api.headers.get("Vary", "") and "Set-Cookie" not in api.headers


def test_public_read_off_needs_a_user_or_a_token(seeded_app, db_url, tmp_path):
    make_users(seeded_app, ("minh", "viewer"))
    token = make_token(seeded_app, "minh")
    closed = other_app(db_url, tmp_path, public_read=False)
    client = closed.test_client()
    for url in READ_URLS:
        response = client.get(url)
        if url.startswith(("/api/", "/ogc")) or url.endswith((".json", ".geojson")):
            assert response.status_code == 401, url
            assert response.headers["WWW-Authenticate"] == 'Bearer realm="tracker"'
            assert response.json["error"]
        else:
            assert response.status_code == 303, url
            assert response.headers["Location"].startswith("/sign-in?next=")
    for url in ("/sign-in", "/healthz", "/static/tracker/site.css",
                "/assets/leaflet/leaflet.js"):
        with client.get(url) as response:
            assert response.status_code == 200, url
    bearer = {"Authorization": f"Bearer {token}"}
    open_body = seeded_app.test_client().get("/api/v1/projects").json
    for url in READ_URLS:
        assert client.get(url, headers=bearer).status_code == 200, url
    assert client.get("/api/v1/projects", headers=bearer).json == open_body
    assert sign_in(client, "minh").status_code == 303
    for url in READ_URLS:
        assert client.get(url).status_code == 200, url
    answer = client.get("/api/v1/projects")
    assert "Cookie" in answer.headers["Vary"] and "Authorization" in answer.headers["Vary"]
    closed.extensions["tracker"].engine.dispose()


def test_a_bad_token_is_refused_even_where_reading_is_public(people):
    client = people.test_client()
    for header in ("Bearer cht_nope", "Bearer ", "bearer " + "x" * 300):
        response = client.get("/api/v1/projects", headers={"Authorization": header})
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"] == \
            'Bearer realm="tracker", error="invalid_token"'
    page = client.get("/projects", headers={"Authorization": "Bearer cht_nope"})
    assert page.status_code == 401  # a token request is never sent to a sign-in form
    assert client.get("/api/v1/projects", headers={"Authorization": "Basic eDp5"}
                      ).status_code == 200  # not a bearer: ignored


def test_token_requests_need_no_csrf_and_ignore_the_session_cookie(people):
    token = make_token(people, "minh")
    client = people.test_client()
    made = client.post("/account/tokens", data={"name": "from a script"},
                       headers={"Authorization": f"Bearer {token}"})
    assert made.status_code == 200 and "from a script" in made.text
    with people.extensions["tracker"].sessions() as s:
        minh = auth.get_user(s, "minh")
        assert [t.name for t in auth.user_tokens(s, minh)] == ["from a script", "test"]
    sign_in(client, "admin")
    # an admin's cookie plus a bad token: judged by the token alone, so refused
    refused = client.get("/users", headers={"Authorization": "Bearer cht_bad"})
    assert refused.status_code == 401
    # an admin's cookie plus a viewer's token: the viewer's role applies
    assert client.get("/users", headers={"Authorization": f"Bearer {token}"}
                      ).status_code == 403
    assert client.get("/users").status_code == 200


# --------------------------------------------------------------------------- require_role

@pytest.fixture
def guarded(people):
    from tracker.web.access import require_role

    @require_role("editor")
    def write():
        return {"ok": True}

    people.add_url_rule("/api/v1/test-write", "test_api_write", write, methods=["POST"])
    people.add_url_rule("/test-write", "test_page_write", write, methods=["POST"])
    return people


@pytest.mark.parametrize(("who", "api", "page"), [
    (None, 401, 303), ("minh", 403, 403), ("lan", 200, 200), ("admin", 200, 200)])
def test_require_role_editor(guarded, who, api, page):
    client = guarded.test_client()
    headers = {"Authorization": f"Bearer {make_token(guarded, who)}"} if who else {}
    response = client.post("/api/v1/test-write", headers=headers)
    assert response.status_code == api
    if api == 401:
        assert response.headers["WWW-Authenticate"] == 'Bearer realm="tracker"'
    if api == 403:
        assert response.json["error"] and "Biên tập viên" in response.json["detail"]
    browser = guarded.test_client()
    if who:
        sign_in(browser, who)
    form_token = csrf(browser.get("/account" if who else "/sign-in").data)
    response = browser.post("/test-write", data={"csrf_token": form_token})
    assert response.status_code == page
    if page == 303:
        assert response.headers["Location"].startswith("/sign-in")
    if who:
        assert browser.post("/test-write").status_code == 400  # no CSRF token
        # the API signed in by the session cookie needs the token too, in a header
        assert browser.post("/api/v1/test-write").status_code == 400
        assert browser.post("/api/v1/test-write", headers={"X-CSRFToken": form_token}
                            ).status_code == page


# --------------------------------------------------------------------------- the user's page

def test_a_token_is_shown_once_on_the_account_page_and_can_be_revoked(people):
    client = people.test_client()
    sign_in(client, "lan")
    page = client.get("/account")
    made = client.post("/account/tokens", data={"csrf_token": csrf(page.data),
                                                "name": "QGIS <b>{{ 7*7 }}</b>"})
    assert made.status_code == 200 and made.headers["Cache-Control"] == "no-store"
    plain = re.search(r'new-token-value">([^<]+)<', made.text).group(1)
    assert "QGIS &lt;b&gt;{{ 7*7 }}&lt;/b&gt;" in made.text  # stored text is data
    again = client.get("/account")
    assert plain not in again.text and plain[:auth.TOKEN_DISPLAY] in again.text
    assert people.test_client().get(
        "/api/v1/summary", headers={"Authorization": f"Bearer {plain}"}).status_code == 200
    with people.extensions["tracker"].sessions() as s:
        token_id = s.scalar(select(ApiToken.id))
    revoked = client.post(f"/account/tokens/{token_id}/revoke",
                          data={"csrf_token": csrf(again.data)})
    assert revoked.status_code == 303
    assert people.test_client().get(
        "/api/v1/summary", headers={"Authorization": f"Bearer {plain}"}).status_code == 401
    assert "Đã thu hồi" in client.get("/account").text
    blank = client.post("/account/tokens", data={"csrf_token": csrf(again.data), "name": " "})
    assert blank.status_code == 400 and "Cần đặt tên cho mã truy cập." in blank.text


def test_nobody_revokes_another_users_token_from_their_page(people):
    token = make_token(people, "minh")
    client = people.test_client()
    sign_in(client, "lan")
    with people.extensions["tracker"].sessions() as s:
        token_id = s.scalar(select(ApiToken.id))
    refused = client.post(f"/account/tokens/{token_id}/revoke",
                          data={"csrf_token": csrf(client.get("/account").data)})
    assert refused.status_code == 404
    assert people.test_client().get(
        "/api/v1/summary", headers={"Authorization": f"Bearer {token}"}).status_code == 200


def test_changing_ones_password_keeps_this_session_and_ends_the_others(people):
    mine, other = people.test_client(), people.test_client()
    sign_in(mine, "lan")
    sign_in(other, "lan")
    token = csrf(mine.get("/account").data)
    wrong = mine.post("/account/password", data={
        "csrf_token": token, "current": "nope", "password": "new password 1",
        "confirm": "new password 1"})
    assert wrong.status_code == 400 and "Mật khẩu hiện tại không đúng." in wrong.text
    differ = mine.post("/account/password", data={
        "csrf_token": token, "current": PASSWORD, "password": "new password 1",
        "confirm": "new password 2"})
    assert differ.status_code == 400 and "không khớp" in differ.text
    short = mine.post("/account/password", data={
        "csrf_token": token, "current": PASSWORD, "password": "short", "confirm": "short"})
    assert short.status_code == 400 and "ít nhất 10 ký tự" in short.text
    done = mine.post("/account/password", data={
        "csrf_token": token, "current": PASSWORD, "password": "new password 1",
        "confirm": "new password 1"})
    assert done.status_code == 303
    assert "Đã đổi mật khẩu" in mine.get(done.headers["Location"]).text
    assert other.get("/account").status_code == 303


# --------------------------------------------------------------------------- users (admins)

@pytest.mark.parametrize(("who", "status"), [(None, 303), ("minh", 403), ("lan", 403),
                                             ("admin", 200)])
def test_only_admins_see_the_users_page(people, who, status):
    client = people.test_client()
    if who:
        sign_in(client, who)
    assert client.get("/users").status_code == status
    assert ('href="/users"' in client.get("/").text) is (who == "admin")


def test_an_admin_adds_changes_and_disables_users(people):
    client = people.test_client()
    sign_in(client, "admin")
    token = csrf(client.get("/users").data)
    bad = client.post("/users", data={"csrf_token": token, "username": "Bad Name",
                                      "display_name": "<i>Nam</i> {{ 1+1 }}", "role": "editor",
                                      "password": PASSWORD, "confirm": PASSWORD})
    assert bad.status_code == 400
    assert re.search(r'data-field="username">Tên đăng nhập gồm', bad.text)
    assert 'value="Bad Name"' in bad.text and "&lt;i&gt;Nam&lt;/i&gt; {{ 1+1 }}" in bad.text
    assert PASSWORD not in bad.text  # typed values are kept, passwords are not
    assert count(people, User) == 3
    added = client.post("/users", data={"csrf_token": token, "username": "nam",
                                        "display_name": "<i>Nam</i> {{ 1+1 }}",
                                        "role": "viewer", "password": PASSWORD,
                                        "confirm": PASSWORD})
    assert added.status_code == 303
    listing = client.get("/users").text
    assert "&lt;i&gt;Nam&lt;/i&gt; {{ 1+1 }}" in listing and "<i>Nam</i>" not in listing
    role = client.post("/users/nam/role", data={"csrf_token": token, f"u{4}-role": "editor"})
    assert role.status_code == 303
    assert client.post("/users/nam/disable", data={"csrf_token": token}).status_code == 303
    with people.extensions["tracker"].sessions() as s:
        nam = auth.get_user(s, "nam")
        assert (nam.role, nam.active) == ("editor", False)
        admin_id = auth.get_user(s, "admin").id
        trail = [(e.kind, e.user_id, e.summary) for e in s.scalars(
            select(AuditEntry).where(AuditEntry.actor == "admin").order_by(AuditEntry.id))]
    assert [t[:2] for t in trail] == [("user", admin_id)] * 3
    assert "added" in trail[0][2] and "role" in trail[1][2] and "disabled" in trail[2][2]
    assert sign_in(people.test_client(), "nam").status_code == 401
    last = client.post("/users/admin/disable", data={"csrf_token": token})
    assert last.status_code == 400 and "quản trị viên duy nhất" in last.text
    assert client.post("/users/ghost/disable", data={"csrf_token": token}).status_code == 404
    assert client.post("/users/nam/enable", data={"csrf_token": token}).status_code == 303


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_every_account_page_renders_in_both_languages(people, lang):
    client = people.test_client()
    sign_in(client, "admin")
    for url in ("/account", "/users", "/"):
        page = client.get(f"{url}?lang={lang}")
        assert page.status_code == 200 and f'<html lang="{lang}">' in page.text
    signed_out = people.test_client()
    page = signed_out.get(f"/sign-in?lang={lang}")
    assert ("Sign in" if lang == "en" else "Đăng nhập") in page.text


def test_every_account_error_key_is_translated():
    import inspect

    from tracker.i18n import catalogue

    keys = set(re.findall(r'"(account\.error\.[a-z_]+)"', inspect.getsource(auth)))
    keys |= set(re.findall(r'"(account\.error\.[a-z_]+)"', Path(
        "tracker/web/account.py").read_text(encoding="utf-8")))
    assert len(keys) >= 15
    for key in keys:
        assert set(catalogue()[key]) == {"vi", "en"}, key
