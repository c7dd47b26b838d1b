"""What a deployment must get right about its network: the reverse proxies it believes
(TRACKER_PROXY_FIX), the host names it answers to (TRACKER_TRUSTED_HOSTS) and a secret
key of its own.

Absolute links (the API's and the OGC API's `href`s) are built from the request's host, so
an untrusted Host header must never reach the app: the check is a WSGI layer in front of
Flask, after ProxyFix has put the proxy's X-Forwarded-Host in place.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask
from werkzeug.exceptions import SecurityError
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.wsgi import get_host

from tracker.config import DEFAULT_SECRET_KEY, Settings
from tracker.i18n import LANGS, gettext

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
JSON_PREFIXES = ("/api/", "/ogc")
WARNED = "tracker.warned_default_secret"


class TrustedHosts:
    """400 for a request whose Host is not one of `hosts` (werkzeug's matching: the port
    is ignored, a leading dot accepts every subdomain)."""

    def __init__(self, app: WsgiApp, hosts: tuple[str, ...]):
        self.app = app
        self.hosts = list(hosts)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]
                 ) -> Iterable[bytes]:
        try:
            host = get_host(environ, self.hosts)
        except SecurityError:
            host = ""
        if host:
            return self.app(environ, start_response)
        return self._refuse(environ, start_response)

    @staticmethod
    def _refuse(environ: dict[str, Any], start_response: Callable[..., Any]
                ) -> Iterable[bytes]:
        # No request context here: both languages, the page's and the API's shape.
        messages = {lang: gettext("http.untrusted_host", lang=lang) for lang in LANGS}
        if str(environ.get("PATH_INFO", "")).startswith(JSON_PREFIXES):
            body = json.dumps({"error": messages["en"], "detail": messages["vi"],
                               "parameter": "Host"}, ensure_ascii=False)
            content_type = "application/json"
        else:
            body = "\n".join(messages.values()) + "\n"
            content_type = "text/plain; charset=utf-8"
        data = body.encode("utf-8")
        start_response("400 Bad Request", [("Content-Type", content_type),
                                           ("Content-Length", str(len(data)))])
        return [data]


def install(app: Flask, settings: Settings) -> None:
    """Wrap the WSGI app: ProxyFix outermost (so the trusted-host check sees the host the
    proxy was asked for), then the trusted-host check; warn about a default secret key when
    the app starts answering (CLI commands that do not serve stay quiet)."""
    if settings.trusted_hosts:
        app.wsgi_app = TrustedHosts(app.wsgi_app, settings.trusted_hosts)  # type: ignore[method-assign]
    n = settings.proxy_fix
    if n:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n,  # type: ignore[method-assign]
                                x_port=n, x_prefix=n)
    if settings.secret_key == DEFAULT_SECRET_KEY:
        app.before_request(lambda: warn_default_secret(app))


def warn_default_secret(app: Flask) -> None:
    """One log warning per app when its cookies would be signed with the published default
    key, unless it runs for development (FLASK_DEBUG) or tests (TESTING). `tracker serve`
    calls it before serving; other servers (flask run, gunicorn) get it on the first request.
    """
    if app.extensions.get(WARNED) or app.debug or app.testing:
        return
    settings: Settings = app.extensions["tracker"].settings
    if settings.secret_key != DEFAULT_SECRET_KEY:
        return
    app.extensions[WARNED] = True
    app.logger.warning(
        "TRACKER_SECRET_KEY is the default %r: anyone can forge this app's cookies. "
        "Set TRACKER_SECRET_KEY to a long random value (e.g. `python -c 'import "
        "secrets; print(secrets.token_hex(32))'`).", DEFAULT_SECRET_KEY)
