"""Security headers on every response: a Content-Security-Policy the pages pass, no MIME
sniffing, no framing by other sites, referrers trimmed to the origin across sites.

Scripts: 'self' only, no 'unsafe-inline' and no nonces. Every script is a file the app
serves; the map's Folium frame too (it holds no data, so it is one cached file per language
and kind of map: tracker.web.map_frames), and data reaches scripts in
<script type="application/json"> blocks, which browsers never execute. A nonce would
work as well, but a policy with no inline script at all is simpler to keep true and lets
the browser cache the frame.

Styles keep 'unsafe-inline': the templates colour status badges, swatches and progress bars
with style attributes from the vocabulary (never stored text), and a style cannot run code.

Images: 'self', data: (Bootstrap's icons are data: URLs) and the basemap tile servers the
settings offer (OpenStreetMap, TRACKER_TILES_URL).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, Response

from maps.project_map import OSM_TILES_URL
from tracker.config import Settings

HEADERS_KEY = "tracker.security_headers"


def tile_source(url_template: str) -> str | None:
    """The CSP source of a tile URL template: its origin, a placeholder in the first label of
    the host ({s}.tile.example.org) as a * wildcard; any host of the scheme when a
    placeholder sits deeper in the host; None for a relative URL (covered by 'self')."""
    parts = urlsplit(url_template.strip())
    if not parts.scheme or not parts.netloc:
        return None
    scheme = parts.scheme.lower()
    first, dot, rest = parts.netloc.rpartition("@")[2].partition(".")
    if "{" in rest:
        return f"{scheme}:"
    return f"{scheme}://{'*' if '{' in first else first}{dot}{rest}"


def content_security_policy(settings: Settings) -> str:
    tiles = [tile_source(settings.tiles_url)] if settings.tiles_url else []
    if settings.osm_tiles:
        tiles.append(tile_source(OSM_TILES_URL))
    img = " ".join(["'self'", "data:", *dict.fromkeys(t for t in tiles if t)])
    return "; ".join((
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        f"img-src {img}",
        "connect-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'self'",
    ))


def security_headers(settings: Settings) -> dict[str, str]:
    return {
        "Content-Security-Policy": content_security_policy(settings),
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "SAMEORIGIN",
        "Referrer-Policy": "strict-origin-when-cross-origin",
    }


def register(app: Flask, settings: Settings) -> None:
    """Add the headers to every response (a view that sets one of them keeps its own)."""
    headers = security_headers(settings)
    app.extensions[HEADERS_KEY] = headers

    def add_headers(response: Response) -> Response:
        for name, value in headers.items():
            response.headers.setdefault(name, value)
        return response

    app.after_request(add_headers)
