"""Every export format, read back with GDAL (pyogrio) and compared with the database, row for
row: attribute values (Vietnamese text intact), geometries within 1e-7°, CRS, file names."""

from __future__ import annotations

import io
import json
import re
import zipfile
from datetime import date

import pytest
import shapely
from shapely.geometry import LineString, MultiLineString, Polygon

from tests.api.helpers import read_export, same_geometry, same_value
from tests.conftest import TODAY
from tests.factories import make_project
from tracker import exports, geo
from tracker.fields import DBF_MAX_BYTES, FIELDS
from tracker.formats.base import CRS_FORMATS, FORMATS, MEDIA_TYPES, export_filename
from tracker.formats.tables import to_xlsx
from tracker.queries.filter import ProjectFilter
from tracker.queries.records import project_record
from tracker.queries.select import select_projects
from tracker.services.base import transaction

DAY = date.fromisoformat(TODAY)
SELECTIONS = {"all": "", "roads-in-hau-giang": "kind=road&province=hau-giang"}


@pytest.fixture
def mixed_app(seeded_app):
    """The seed plus the geometry cases it lacks: a polygon drawn clockwise, a multi-line,
    and a project not located yet."""
    clockwise = Polygon([(105.70, 10.00), (105.70, 10.05), (105.75, 10.05), (105.75, 10.00)])
    assert not clockwise.exterior.is_ccw
    with seeded_app.extensions["tracker"].sessions() as s, transaction(s):
        s.add(make_project("test-area", kind="other", geometry=clockwise,
                           name_vi="Khu tái định cư thử – Phụng Hiệp", status="approved"))
        s.add(make_project("test-multiline", kind="road", geometry=MultiLineString([
            [(105.50, 9.80), (105.55, 9.85)], [(105.56, 9.86), (105.60, 9.90)]]),
            name_vi="Đường nhánh thử", provinces=["hau-giang", "can-tho"]))
        s.add(make_project("test-unlocated", kind="road", geometry=None,
                           name_vi="Đường đề xuất chưa có vị trí"))
    return seeded_app


SITE = "http://localhost"  # the test client's host: page_url is an address on it


def table(app, query: str, base_url: str = SITE):
    """The selection as the table shows it (ORM path): records and geometries by code, with
    page_url on the site the file was served from (none for the command line)."""
    args = dict(pair.split("=") for pair in query.split("&") if pair)
    with app.extensions["tracker"].sessions() as s:
        projects = select_projects(s, ProjectFilter.from_args(args))
        records = exports.site_urls([project_record(p, DAY) for p in projects], base_url)
        return records, [p.geometry for p in projects]


def fetch(app, tmp_path, fmt, query=""):
    r = app.test_client().get(f"/api/v1/projects.{fmt}" + (f"?{query}" if query else ""))
    assert r.status_code == 200, r.get_data(as_text=True)
    path = tmp_path / export_filename(fmt, DAY)
    path.write_bytes(r.data)
    return r, str(path)


def assert_same_table(rows, geoms, records, expected_geoms, fmt, facts=None):
    if fmt in ("shp.zip", "gpkg"):  # one layer a geometry family, each in code order
        pairs = sorted(zip(rows, geoms, strict=True), key=lambda pair: pair[0]["code"])
        rows, geoms = [p[0] for p in pairs], [p[1] for p in pairs]
    assert [r["code"] for r in rows] == [r["code"] for r in records]  # row for row, in order
    full_text = {}
    if fmt == "shp.zip":
        csv_name = next(n for n in facts["members"] if n.endswith(".csv"))
        full_text = {r["code"]: r for r in facts["csv_rows"]} if "csv_rows" in facts else {}
        assert csv_name
    for row, geom, record, expected in zip(rows, geoms, records, expected_geoms, strict=True):
        for name, value in record.items():
            got = row[name]
            if fmt == "shp.zip" and isinstance(value, str) and \
                    len(value.encode("utf-8")) > DBF_MAX_BYTES:
                assert got.endswith("…") and value.startswith(got[:-1]), (name, got)
                assert len(got.encode("utf-8")) <= DBF_MAX_BYTES
                assert full_text[record["code"]][name] == value
                continue
            assert same_value(value, got, name), (fmt, record["code"], name, value, got)
        if expected is None:
            assert geom is None or geom.is_empty
        else:
            assert geom is not None, record["code"]
            if fmt not in ("shp.zip", "gpkg"):  # a Shapefile's lines are multi-lines, and
                # a GeoPackage layer holding a multi-line promotes its lines to multi-lines
                assert geom.geom_type == expected.geom_type, (fmt, record["code"])
            assert same_geometry(geom, expected), (fmt, record["code"])


def _csv_rows(zip_path):
    import csv

    with zipfile.ZipFile(zip_path) as zf:
        name = next(n for n in zf.namelist() if n.endswith(".csv"))
        text = zf.read(name).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("selection", SELECTIONS)
def test_export_reads_back_equal_to_the_table(mixed_app, tmp_path, fmt, selection):
    query = SELECTIONS[selection]
    records, expected_geoms = table(mixed_app, query)
    assert records
    r, path = fetch(mixed_app, tmp_path, fmt, query)
    assert r.headers["Content-Type"].split(";")[0] == MEDIA_TYPES[fmt].split(";")[0]
    assert r.headers["Content-Disposition"] == \
        f'attachment; filename="du-an-{TODAY}.{fmt}"'
    rows, geoms, facts = read_export(path, fmt)
    if fmt == "shp.zip":
        facts["csv_rows"] = _csv_rows(path)
    assert_same_table(rows, geoms, records, expected_geoms, fmt, facts)
    if fmt in ("geojson", "gpkg", "kml"):
        assert facts["info"]["crs"] == "EPSG:4326"


def test_geojson_is_rfc7946(mixed_app):
    r = mixed_app.test_client().get("/api/v1/projects.geojson")
    data = json.loads(r.data)
    assert data["type"] == "FeatureCollection" and "crs" not in data
    records, geoms = table(mixed_app, "")
    assert [f["id"] for f in data["features"]] == [rec["code"] for rec in records]
    for feature, record in zip(data["features"], records, strict=True):
        assert feature["properties"] == record  # every attribute, stable names
        g = feature["geometry"]
        if g is None:
            continue
        for number in re.findall(r"-?\d+\.\d+", json.dumps(g)):
            assert len(number.split(".")[1]) <= 7
        shape = shapely.geometry.shape(g)
        assert shape.is_valid
        if shape.geom_type == "Polygon":
            assert shape.exterior.is_ccw  # right-hand rule, although stored clockwise
            assert all(not ring.is_ccw for ring in shape.interiors)
    area = next(f for f in data["features"] if f["id"] == "test-area")
    assert area["geometry"]["type"] == "Polygon"
    assert next(f for f in data["features"] if f["id"] == "test-unlocated")["geometry"] is None


def test_shapefile_zip_layout_names_encoding_and_crs(mixed_app, tmp_path):
    _r, path = fetch(mixed_app, tmp_path, "shp.zip")
    rows, _geoms, facts = read_export(path, "shp.zip")
    base = f"du-an-{TODAY}"
    members = set(facts["members"])
    for suffix in ("diem", "tuyen", "vung"):
        for ext in ("shp", "shx", "dbf", "prj", "cpg"):
            assert f"{base}-{suffix}.{ext}" in members
    assert f"{base}-khong-vi-tri.dbf" in members and f"{base}.csv" in members
    assert "README.txt" in members
    assert all(text.strip() == "UTF-8" for text in facts["cpg"].values())
    for name, info in facts["layers"].items():
        assert all(len(field) <= 10 for field in info["fields"]), name
        if name.endswith(".shp"):
            assert info["crs"] == "EPSG:4326"
    types = {name.rsplit("-", 1)[-1]: info["geometry_type"]
             for name, info in facts["layers"].items()}
    assert types["diem.shp"] == "Point" and types["vung.shp"] in ("Polygon", "MultiPolygon")
    # the README documents every mapping
    for f in FIELDS:
        assert re.search(rf"^{re.escape(f.shp)}\s+{re.escape(f.name)}\s", facts["readme"], re.M)
    # text longer than a dBase field holds is cut on a character boundary, never mangled
    cut = [r["geometry_note_en"] for r in rows if r["geometry_note_en"] and
           str(r["geometry_note_en"]).endswith("…")]
    assert cut, "the seed has notes longer than 254 bytes"
    for text in cut:
        text.encode("utf-8").decode("utf-8")


@pytest.mark.parametrize("fmt", CRS_FORMATS)
def test_reprojection_to_vn2000_declares_the_crs(mixed_app, tmp_path, fmt):
    records, expected = table(mixed_app, "kind=road")
    r = mixed_app.test_client().get(f"/api/v1/projects.{fmt}?kind=road&crs=EPSG:3405")
    assert r.status_code == 200
    path = tmp_path / f"x.{fmt}"
    path.write_bytes(r.data)
    rows, geoms, facts = read_export(str(path), fmt)
    infos = [i for n, i in facts["layers"].items() if not n.endswith(".dbf")
             and n != "du_an_khong_vi_tri"]
    assert infos and all(i["crs"] == "EPSG:3405" for i in infos)
    by_code = {row["code"]: g for row, g in zip(rows, geoms, strict=True)}
    for record, geom in zip(records, expected, strict=True):
        got = by_code[record["code"]]
        if geom is None:
            assert got is None
            continue
        assert got.bounds[0] > 100_000  # metres, not degrees
        assert same_geometry(geo.transform(got, "EPSG:3405", "EPSG:4326"), geom)


@pytest.mark.parametrize("query, parameter", [
    ("crs=EPSG:3405", "crs"), ("crs=EPSG:999999", "crs"), ("crs=foo", "crs"),
    ("crs=EPSG:5773", "crs"), ("limit=0", "limit"), ("bbox=1,1,0,0", "bbox"),
    ("colour=red", "colour"),
])
def test_export_parameters_are_validated(client, query, parameter):
    fmt = "geojson" if "EPSG:3405" in query else "gpkg"
    r = client.get(f"/api/v1/projects.{fmt}?{query}")
    assert r.status_code == 400
    assert r.get_json()["parameter"] == parameter


def test_export_limit_and_offset(seeded_app):
    client = seeded_app.test_client()
    every = [f["id"] for f in client.get("/api/v1/projects.geojson").get_json()["features"]]
    page = client.get("/api/v1/projects.geojson?limit=3&offset=2").get_json()
    assert [f["id"] for f in page["features"]] == every[2:5]


def test_csv_has_bom_and_wkt(seeded_app):
    r = seeded_app.test_client().get("/api/v1/projects.csv")
    assert r.data.startswith(b"\xef\xbb\xbf")
    text = r.data.decode("utf-8-sig")
    header = text.splitlines()[0].split(",")
    assert header[-3:] == ["WKT", "X", "Y"] and header[:-3] == [f.name for f in FIELDS]
    assert "Cầu Vàm Xáng" in text


def test_xlsx_stores_text_as_text_never_a_formula():
    from openpyxl import load_workbook

    record = {f.name: None for f in FIELDS} | {"code": "x", "name_vi": "=HYPERLINK(\"a\")",
                                                "governing_body": "Ban\x0bQLDA"}
    data = to_xlsx([record], [shapely.to_wkb(LineString([(105, 9), (106, 10)]))])
    wb = load_workbook(io.BytesIO(data))
    ws = wb["du_an"]
    header = [c.value for c in ws[1]]
    row = {h: c for h, c in zip(header, ws[2], strict=True)}
    assert row["name_vi"].data_type == "s" and row["name_vi"].value == "=HYPERLINK(\"a\")"
    assert row["governing_body"].value == "BanQLDA"  # control characters Excel refuses are dropped
    assert row["WKT"].value == "LINESTRING (105 9, 106 10)"
    assert (row["X"].value, row["Y"].value) == (105.5, 9.5)  # the centroid
    assert "Thông tin" in wb.sheetnames


@pytest.mark.parametrize("fmt", FORMATS)
def test_cli_exports_every_format(mixed_app, tmp_path, fmt):
    out = tmp_path / f"cli.{fmt}"
    result = mixed_app.test_cli_runner().invoke(
        args=["export", "--format", fmt, "--kind", "road", "--output", str(out)])
    assert result.exit_code == 0, result.output
    records, expected = table(mixed_app, "kind=road", base_url="")  # no site: the path
    rows, geoms, facts = read_export(str(out), fmt)
    if fmt == "shp.zip":
        facts["csv_rows"] = _csv_rows(str(out))
    assert_same_table(rows, geoms, records, expected, fmt, facts)


def test_cli_export_crs(seeded_app, tmp_path):
    runner = seeded_app.test_cli_runner()
    out = tmp_path / "x.gpkg"
    ok = runner.invoke(args=["export", "--format", "gpkg", "--crs", "EPSG:3405", "-o", str(out)])
    assert ok.exit_code == 0, ok.output
    import pyogrio

    assert pyogrio.read_info(out, layer="du_an_tuyen")["crs"] == "EPSG:3405"
    bad = runner.invoke(args=["export", "--format", "kml", "--crs", "EPSG:3405",
                              "-o", str(tmp_path / "x.kml")])
    assert bad.exit_code == 2 and "crs" in bad.output
    assert not (tmp_path / "x.kml").exists()
