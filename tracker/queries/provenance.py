"""Where a project's facts come from, for the exported record: the keys and web addresses of
its sources (;-joined, in the order of its source links) and the path of its page.

Both record paths (project_record on ORM objects, select_records on plain rows) fill these
fields here, so they cannot drift apart. `page_url` is the path from the site's root
(/projects/<code>): the record does not know the host it is served from, so the API and the
exports prefix it with theirs (tracker.exports.site_urls); the command line, which serves no
site, leaves the path.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from tracker.models import ProjectSource, Source
from tracker.urls import safe_http_url

PAGE_PREFIX = "/projects/"
SEPARATOR = ";"
_CHUNK = 5000


def page_path(code: str) -> str:
    return f"{PAGE_PREFIX}{code}"


def provenance_fields(code: str, sources: Iterable[tuple[str, str | None]]
                      ) -> dict[str, Any]:
    """source_keys, source_urls (only http(s) addresses; a legacy javascript: URL is not
    passed on) and page_url of one project; null where it cites no source."""
    pairs = list(sources)
    urls = [u for u in (safe_http_url(url) for _key, url in pairs) if u]
    return {"source_keys": SEPARATOR.join(key for key, _url in pairs) or None,
            "source_urls": SEPARATOR.join(urls) or None,
            "page_url": page_path(code)}


def from_links(code: str, links: Sequence[Any]) -> dict[str, Any]:
    """The fields from a Project's source_links (ordered by source id, as the ORM loads them)."""
    return provenance_fields(code, [(link.source.key, link.source.url) for link in links])


def select_sources(conn: Connection, ids: Sequence[int]
                   ) -> dict[int, list[tuple[str, str | None]]]:
    """(key, url) of each project's sources, by project id, in source-id order (ids are
    asked for a chunk at a time: well below SQLite's limit on bound parameters)."""
    out: dict[int, list[tuple[str, str | None]]] = {}
    ps = ProjectSource
    for start in range(0, len(ids), _CHUNK):
        rows = conn.execute(select(ps.project_id, Source.key, Source.url)
                            .join(Source, Source.id == ps.source_id)
                            .where(ps.project_id.in_(ids[start:start + _CHUNK]))
                            .order_by(ps.project_id, ps.source_id)).all()
        for pid, key, url in rows:
            out.setdefault(pid, []).append((key, url))
    return out
