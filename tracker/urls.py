"""Web addresses people store (a source's URL): which of them may become a link.

Only http and https with a host that parses are links; anything else (javascript:, data:,
`http://[x]/`, a port of 99999, a host with spaces) is shown as plain text. The same test
serves write-time checks (`is_http_url`) and render time (`safe_http_url`), so a value stored
before the write-time check existed still cannot break a page.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Any
from urllib.parse import SplitResult, urlsplit

SCHEMES = ("http", "https")
MAX_URL_CHARS = 2048  # what browsers and servers reliably take
_LABEL = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)")
_FORBIDDEN = re.compile(r"[\x00-\x20\x7f-\x9f\\<>\"`]")  # spaces, controls, quotes


def _split(value: str) -> SplitResult | None:
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError for a port that is not 0-65535
    except ValueError:  # e.g. "http://[x]/": brackets around something not an IP address
        return None
    return parts


def _is_ipv6(host: str) -> bool:
    try:
        ipaddress.IPv6Address(host)
    except ValueError:
        return False
    return True


def _valid_host(host: str) -> bool:
    """A DNS name (IDN allowed: checked in its ASCII form) or an IP address."""
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        pass
    try:
        ascii_host = host.encode("idna").decode("ascii")
    except UnicodeError:
        return False
    ascii_host = ascii_host.removesuffix(".")
    labels = ascii_host.split(".")
    return 0 < len(ascii_host) <= 253 and all(_LABEL.fullmatch(label) for label in labels)


def is_http_url(value: Any) -> bool:
    """True for an absolute http(s) URL with a valid host, no spaces or control characters."""
    if not isinstance(value, str) or not value or len(value) > MAX_URL_CHARS:
        return False
    if _FORBIDDEN.search(value):
        return False
    parts = _split(value)
    if parts is None or parts.scheme.lower() not in SCHEMES or not parts.hostname:
        return False
    if "@" in parts.netloc:  # credentials in a link are a phishing trick, never a source
        return False
    if "[" in parts.netloc:  # brackets hold an IPv6 address, nothing else
        return _is_ipv6(parts.hostname)
    return _valid_host(parts.hostname)


def safe_http_url(value: Any) -> str | None:
    """The URL (stripped) when it may be rendered as a link, else None (show it as text)."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    return text if is_http_url(text) else None
