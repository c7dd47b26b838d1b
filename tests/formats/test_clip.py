"""?clip=<province>: an export cut to a province's outline. The multi-province Châu Đốc – Cần
Thơ – Sóc Trăng expressway keeps only its part inside Hậu Giang, measured again in UTM 48N
(checked against the cut made in metres, independently), marked with clipped_to; projects
outside the outline and projects not located are left out; any other code is a 400 naming
clip. Every export format carries the clip columns."""

from __future__ import annotations

import json

import pyogrio
import pytest
import shapely
from shapely.geometry import LineString

from tests.api.helpers import read_export
from tests.factories import make_project
from tracker.formats.base import FORMATS
from tracker.geo import METRIC_CRS, WGS84, transform
from tracker.models import Boundary
from tracker.queries.filter import ProjectFilter
from tracker.queries.select import select_projects
from tracker.services.base import transaction

EXPRESSWAY = "chau-doc-can-tho-soc-trang-expressway"


@pytest.fixture
def clip_app(seeded_app):
    with seeded_app.extensions["tracker"].sessions() as s, transaction(s):
        s.add(make_project("test-unlocated", kind="road", geometry=None))
        s.add(make_project("test-far", kind="road",  # inside the region, outside both outlines
                           geometry=LineString([(106.6, 10.9), (106.7, 11.0)])))
    return seeded_app


def database(app, code: str):
    """Every project's geometry and length, and the outline, from the database."""
    with app.extensions["tracker"].sessions() as s:
        projects = {p.code: (p.geometry, p.length_km) for p in select_projects(s, ProjectFilter())}
        outline = s.get(Boundary, code).geometry
    return projects, outline


def metric_cut_km(geom, outline) -> float:
    """The length inside the outline, cut in UTM 48N metres (not in degrees, as the export
    cuts): an independent measure of the same thing."""
    inside = shapely.intersection(transform(geom, WGS84, METRIC_CRS),
                                  transform(outline, WGS84, METRIC_CRS))
    return inside.length / 1000.0


@pytest.mark.parametrize("province", ["hau-giang", "can-tho"])
def test_clip_cuts_every_geometry_to_the_outline(clip_app, province):
    projects, outline = database(clip_app, province)
    r = clip_app.test_client().get(f"/api/v1/projects.geojson?clip={province}")
    assert r.status_code == 200
    doc = json.loads(r.data)
    inside = {code for code, (g, _km) in projects.items() if g is not None
              and g.intersects(outline) and not g.touches(outline)}
    assert {f["id"] for f in doc["features"]} == inside  # the rest is left out
    assert "test-unlocated" not in inside and "test-far" not in inside
    assert doc["metadata"]["clipped_to"] == province and "clip=" in doc["metadata"]["filter"]
    for feature in doc["features"]:
        props = feature["properties"]
        geom = shapely.geometry.shape(feature["geometry"])
        whole, length = projects[feature["id"]]
        assert props["clipped_to"] == province
        assert props["length_km"] == length  # the whole project's length stays
        assert geom.geom_type in ({"Point"} if whole.geom_type == "Point"
                                  else {"LineString", "MultiLineString"})
        assert outline.buffer(1e-6).contains(geom), feature["id"]
        if whole.geom_type == "Point":
            assert props["clipped_length_km"] is None
            continue
        assert 0 < props["clipped_length_km"] <= length + 1e-3
        assert props["clipped_length_km"] == pytest.approx(
            metric_cut_km(whole, outline), abs=0.05), feature["id"]


def test_the_multi_province_expressway_is_cut_to_hau_giang(clip_app):
    projects, outline = database(clip_app, "hau-giang")
    whole, length = projects[EXPRESSWAY]
    doc = clip_app.test_client().get(
        "/api/v1/projects.geojson?kind=expressway&clip=hau-giang").get_json()
    feature = next(f for f in doc["features"] if f["id"] == EXPRESSWAY)
    km = feature["properties"]["clipped_length_km"]
    assert 1 < km < length / 2  # the part in Hậu Giang is a small share of its 155 km
    assert km == pytest.approx(metric_cut_km(whole, outline), abs=0.05)
    can_tho = clip_app.test_client().get(
        "/api/v1/projects.geojson?kind=expressway&clip=can-tho").get_json()
    other = next(f for f in can_tho["features"] if f["id"] == EXPRESSWAY)
    assert km + other["properties"]["clipped_length_km"] < length  # An Giang, Sóc Trăng left


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_carries_the_clip(clip_app, tmp_path, fmt):
    r = clip_app.test_client().get(f"/api/v1/projects.{fmt}?kind=expressway&clip=hau-giang")
    assert r.status_code == 200
    path = tmp_path / f"clip.{fmt}"
    path.write_bytes(r.data)
    rows, geoms, facts = read_export(str(path), fmt)
    codes = {row["code"] for row in rows}
    assert EXPRESSWAY in codes and codes <= {"can-tho-ca-mau-expressway", EXPRESSWAY}
    extras = [row if fmt == "shp.zip" else row.get("_extra", row) for row in rows]
    for row, extra in zip(rows, extras, strict=True):
        clipped_to = extra.get("clipped_to", extra.get("clip_to"))
        clipped_km = extra.get("clipped_length_km", extra.get("clip_km"))
        assert clipped_to == "hau-giang", (fmt, row["code"], extra)
        assert 0 < float(clipped_km) < float(row["length_km"]), (fmt, row["code"])
    if fmt == "gpkg":
        card = pyogrio.read_info(str(path), layer="du_an_tuyen")["dataset_metadata"]
        assert card["CLIPPED_TO"] == "hau-giang"


def test_shapefile_names_the_clip_columns(clip_app, tmp_path):
    import zipfile

    r = clip_app.test_client().get("/api/v1/projects.shp.zip?clip=hau-giang")
    path = tmp_path / "clip.shp.zip"
    path.write_bytes(r.data)
    with zipfile.ZipFile(path) as zf:
        readme = zf.read("README.txt").decode("utf-8")
        shp = next(n for n in zf.namelist() if n.endswith("-tuyen.shp"))
    assert "clipped to: hau-giang" in readme
    assert "clip_km    clipped_length_km" in readme
    fields = pyogrio.read_info(f"/vsizip/{path}/{shp}")["fields"]
    assert {"clip_to", "clip_km"} <= set(fields)


@pytest.mark.parametrize("value, message", [
    ("nowhere", "unknown clip 'nowhere'"),
    ("soc-trang", "not a province with a loaded outline"),  # a province, no outline loaded
    ("HAU-GIANG", "unknown clip"),
])
def test_a_code_without_an_outline_is_a_400_naming_clip(clip_app, value, message):
    for fmt in ("geojson", "gpkg"):
        r = clip_app.test_client().get(f"/api/v1/projects.{fmt}?clip={value}")
        assert r.status_code == 400
        body = r.get_json()
        assert body["parameter"] == "clip" and message in body["error"]
        assert "can-tho, hau-giang" in body["detail"]


def test_clip_is_documented_on_every_export(client):
    doc = client.get("/api/v1/openapi.json").get_json(force=True)
    clip = doc["components"]["parameters"]["clip"]
    assert clip["name"] == "clip" and "hau-giang" in clip["schema"]["enum"]
    for fmt in FORMATS:
        params = doc["paths"][f"/api/v1/projects.{fmt}"]["get"]["parameters"]
        assert {"$ref": "#/components/parameters/clip"} in params
