"""Signing in through the real form in Chromium: the redirect to the form and back, a wrong
password, the navbar, a token created on the account page and used, signing out."""

from __future__ import annotations

import json
import urllib.request

import pytest

from tracker import auth
from tracker.audit import CLI

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery"
DISPLAY = "Lan <b>{{ 7*7 }}</b>"


@pytest.fixture(scope="module")
def with_user(live_server):
    with live_server.app.extensions["tracker"].sessions() as s:
        if auth.get_user(s, "lan") is None:
            auth.create_user(s, CLI, "lan", DISPLAY, "editor", PASSWORD)
    return live_server


def test_sign_in_through_the_form_create_a_token_and_sign_out(with_user, new_page, output_dir):
    server = with_user
    page = new_page()
    page.goto(server.url + "/account")
    page.wait_for_url("**/sign-in?next=/account")
    assert page.get_by_role("heading", name="Đăng nhập").is_visible()

    page.get_by_label("Tên đăng nhập").fill("lan")
    page.get_by_label("Mật khẩu").fill("not the password")
    page.get_by_role("button", name="Đăng nhập").click()
    assert page.locator(".form-error").inner_text() == "Tên đăng nhập hoặc mật khẩu không đúng."
    assert page.get_by_label("Tên đăng nhập").input_value() == "lan"
    assert page.get_by_label("Mật khẩu").input_value() == ""

    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url("**/account")
    who = page.locator(".signed-in-user")
    assert who.inner_text().startswith(DISPLAY)  # markup and braces shown as text
    assert "Biên tập viên" in who.inner_text()
    assert page.locator(".signed-in-user b").count() == 0
    cookies = {c["name"]: c for c in page.context.cookies()}
    assert cookies["session"]["httpOnly"] and cookies["session"]["sameSite"] == "Lax"
    assert not cookies["session"]["secure"]  # plain http here

    page.get_by_label("Tên mã").fill("QGIS phòng kế hoạch")
    page.get_by_role("button", name="Tạo mã truy cập").click()
    token = page.locator(".new-token-value").inner_text().strip()
    assert token.startswith(auth.TOKEN_PREFIX)
    page.screenshot(path=str(output_dir / "account-token.png"), full_page=True)
    request = urllib.request.Request(server.url + "/api/v1/summary",
                                     headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=10) as answer:
        doc = json.loads(answer.read())  # programme and related apart: 8 + 2
        assert answer.status == 200 and sum(g["count"] for g in doc["by_role"]) == 10
    page.goto(server.url + "/account")
    assert page.locator(".new-token-value").count() == 0  # shown once
    assert page.locator(".tokens-table").inner_text().count("QGIS phòng kế hoạch") == 1

    page.get_by_role("button", name="Đăng xuất").click()
    page.wait_for_url(server.url + "/")
    assert page.locator(".sign-in-link").inner_text() == "Đăng nhập"
    page.goto(server.url + "/account")
    page.wait_for_url("**/sign-in?next=/account")
    # the only console error: the wrong password's answer, a 401 on purpose
    assert len(page.errors) == 1 and "401" in page.errors[0] and "/sign-in" in page.errors[0]
