"""HTTP plumbing shared by the API and the OGC API, without Flask: a plain request and reply,
validators (ETag / Last-Modified) with 304 answers, gzip (a lenient Accept-Encoding) and CORS
(every origin, or the listed ones).

The API functions take a `Request` and return a `Reply`; tracker/web/ adapts them to Flask.
An ETag is derived from what identifies the data (a selection's count, latest update and id
checksum, the query, the format, the day), so a conditional GET is answered 304 before any
body is built.
"""

from __future__ import annotations

import gzip
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from email.utils import format_datetime, parsedate_to_datetime
from functools import lru_cache
from typing import Any
from urllib.parse import urlencode

from tracker.config import REPO_ROOT
from tracker.rules import STALE_DAYS

# Bump when the shape of any representation changes, so clients drop what they cached.
REPRESENTATION_VERSION = "1"

JSON = "application/json"
GEOJSON = "application/geo+json"
HTML = "text/html; charset=utf-8"
OPENAPI = "application/vnd.oai.openapi+json;version=3.0"
JSON_SCHEMA = "application/schema+json"
COMPRESSIBLE = ("application/json", "application/geo+json", "application/schema+json",
                "application/vnd.oai.openapi+json", "application/vnd.google-earth.kml+xml",
                "text/")
GZIP_MIN_BYTES = 1024
CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Expose-Headers":
        "ETag, Last-Modified, Content-Disposition, Content-Length, Link",
}
ANY_ORIGIN = "*"
PREFLIGHT_HEADERS = {
    "Access-Control-Allow-Methods": "GET, HEAD, OPTIONS",
    "Access-Control-Allow-Headers": "Accept, Accept-Language, If-None-Match, If-Modified-Since",
    "Access-Control-Max-Age": "86400",
}


@dataclass
class Request:
    """What an API function may know of the HTTP request."""

    args: Mapping[str, Any]
    base_url: str  # scheme://host[:port] (no trailing slash): links are absolute
    path: str = "/"
    headers: Mapping[str, str] = field(default_factory=dict)
    today: date = field(default_factory=date.today)
    lang: str = "vi"
    stale_days: int = STALE_DAYS  # settings.stale_days: what `stale` means

    def url(self, path: str, query: str = "") -> str:
        return f"{self.base_url}{path}" + (f"?{query}" if query else "")

    def query_pairs(self, exclude: tuple[str, ...] = ()) -> list[tuple[str, str]]:
        """The query parameters as (name, value) pairs, repeated names kept, sorted."""
        pairs: list[tuple[str, str]] = []
        try:
            raw = list(self.args.items(multi=True))  # type: ignore[call-arg]
        except TypeError:  # a plain mapping
            raw = list(self.args.items())
        for k, v in raw:
            if k in exclude:
                continue
            if isinstance(v, list | tuple):
                pairs += [(k, str(x)) for x in v]
            else:
                pairs.append((k, str(v)))
        return sorted(pairs)

    def query_key(self, exclude: tuple[str, ...] = ()) -> str:
        """The query, normalised (sorted, URL-encoded) for validators and links."""
        return urlencode(self.query_pairs(exclude))


@dataclass
class Reply:
    """An HTTP reply: a body, or an HTML template to render with `context`."""

    status: int = 200
    body: bytes = b""
    content_type: str = JSON
    headers: dict[str, str] = field(default_factory=dict)
    template: str | None = None
    context: dict[str, Any] = field(default_factory=dict)


@lru_cache(maxsize=1)
def _templates_stamp() -> str:
    """The latest change to the HTML templates (the same in every worker of a deploy)."""

    files = list((REPO_ROOT / "templates").rglob("*.html"))
    return str(max((f.stat().st_mtime_ns for f in files), default=0))


def html_version(request: Request) -> str:
    """What an HTML representation depends on besides its data: language and templates."""
    return f"{request.lang}:{_templates_stamp()}"


def etag_for(*parts: Any) -> str:
    """A weak entity tag (the same for gzip and identity encodings) from what identifies it."""
    digest = hashlib.sha256("|".join((REPRESENTATION_VERSION, *map(str, parts))).encode())
    return f'W/"{digest.hexdigest()[:32]}"'


def last_modified_for(last_updated: datetime | None, today: date | None = None
                      ) -> datetime | None:
    """Last-Modified: the latest update of the data (naive UTC), and not before the start of
    `today` when the representation depends on the day (days late)."""
    stamps = []
    if last_updated is not None:
        stamps.append(last_updated.replace(tzinfo=UTC, microsecond=0))
    if today is not None:
        stamps.append(datetime.combine(today, time(0), tzinfo=UTC))
    return max(stamps) if stamps else None


def _etag_matches(header: str, etag: str) -> bool:
    if header.strip() == "*":
        return True
    weak = uncoded_etag(etag.removeprefix("W/"))
    return any(uncoded_etag(tag.strip().removeprefix("W/")) == weak
               for tag in header.split(","))


def validators(etag: str, last_modified: datetime | None) -> dict[str, str]:
    out = {"ETag": etag, "Cache-Control": "public, no-cache"}
    if last_modified is not None:
        out["Last-Modified"] = format_datetime(last_modified, usegmt=True)
    return out


def not_modified(request: Request, etag: str, last_modified: datetime | None
                 ) -> Reply | None:
    """A 304 reply when the client's copy is current (If-None-Match wins over
    If-Modified-Since, RFC 9110 §13.2.2); None when the body must be sent."""
    headers = {k.lower(): v for k, v in request.headers.items()}
    inm = headers.get("if-none-match")
    if inm is not None:
        fresh = _etag_matches(inm, etag)
    elif "if-modified-since" in headers and last_modified is not None:
        try:
            since = parsedate_to_datetime(headers["if-modified-since"])
        except (TypeError, ValueError):
            return None
        if since.tzinfo is None:
            since = since.replace(tzinfo=UTC)
        fresh = last_modified <= since
    else:
        return None
    if not fresh:
        return None
    return Reply(status=304, body=b"", headers=validators(etag, last_modified))


def cached(request: Request, etag: str, last_modified: datetime | None, build: Any,
           content_type: str, headers: dict[str, str] | None = None) -> Reply:
    """304 if the client is current, else the body `build()` makes, with validators."""
    reply = not_modified(request, etag, last_modified)
    if reply is not None:
        reply.headers.update(headers or {})
        return reply
    return Reply(200, build(), content_type, {**validators(etag, last_modified),
                                               **(headers or {})})


def _qvalue(params: str) -> float:
    """The weight of one item of an Accept-* header. Lenient: a q that is not a number from
    0 to 1 (`q=abc`, `q=2`, `q=nan`) counts as 1, since the client did name the coding."""
    for param in params.split(";"):
        name, _, value = param.partition("=")
        if name.strip().lower() != "q":
            continue
        try:
            q = float(value.strip())
        except ValueError:
            return 1.0
        return q if 0.0 <= q <= 1.0 else 1.0  # NaN fails both comparisons
    return 1.0


def accepts_gzip(accept_encoding: str | None) -> bool:
    """Whether gzip may be sent (RFC 9110 §12.5.3): an explicit gzip (or x-gzip) item wins
    over `*`; q=0 refuses. Never raises, whatever the header holds."""
    gzip_q: float | None = None
    star_q: float | None = None
    for part in (accept_encoding or "").split(","):
        coding, _, params = part.partition(";")
        coding = coding.strip().lower()
        if coding in ("gzip", "x-gzip"):
            gzip_q = max(gzip_q or 0.0, _qvalue(params))
        elif coding == "*":
            star_q = max(star_q or 0.0, _qvalue(params))
    q = gzip_q if gzip_q is not None else star_q
    return q is not None and q > 0


def compressible(content_type: str) -> bool:
    return content_type.startswith(COMPRESSIBLE)


def gzip_body(body: bytes) -> bytes:
    """gzip, faster settings for big bodies (a 30 MB GeoJSON in well under a second)."""
    return gzip.compress(body, compresslevel=6 if len(body) < 1_000_000 else 1, mtime=0)


def vary_names(headers: Mapping[str, str]) -> list[str]:
    return [v.strip() for v in headers.get("Vary", "").split(",") if v.strip()]


def vary(headers: dict[str, str], *names: str) -> None:
    present = vary_names(headers)
    for name in names:
        if name not in present:
            present.append(name)
    headers["Vary"] = ", ".join(present)


def negotiate_format(accept: str, default: str) -> str:
    """'json' or 'html' from an Accept header: the kind with the highest q wins, a tie or a
    header naming neither (*/*) gives `default`. A malformed q counts as 0, never an error."""
    best: dict[str, float] = {}
    for part in accept.split(","):
        media, _, params = part.strip().partition(";")
        q = 1.0
        for p in params.split(";"):
            name, _, value = p.strip().partition("=")
            if name.strip() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        media = media.strip().lower()
        kind = "html" if media in ("text/html", "application/xhtml+xml") else \
            "json" if "json" in media else None
        if kind and q > best.get(kind, 0.0):
            best[kind] = q
    if not best or best.get("json", 0.0) == best.get("html", 0.0):
        return default
    return max(best, key=lambda k: best[k])


def next_prev_links(request: Request, path: str, query: dict[str, Any], limit: int,
                    offset: int, matched: int, media: str) -> list[dict[str, str]]:
    """The next and previous page of a paged list (API and OGC API alike); the first page's
    link carries no offset."""

    def href(off: int) -> str:
        page = {**query, "limit": limit, **({"offset": off} if off else {})}
        return request.url(path, urlencode(page, doseq=True))

    links = []
    if offset + limit < matched:
        links.append({"href": href(offset + limit), "rel": "next", "type": media,
                      "title": "Next page"})
    if offset > 0:
        links.append({"href": href(max(0, offset - limit)), "rel": "prev", "type": media,
                      "title": "Previous page"})
    return links

def cors_headers(origin: str | None, allowed: tuple[str, ...], preflight: bool
                 ) -> dict[str, str]:
    """CORS headers for a request from `origin`: every origin when `allowed` holds `*`,
    else only a listed one, echoed, with `Vary: Origin` either way (caches must keep the
    answers apart). Never Access-Control-Allow-Credentials: nothing here uses cookies."""
    headers: dict[str, str] = {}
    if ANY_ORIGIN in allowed:
        headers.update(CORS_HEADERS)
    else:
        vary(headers, "Origin")
        asked = (origin or "").strip().lower().rstrip("/")
        if not asked or asked not in allowed:
            return headers
        headers.update({**CORS_HEADERS, "Access-Control-Allow-Origin": asked})
    if preflight:
        headers.update(PREFLIGHT_HEADERS)
    return headers


# --------------------------------------------------------------------------- writes

def version_etag(key: str, version: int, body: bytes) -> str:
    """A strong entity tag of one versioned resource: its row version (SQLAlchemy's counter,
    which every write moves) and a digest of the representation (which also depends on the
    day, days late, and on cited sources' text), e.g. '"ql61c-phase2.v4.1f0c…"'."""
    digest = hashlib.sha256(REPRESENTATION_VERSION.encode() + b"|" + body).hexdigest()[:16]
    return f'"{key}.v{version}.{digest}"'


def tag_version(tag: str) -> int | None:
    """The row version a tag from `version_etag` names (None for any other tag)."""
    core = tag.strip().removeprefix("W/").strip('"')
    _key, _, rest = core.rpartition(".v")
    number = rest.partition(".")[0]
    return int(number) if number.isdigit() and len(number) < 10 else None


def if_match(request: Request) -> list[str] | None:
    """The entity tags of If-Match (None when the header is absent; '*' is kept as is)."""
    header = next((v for k, v in request.headers.items() if k.lower() == "if-match"), None)
    if header is None:
        return None
    return [t.strip() for t in header.split(",") if t.strip()]


def matches_strongly(tags: list[str], etag: str) -> bool:
    """If-Match's strong comparison (RFC 9110 §8.8.3.2): a weak tag never matches; the
    gzip-coded twin of the tag (`coded_etag`) names the same version."""
    return any(not t.startswith("W/") and uncoded_etag(t) == etag for t in tags)


GZIP_TAG = "-gzip"


def coded_etag(etag: str) -> str:
    """The tag of the gzip-coded representation: a strong tag must differ between codings
    (RFC 9110 §8.8.1), a weak one may stay the same."""
    if etag.startswith("W/") or not etag.endswith('"'):
        return etag
    return etag[:-1] + GZIP_TAG + '"'


def uncoded_etag(etag: str) -> str:
    return etag[:-len(GZIP_TAG) - 1] + '"' if etag.endswith(GZIP_TAG + '"') else etag
