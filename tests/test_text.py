"""Text rules of the ground floor: the characters stored text may not hold, safe URLs."""

from __future__ import annotations

import pytest

from tracker.errors import ValidationError
from tracker.text import check_http_url, describe_character, refused_character, shown


@pytest.mark.parametrize("ch", ["\x00", "\x07", "\x1b", "\x7f", "\x85", "\x9b", "\u2028",
                                "\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066",
                                "\u2067", "\u2068", "\u2069", "\ud800", "\udcff", "\r"])
def test_control_bidi_and_surrogate_characters_are_refused_everywhere(ch):
    assert refused_character(f"ab{ch}c") == (2, ch)
    assert refused_character(f"ab{ch}c", multiline=True) == (2, ch)


def test_tabs_and_newlines_only_in_multi_line_text():
    assert refused_character("a\tb") == (1, "\t")
    assert refused_character("a\nb") == (1, "\n")
    assert refused_character("a\tb\nc", multiline=True) is None
    assert refused_character("Cầu Vàm Xáng – ĐT 926 (2021–2025) «x» 😀 ‏") is None


def test_messages_name_invisible_characters():
    assert describe_character("\u202e") == "U+202E (RIGHT-TO-LEFT OVERRIDE)"
    assert describe_character("\x1b") == "U+001B (control character)"
    assert shown("\x1b[31m" + "x" * 100).startswith("'\\x1b[31m") and len(shown("x" * 99)) == 60


@pytest.mark.parametrize("url", [
    "https://baocantho.com.vn", "http://plo.vn/post898736.html?a=1&b=%C3%A0#x",
    "HTTPS://Example.ORG/", "http://127.0.0.1:8080/", "http://[::1]/x",
    "https://cầnthơ.vn/tin", "http://intranet.local.:80/",
])
def test_http_urls_with_a_valid_host_pass(url):
    assert check_http_url(url, "url") == url


@pytest.mark.parametrize("url, why", [
    ("javascript:alert(1)", "http"), ("JavaScript:alert(1)", "http"),
    ("vbscript:msgbox(1)", "http"), ("data:text/html,<b>x</b>", "http"),
    ("file:///etc/passwd", "http"), ("ftp://example.org/", "http"),
    ("//example.org/x", "http"), ("example.org", "http"),
    ("http://[x]/", "not a valid URL"), ("http://[::1/", "not a valid URL"),
    ("http://x:99999/", "not a valid URL"), ("http:///x", "host"), ("http://./", "host"),
    ("http://-bad.vn/", "host"), ("http://a..b/", "host"), ("http://" + "a" * 64 + ".vn", "host"),
    ("http://user:pw@example.org/", "password"), ("http://evil.example\\@good.vn/", "backslash"),
    ("http://a b.vn/", "space"), ("http://x.vn/\x00", "control"),
    ("https://x.vn/\u202e", "control"),
])
def test_other_urls_are_refused_naming_the_field(url, why):
    with pytest.raises(ValidationError) as err:
        check_http_url(url, "sources.url")
    assert err.value.field == "sources.url" and why in err.value.message
    assert err.value.message.startswith("sources.url ")


def test_a_url_must_be_text():
    with pytest.raises(ValidationError, match="is not text"):
        check_http_url(5, "url")  # type: ignore[arg-type]
