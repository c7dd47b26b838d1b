"""OGC API – Features (/ogc): landing page, conformance, collections with extents from the
data, items with filters and paging, HTML, errors, and GDAL's OAPIF driver reading every
feature from a running server."""

from __future__ import annotations

from datetime import date

import pyogrio
import pytest
import shapely

from tests.api.helpers import live_server, same_geometry, same_value
from tests.conftest import TODAY
from tracker.exports import site_urls
from tracker.queries.figures import projects_extent
from tracker.queries.filter import ProjectFilter
from tracker.queries.records import project_record
from tracker.queries.select import select_projects

DAY = date.fromisoformat(TODAY)
CORE = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/"
ITEMS = "/ogc/collections/projects/items"
SITE = "http://localhost"  # the test client's host


@pytest.fixture
def ogc(seeded_app):
    return seeded_app.test_client()


def rel(doc, name, media=None):
    return [link["href"] for link in doc["links"]
            if link["rel"] == name and (media is None or link["type"] == media)]


def codes(app, **args):
    with app.extensions["tracker"].sessions() as s:
        return [p.code for p in select_projects(s, ProjectFilter.from_args(args))]


def test_landing_page_links(ogc):
    for url in ("/ogc", "/ogc/"):
        r = ogc.get(url)
        assert r.status_code == 200 and r.content_type == "application/json"
    doc = ogc.get("/ogc").get_json()
    assert rel(doc, "service-desc", "application/vnd.oai.openapi+json;version=3.0")
    assert rel(doc, "service-doc", "text/html")
    assert rel(doc, "conformance") and rel(doc, "data")
    assert rel(doc, "self", "application/json") and rel(doc, "alternate", "text/html")
    openapi = ogc.get(rel(doc, "service-desc")[0].removeprefix("http://localhost"))
    assert openapi.status_code == 200


def test_conformance(client):
    doc = client.get("/ogc/conformance").get_json()
    assert {CORE + c for c in ("core", "geojson", "html", "oas30")} <= set(doc["conformsTo"])


def test_collections_with_extent_from_the_data(ogc, seeded_app):
    doc = ogc.get("/ogc/collections").get_json()
    by_id = {c["id"]: c for c in doc["collections"]}
    assert set(by_id) == {"projects", "projects-lines", "projects-points", "projects-areas",
                          "boundaries"}
    projects = ogc.get("/ogc/collections/projects").get_json()
    assert projects == {**by_id["projects"], "links": projects["links"]}
    with seeded_app.extensions["tracker"].sessions() as s:
        bbox, span = projects_extent(s)
        geoms = [p.geometry for p in select_projects(s, ProjectFilter()) if p.geometry]
    assert projects["extent"]["spatial"]["bbox"] == [list(bbox)]
    assert bbox == pytest.approx(tuple(shapely.total_bounds(geoms)))
    assert projects["extent"]["temporal"]["interval"] == [
        [f"{span[0].isoformat()}T00:00:00Z" if span[0] else None,
         f"{span[1].isoformat()}T23:59:59Z" if span[1] else None]]
    assert projects["itemType"] == "feature"
    assert rel(projects, "items", "application/geo+json")
    assert rel(projects, "describedby", "application/schema+json")
    boundaries = by_id["boundaries"]
    assert boundaries["extent"]["spatial"]["bbox"][0][0] < bbox[0] + 1


def test_collection_extent_follows_the_data(ogc, seeded_app):
    from tracker.services.base import transaction

    before = ogc.get("/ogc/collections/projects").get_json()["extent"]["spatial"]["bbox"][0]
    with seeded_app.extensions["tracker"].sessions() as s, transaction(s):
        p = select_projects(s, ProjectFilter.from_args({"kind": "bridge"}))[0]
        p.geometry = shapely.Point(106.5, 10.9)
    after = ogc.get("/ogc/collections/projects").get_json()["extent"]["spatial"]["bbox"][0]
    assert after != before and after[2] == 106.5 and after[3] == 10.9


def test_items_are_geojson_with_counts_and_paging(ogc, seeded_app):
    every = codes(seeded_app)
    r = ogc.get(f"{ITEMS}?limit=4")
    assert r.content_type == "application/geo+json"
    doc = r.get_json()
    assert doc["type"] == "FeatureCollection"
    assert doc["numberMatched"] == len(every) and doc["numberReturned"] == 4
    assert doc["timeStamp"].endswith("Z")
    assert rel(doc, "next", "application/geo+json") and not rel(doc, "prev")
    assert rel(doc, "alternate", "text/html") and rel(doc, "collection")
    seen, url = [], f"{ITEMS}?limit=4"
    while url:
        page = ogc.get(url).get_json()
        seen += [f["id"] for f in page["features"]]
        nxt = rel(page, "next")
        url = nxt[0].removeprefix("http://localhost") if nxt else None
    assert seen == every
    last = ogc.get(f"{ITEMS}?limit=4&offset=8").get_json()
    assert rel(last, "prev") and not rel(last, "next")
    assert ogc.get(ITEMS).get_json()["numberReturned"] == min(10, len(every))  # default 10


def test_items_features_carry_the_record(ogc, seeded_app):
    with seeded_app.extensions["tracker"].sessions() as s:
        records = {r["code"]: r for r in site_urls(
            [project_record(p, DAY) for p in select_projects(s, ProjectFilter())], SITE)}
    doc = ogc.get(f"{ITEMS}?limit=100").get_json()
    for f in doc["features"]:
        assert f["properties"] == records[f["id"]]
        assert f["properties"]["page_url"] == f"{SITE}/projects/{f['id']}"


ITEM_FILTERS = [
    ("status=completed", {"status": "completed"}),
    ("kind=road&province=hau-giang", {"kind": "road", "province": "hau-giang"}),
    ("bbox=105.64,9.96,105.66,9.98", {"bbox": "105.64,9.96,105.66,9.98"}),
    ("bbox=105.64,9.96,0,105.66,9.98,100", {"bbox": "105.64,9.96,105.66,9.98"}),
    ("q=xa%20no", {"q": "xa no"}),
]


def test_items_filters(ogc, seeded_app):
    for query, args in ITEM_FILTERS:
        doc = ogc.get(f"{ITEMS}?{query}&limit=100").get_json()
        assert [f["id"] for f in doc["features"]] == codes(seeded_app, **args), query
        assert doc["numberMatched"] == len(doc["features"]) > 0, query


DATETIMES = [
    ("2026-06-01", {"chau-doc-can-tho-soc-trang-expressway", "ql61c-phase2"}),
    ("2026-06-01T08:00:00Z", {"chau-doc-can-tho-soc-trang-expressway", "ql61c-phase2"}),
    # open start: its period has no start, so it may already have been running
    ("../2013-01-01", {"ql61c-phase1", "chau-doc-can-tho-soc-trang-expressway"}),
    ("2027-06-01/..", {"chau-doc-can-tho-soc-trang-expressway", "ql61c-phase2"}),
    ("2023-06-01/2023-07-01", {"can-tho-ca-mau-expressway",
                               "chau-doc-can-tho-soc-trang-expressway"}),
]


def test_items_datetime(ogc):
    for value, expected in DATETIMES:
        doc = ogc.get(ITEMS, query_string={"datetime": value, "limit": 100}).get_json()
        got = {f["id"] for f in doc["features"]}
        assert got == expected, value  # the seed's periods; the rule itself: test_api_rows
        assert doc["numberMatched"] == len(got)
        assert rel(doc, "next") == []


@pytest.mark.parametrize("query, parameter", [
    ("datetime=yesterday", "datetime"), ("datetime=2026-02-30", "datetime"),
    ("datetime=2027-01-01/2026-01-01", "datetime"), ("datetime=../..", "datetime"),
    ("limit=0", "limit"), ("offset=x", "offset"),
    ("bbox=200,0,201,1", "bbox"), ("bbox=1,2", "bbox"), ("status=done", "status"),
    ("colour=red", "colour"), ("f=xml", "f"), ("crs=EPSG:3405", "crs"),
    ("bbox-crs=EPSG:3405", "bbox-crs"),
])
def test_items_reject_bad_parameters(client, query, parameter):
    r = client.get(f"{ITEMS}?{query}")
    assert r.status_code == 400
    assert r.get_json()["parameter"] == parameter


def test_items_accept_crs84(ogc):
    crs84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
    assert ogc.get(ITEMS, query_string={"crs": crs84, "bbox-crs": crs84}).status_code == 200


def test_one_feature(ogc, seeded_app):
    r = ogc.get(f"{ITEMS}/vam-xang-bridge")
    assert r.content_type == "application/geo+json"
    doc = r.get_json()
    assert doc["type"] == "Feature" and doc["id"] == "vam-xang-bridge"
    assert doc["geometry"]["type"] == "Point"
    assert rel(doc, "collection") and rel(doc, "alternate", "text/html")
    assert ogc.get(f"{ITEMS}/nope").status_code == 404
    assert ogc.get("/ogc/collections/nope").status_code == 404
    assert ogc.get("/ogc/collections/nope/items").status_code == 404


HTML_PAGES = ["/ogc", "/ogc/conformance", "/ogc/collections", "/ogc/collections/projects",
              f"{ITEMS}?limit=3", f"{ITEMS}/ql61c-phase2", "/ogc/collections/boundaries/items",
              "/ogc/collections/boundaries/items/hau-giang"]


def test_html_representations(ogc):
    for url in HTML_PAGES:
        sep = "&" if "?" in url else "?"
        r = ogc.get(f"{url}{sep}f=html")
        assert r.status_code == 200 and r.content_type.startswith("text/html"), url
        browser = ogc.get(url, headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
        assert browser.content_type.startswith("text/html"), url
        assert "Accept" in browser.headers["Vary"]
        machine = ogc.get(url, headers={"Accept": "application/geo+json, application/json"})
        assert "json" in machine.content_type, url


def test_items_html_lists_the_page(ogc):
    page = ogc.get(f"{ITEMS}?f=html&limit=3&lang=en").get_data(as_text=True)
    assert "Showing 1–3 of" in page and 'rel="next"' in page


def test_items_answer_304(ogc):
    first = ogc.get(f"{ITEMS}?limit=5")
    again = ogc.get(f"{ITEMS}?limit=5", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    html = ogc.get(f"{ITEMS}?limit=5&f=html")
    assert html.headers["ETag"] != first.headers["ETag"]


def test_boundaries_collection(ogc, seeded_app):
    doc = ogc.get("/ogc/collections/boundaries/items").get_json()
    assert doc["numberMatched"] == doc["numberReturned"] == len(doc["features"]) >= 2
    hg = ogc.get("/ogc/collections/boundaries/items/hau-giang").get_json()
    assert hg["properties"]["name_vi"] == "Tỉnh Hậu Giang"
    assert hg["properties"]["valid_until"] == "2025-06-30"
    assert hg["geometry"]["type"] in ("Polygon", "MultiPolygon")
    far = ogc.get("/ogc/collections/boundaries/items?bbox=100,20,101,21").get_json()
    assert far["numberMatched"] == 0
    after = ogc.get("/ogc/collections/boundaries/items?datetime=2026-01-01/..").get_json()
    assert after["numberMatched"] == 0  # valid until 30/06/2025
    assert ogc.get("/ogc/collections/boundaries/items?status=completed").status_code == 400


def test_schema_types_every_field(ogc):
    from tracker.fields import FIELDS

    doc = ogc.get("/ogc/collections/projects/schema").get_json(force=True)
    props = doc["properties"]["properties"]["properties"]
    assert list(props) == [f.name for f in FIELDS]
    assert props["total_investment_vnd"]["type"] == "number"
    assert props["days_late"]["type"] == "integer"


# --------------------------------------------------------------------------- GDAL / QGIS

@pytest.fixture
def gdal_dates_as_text():
    """GDAL's GeoJSON reader turns ISO date text into dates ('2023-01-01' -> '2023/01/01'
    in a text field); read them as the text the server sent."""
    pyogrio.set_gdal_config_options({"OGR_GEOJSON_DATE_AS_STRING": "YES"})
    yield
    pyogrio.set_gdal_config_options({"OGR_GEOJSON_DATE_AS_STRING": None})


FAMILY_TYPES = {"projects-lines": ("LineString", "MultiLineString"),
                "projects-points": ("Point", "MultiPoint"),
                "projects-areas": ("Polygon", "MultiPolygon")}


@pytest.fixture
def families_app(seeded_app):
    """The seed (lines and the Vàm Xáng bridge) plus an area, a multi-line and a project
    not located yet: every collection has features, and `projects` a null geometry."""
    from shapely.geometry import MultiLineString, Polygon

    from tests.factories import make_project
    from tracker.services.base import transaction

    with seeded_app.extensions["tracker"].sessions() as s, transaction(s):
        s.add(make_project("test-area", kind="other", status="approved", geometry=Polygon(
            [(105.70, 10.00), (105.70, 10.05), (105.75, 10.05), (105.75, 10.00)])))
        s.add(make_project("test-multiline", kind="road", geometry=MultiLineString([
            [(105.50, 9.80), (105.55, 9.85)], [(105.56, 9.86), (105.60, 9.90)]])))
        s.add(make_project("test-unlocated", kind="road", geometry=None))
    return seeded_app


def expected_collections(app, base: str) -> dict[str, list[tuple[dict, object]]]:
    """(record with page_url on `base`, geometry) of each project collection, by code."""
    with app.extensions["tracker"].sessions() as s:
        projects = select_projects(s, ProjectFilter())
        records = site_urls([project_record(p, DAY) for p in projects], base)
        pairs = list(zip(records, [p.geometry for p in projects], strict=True))
    out = {"projects": pairs}
    for cid, types in FAMILY_TYPES.items():
        out[cid] = [(r, g) for r, g in pairs if g is not None and g.geom_type in types]
    return out


def test_family_collections_hold_one_geometry_type_and_add_up(ogc, families_app):
    every = expected_collections(families_app, SITE)
    assert all(every[cid] for cid in FAMILY_TYPES)
    unlocated = [r["code"] for r, g in every["projects"] if g is None]
    assert unlocated == ["test-unlocated"]
    got: dict[str, list[str]] = {}
    for cid, types in FAMILY_TYPES.items():
        doc = ogc.get(f"/ogc/collections/{cid}/items?limit=100").get_json()
        assert {f["geometry"]["type"] for f in doc["features"]} <= set(types)
        assert doc["numberMatched"] == len(doc["features"])
        got[cid] = [f["id"] for f in doc["features"]]
        assert got[cid] == [r["code"] for r, _g in every[cid]]
        schema = ogc.get(f"/ogc/collections/{cid}/schema").get_json(force=True)
        geometry = schema["properties"]["geometry"]
        assert geometry["x-ogc-role"] == "primary-geometry"
        assert geometry["format"].startswith(f"geometry-{types[0].lower()}")
        collection = ogc.get(f"/ogc/collections/{cid}").get_json()
        assert types[0] in collection["description"]
        bounds = shapely.total_bounds([g for _r, g in every[cid]])
        assert collection["extent"]["spatial"]["bbox"][0] == pytest.approx(list(bounds))
    assert sorted(sum(got.values(), []) + unlocated) == sorted(
        r["code"] for r, _g in every["projects"])  # every project, exactly once
    # a project is found in its own family only
    assert ogc.get("/ogc/collections/projects-points/items/vam-xang-bridge").status_code == 200
    assert ogc.get("/ogc/collections/projects-lines/items/vam-xang-bridge").status_code == 404
    lines = ogc.get("/ogc/collections/projects-lines/items?kind=bridge").get_json()
    assert lines["numberMatched"] == 0  # filters combine with the family


@pytest.mark.parametrize("page_size", [3, None])
def test_gdal_oapif_reads_every_feature_of_every_collection(families_app, db_url, tmp_path,
                                                            gdal_dates_as_text, page_size):
    with live_server(db_url, TODAY, str(tmp_path)) as base:
        expected = expected_collections(families_app, base)
        url = f"OAPIF:{base}/ogc"
        layers = dict(pyogrio.list_layers(url))
        assert set(layers) == {*expected, "boundaries"}
        options = {"PAGE_SIZE": page_size} if page_size else {}
        frames = {}
        for cid, pairs in expected.items():
            info = pyogrio.read_info(url, layer=cid)
            assert info["features"] == len(pairs), cid
            frames[cid] = pyogrio.read_dataframe(url, layer=cid, **options)
        boundaries = pyogrio.read_dataframe(url, layer="boundaries")
    for cid, pairs in expected.items():
        df = frames[cid]
        assert list(df["code"]) == [r["code"] for r, _g in pairs], cid
        for row, (record, geom) in zip(df.to_dict("records"), pairs, strict=True):
            assert row["id"] == record["code"]
            for name, value in record.items():
                assert same_value(value, row[name], name), (cid, record["code"], name)
            if geom is None:
                assert row["geometry"] is None
            else:
                assert same_geometry(row["geometry"], geom), (cid, record["code"])
        if cid in FAMILY_TYPES:
            assert {g.geom_type for g in df.geometry} <= set(FAMILY_TYPES[cid]), cid
    assert len(boundaries) >= 2 and "Tỉnh Hậu Giang" in set(boundaries["name_vi"])


def test_owslib_reads_every_feature_of_every_collection(families_app, db_url, tmp_path):
    """OWSLib's OGC API - Features client, paging with limit/offset as the next links do."""
    from owslib.ogcapi.features import Features

    with live_server(db_url, TODAY, str(tmp_path)) as base:
        expected = expected_collections(families_app, base)
        api = Features(f"{base}/ogc")
        assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core" in \
            api.conformance()["conformsTo"]
        ids = [c["id"] for c in api.collections()["collections"]]
        assert ids == ["projects", *FAMILY_TYPES, "boundaries"]
        got: dict[str, list[dict]] = {}
        for cid in expected:
            got[cid], offset = [], 0
            while True:
                page = api.collection_items(cid, limit=4, offset=offset)
                got[cid] += page["features"]
                offset += page["numberReturned"]
                if offset >= page["numberMatched"] or not page["features"]:
                    break
            assert api.collection(cid)["id"] == cid
    for cid, pairs in expected.items():
        assert [f["id"] for f in got[cid]] == [r["code"] for r, _g in pairs], cid
        for feature, (record, geom) in zip(got[cid], pairs, strict=True):
            assert feature["properties"] == record
            if geom is not None:
                assert same_geometry(shapely.geometry.shape(feature["geometry"]), geom)
