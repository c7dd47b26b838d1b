"""Two server processes over one database (SQLite file and PostGIS), as two workers of a
deploy: a write through one is seen at once through the other, in the project's JSON and
ETag, the GeoJSON export (each process has its own feature cache) and the map's features;
two edits sent at once with the same ETag, one to each process: exactly one 200, one 412."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from typing import Any

import pytest

from tests.api.helpers import live_server
from tests.conftest import TODAY
from tests.web.test_account_pages import make_token, make_users

CODE = "ql61c-phase2"
URL = f"/api/v1/projects/{CODE}"


def call(base: str, path: str, method: str = "GET", body: Any = None,
         headers: dict[str, str] | None = None) -> tuple[int, Any, bytes]:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(base + path, data=data, method=method,
                                 headers={**({"Content-Type": "application/json"} if data
                                             else {}), **(headers or {})})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


@pytest.fixture
def two(seeded_app, db_url, tmp_path):
    make_users(seeded_app, ("an", "admin"), ("lan", "editor"))
    tokens = {name: make_token(seeded_app, name) for name in ("an", "lan")}
    with live_server(db_url, TODAY, str(tmp_path)) as a, \
            live_server(db_url, TODAY, str(tmp_path)) as b:
        yield a, b, tokens


def features(base: str, path: str) -> dict[str, dict[str, Any]]:
    status, _h, body = call(base, path)
    assert status == 200
    return {f["id"] if "id" in f else f["properties"]["code"]: f
            for f in json.loads(body)["features"]}


def test_a_write_through_one_process_is_seen_at_once_through_the_other(two):
    a, b, tokens = two
    lan = {"Authorization": f"Bearer {tokens['lan']}"}
    status, headers, _ = call(b, URL)
    old_tag = headers["ETag"]
    # warm B: its feature cache, its map features and their validators
    assert features(b, "/api/v1/projects.geojson")[CODE]["properties"]["name_en"] != "Renamed"
    map_status, map_headers, _ = call(b, "/map/features.geojson?lang=en")
    assert map_status == 200
    status, headers, _ = call(a, URL, "PATCH", {"name_en": "Renamed"},
                              {**lan, "If-Match": old_tag})
    assert status == 200
    new_tag = headers["ETag"]

    status, headers, body = call(b, URL, headers={"If-None-Match": old_tag})
    assert status == 200 and json.loads(body)["name_en"] == "Renamed"
    assert headers["ETag"] == new_tag
    assert features(b, "/api/v1/projects.geojson")[CODE]["properties"]["name_en"] == "Renamed"
    assert features(b, "/ogc/collections/projects/items?f=json&limit=100")[CODE][
        "properties"]["name_en"] == "Renamed"
    status, headers, body = call(b, "/map/features.geojson?lang=en",
                                 headers={"If-None-Match": map_headers["ETag"]})
    assert status == 200 and headers["ETag"] != map_headers["ETag"]
    assert b"Renamed" in body

    # and back: a status update through B is the current status through A at once
    status, headers, _ = call(b, f"{URL}/updates", "POST",
                              {"as_of": "2026-11-30", "status": "under_construction",
                               "source": "mpi-1319-bkhdt"}, {**lan, "If-Match": new_tag})
    assert status == 201
    record = json.loads(call(a, URL)[2])
    assert record["status"] == "under_construction"
    # and its freshness with it (issue 11 §5): the status is dated by the new update
    assert (record["status_as_of"], record["stale"]) == ("2026-11-30", False)
    exported = features(a, "/api/v1/projects.geojson")[CODE]["properties"]
    assert (exported["status"], exported["status_as_of"], exported["stale"]) == (
        "under_construction", "2026-11-30", False)

    # a delete through A: gone through B, from the record, the export and the map
    status, _h, _ = call(a, URL, "DELETE", None, {
        "Authorization": f"Bearer {tokens['an']}", "If-Match": headers["ETag"]})
    assert status == 204
    assert call(b, URL)[0] == 404
    assert CODE not in features(b, "/api/v1/projects.geojson")
    assert CODE.encode() not in call(b, "/map/features.geojson")[2]


def test_two_edits_at_once_with_one_etag_one_wins_one_is_412(two):
    a, b, tokens = two
    lan = {"Authorization": f"Bearer {tokens['lan']}"}
    for round_ in range(3):
        tag = call(a, URL)[1]["ETag"]
        barrier = threading.Barrier(2)
        results: dict[str, tuple[int, dict[str, str], bytes]] = {}

        def edit(name: str, base: str, tag: str = tag, round_: int = round_,
                 barrier: threading.Barrier = barrier, results: dict = results) -> None:
            barrier.wait()
            results[name] = call(base, URL, "PATCH", {"name_en": f"{name} {round_}"},
                                 {**lan, "If-Match": tag})

        threads = [threading.Thread(target=edit, args=(n, base)) for n, base in
                   (("first", a), ("second", b))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        statuses = sorted(r[0] for r in results.values())
        assert statuses == [200, 412], results
        winner = next(n for n, r in results.items() if r[0] == 200)
        loser = next(r for r in results.values() if r[0] == 412)
        assert json.loads(loser[2])["current_version"] == round_ + 2
        assert json.loads(call(b, URL)[2])["name_en"] == f"{winner} {round_}"
