"""The thin layer between Flask and the Flask-free API functions (tracker.api.v1, tracker.api.ogc):
a plain Request in, a Reply out, then gzip, CORS and HTML rendering."""

from __future__ import annotations

from flask import Response, current_app, render_template, request

from tracker.api import http
from tracker.i18n import current_lang
from tracker.queries.features import FeatureCache
from tracker.web.request import state

FEATURE_CACHE = "tracker.feature_cache"


def api_request() -> http.Request:
    return http.Request(args=request.args, base_url=request.host_url.rstrip("/"),
                        path=request.path, headers=dict(request.headers),
                        today=state().today(), stale_days=state().settings.stale_days,
                        lang=current_lang())


def feature_cache() -> FeatureCache | None:
    cache: FeatureCache | None = current_app.extensions.get(FEATURE_CACHE)
    return cache


def install_feature_cache(app: object) -> None:
    """One cache of encoded GeoJSON features per app (per process)."""
    extensions = app.extensions  # type: ignore[attr-defined]
    extensions.setdefault(FEATURE_CACHE, FeatureCache())


def respond(reply: http.Reply) -> Response:
    """A Flask response from a Reply: HTML rendered, gzip when the client accepts it."""
    body = reply.body
    if reply.template and reply.status == 200:
        body = render_template(reply.template, **reply.context).encode("utf-8")
    headers = dict(reply.headers)
    if http.compressible(reply.content_type):
        http.vary(headers, "Accept-Encoding")
        if reply.status == 200 and len(body) >= http.GZIP_MIN_BYTES and \
                http.accepts_gzip(request.headers.get("Accept-Encoding")):
            body = http.gzip_body(body)
            headers["Content-Encoding"] = "gzip"
            if "ETag" in headers:  # a strong tag names one coding only
                headers["ETag"] = http.coded_etag(headers["ETag"])
    if request.path.startswith("/ogc") and "f" not in request.args:
        http.vary(headers, "Accept")
    response = Response(body, status=reply.status, headers=headers)
    if reply.status != 304:
        response.content_type = reply.content_type
    else:
        response.headers.pop("Content-Type", None)
    return response


def add_cors(response: Response) -> Response:
    """Scripts of every origin may read (the data is public; nothing here uses cookies),
    or only those TRACKER_CORS_ORIGINS lists."""
    headers = http.cors_headers(request.headers.get("Origin"),
                                state().settings.cors_origins, request.method == "OPTIONS")
    for name in http.vary_names(headers):
        response.vary.add(name)
    headers.pop("Vary", None)
    response.headers.update(headers)
    return response
