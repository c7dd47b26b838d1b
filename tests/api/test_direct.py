"""The Flask-free API functions called directly, as pygeoapi's tests call theirs: a plain
http.Request in, an http.Reply out, on both databases. No test client, no server: what the
adapter adds (gzip, CORS, HTML rendering) is tested elsewhere."""

from __future__ import annotations

from datetime import date

import orjson
import pytest

from tests.conftest import TODAY
from tracker.api import ogc, ogc_items, v1
from tracker.api.http import GEOJSON, JSON, Request, next_prev_links
from tracker.errors import BadParameter, NotFound
from tracker.formats.base import MEDIA_TYPES
from tracker.queries.features import FeatureCache

BASE = "http://tracker.test"


def req(args=None, path="/", headers=None, lang="vi") -> Request:
    return Request(args=args or {}, base_url=BASE, path=path, headers=headers or {},
                   today=date.fromisoformat(TODAY), lang=lang)


@pytest.fixture
def session(seeded_app):
    s = seeded_app.extensions["tracker"].sessions()
    yield s
    s.close()


def body(reply):
    assert reply.status == 200, reply.body
    return orjson.loads(reply.body)


def test_list_projects_pages_and_filters(session):
    doc = body(v1.list_projects(session, req({"limit": "3"})))
    assert len(doc["items"]) == 3 and doc["total"] >= 10
    rels = {link["rel"]: link["href"] for link in doc["links"]}
    assert rels["next"] == f"{BASE}/api/v1/projects?limit=3&offset=3" and "prev" not in rels
    roads = body(v1.list_projects(session, req({"kind": "road"})))
    assert roads["items"] and all(p["kind"] == "road" for p in roads["items"])


def test_list_projects_refuses_what_it_does_not_know(session):
    with pytest.raises(BadParameter) as err:
        v1.list_projects(session, req({"colour": "red"}))
    assert err.value.field == "colour"
    with pytest.raises(BadParameter) as err:
        v1.list_projects(session, req({"limit": "²"}))
    assert err.value.field == "limit"


def test_conditional_get_is_answered_before_the_body(session):
    first = v1.list_projects(session, req())
    again = v1.list_projects(session, req(headers={"If-None-Match": first.headers["ETag"]}))
    assert again.status == 304 and again.body == b""


def test_project_detail_and_not_found(session):
    doc = body(v1.project_detail(session, req(), "vam-xang-bridge"))
    assert doc["code"] == "vam-xang-bridge" and doc["kind"] == "bridge"
    with pytest.raises(NotFound):
        v1.project_detail(session, req(), "no-such-project")


def test_export_geojson_with_and_without_the_cache(session):
    plain = v1.export_projects(session, req(), "geojson")
    cached = v1.export_projects(session, req(), "geojson", FeatureCache())
    assert plain.content_type == cached.content_type == MEDIA_TYPES["geojson"]
    assert orjson.loads(plain.body) == orjson.loads(cached.body)
    assert "attachment" in plain.headers["Content-Disposition"]


def test_ogc_landing_conformance_and_items(session):
    landing = body(ogc.landing(req(path="/ogc")))
    assert {link["rel"] for link in landing["links"]} >= {"conformance", "data", "service-desc"}
    assert ogc.conformance(req()).content_type == JSON
    items = ogc_items.items(session, req({"limit": "2"}), "projects")
    assert items.content_type == GEOJSON
    doc = body(items)
    assert doc["numberReturned"] == 2 and doc["numberMatched"] >= 10


def test_ogc_datetime_is_part_of_the_filter(session):
    everything = body(ogc_items.items(session, req({"limit": "1000"}), "projects"))
    early = body(ogc_items.items(session, req({"limit": "1000", "datetime": "../2013-01-01"}),
                                 "projects"))
    assert early["numberMatched"] < everything["numberMatched"]
    assert all("datetime=..%2F2013-01-01" in link["href"] for link in early["links"]
               if link["rel"] in ("self", "next"))


def test_ogc_negotiates_html_for_a_browser(session):
    html = ogc.landing(req(headers={"Accept": "text/html,application/xhtml+xml;q=0.9"}))
    assert html.template == "ogc/landing.html"
    assert ogc.landing(req(headers={"Accept": "*/*"})).template is None


def test_next_prev_links_are_one_builder():
    links = next_prev_links(req(), "/x", {"q": "cầu"}, 10, 10, 25, JSON)
    assert [(link["rel"], link["href"]) for link in links] == [
        ("next", f"{BASE}/x?q=c%E1%BA%A7u&limit=10&offset=20"),
        ("prev", f"{BASE}/x?q=c%E1%BA%A7u&limit=10")]


def test_bbox_is_exact_on_the_seed(session):
    """The issue's case: this box meets the Châu Đốc – Cần Thơ – Sóc Trăng expressway's
    envelope, not its line; both databases leave it out."""
    doc = body(v1.list_projects(session, req({"bbox": "105.7,10.0,105.8,10.1"})))
    assert "chau-doc-can-tho-soc-trang-expressway" not in {p["code"] for p in doc["items"]}


def test_limit_above_the_maximum_is_clamped(session):
    """OGC API - Features (and our API alike): a limit above the maximum serves the maximum."""
    from tracker.params import MAX_LIMIT, OGC_DEFAULT_LIMIT

    assert MAX_LIMIT > OGC_DEFAULT_LIMIT
    doc = body(ogc_items.items(session, req({"limit": str(MAX_LIMIT * 10)}), "projects"))
    assert doc["numberReturned"] == doc["numberMatched"]
    nxt = [link for link in doc["links"] if link["rel"] == "self"]
    assert nxt and f"limit={MAX_LIMIT}&" in nxt[0]["href"] + "&"
    listed = body(v1.list_projects(session, req({"limit": "99999999"})))
    assert listed["limit"] == MAX_LIMIT


@pytest.mark.parametrize("moment", ["1975-01-01", "2000-06-30", "2100-12-31", TODAY])
def test_temporal_extent_covers_every_match(session, moment):
    """Whatever `datetime` matches lies inside the collection's temporal extent."""
    doc = body(ogc.collection(session, req(), "projects"))
    (start, end), = doc["extent"]["temporal"]["interval"]
    matched = body(ogc_items.items(session, req({"datetime": moment}), "projects"))
    if matched["numberMatched"]:
        assert start is None or start[:10] <= moment
        assert end is None or moment <= end[:10]
