"""Provenance and dates travel with the data: every feature of every format (GeoJSON, GPKG,
Shapefile, KML, CSV, XLSX and the OGC API's items) carries its sources' keys and URLs, the date
of its status when the record has it, and the address of its project page, read back with the
readers GIS staff use; and every file that has a place for it says when it was exported, under
which licence and contact (TRACKER_DATA_LICENCE, TRACKER_DATA_CONTACT), what it holds."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import zipfile
from datetime import UTC, datetime, timedelta

import pyogrio
import pytest
from lxml import etree
from sqlalchemy import text

from tests.api.helpers import read_export
from tests.factories import make_project
from tracker import create_app
from tracker.fields import RECORD_FIELDS
from tracker.formats import kml
from tracker.formats.base import FORMATS
from tracker.models import ProjectSource, Source
from tracker.queries.filter import ProjectFilter
from tracker.queries.select import select_projects
from tracker.services.base import transaction

LICENCE = "CC BY-SA 4.0"
CONTACT = "Sở Giao thông vận tải Hậu Giang <gis@example.vn>"
SITE = "http://localhost"
PROVENANCE = ("source_keys", "source_urls", "page_url")


@pytest.fixture
def terms_app(seeded_app, tmp_path):
    """The seed plus a project citing a source without a URL and one whose stored URL is a
    legacy javascript: link (written by plain SQL, as before the write-time check), served by
    an app with its own licence and contact."""
    with seeded_app.extensions["tracker"].sessions() as s, transaction(s):
        p = make_project("test-cited", kind="road")
        s.add(p)
        for key, url in (("test-letter", None), ("test-legacy", "https://example.vn/x"),
                         ("test-site", "https://sxd.haugiang.gov.vn/tin/1")):
            source = Source(key=key, title=key, publisher="Sở Xây dựng", url=url)
            s.add(source)
            s.flush()
            p.source_links.append(ProjectSource(source_id=source.id, supports="status"))
    with seeded_app.extensions["tracker"].sessions() as s, transaction(s):
        s.execute(text("UPDATE sources SET url = 'javascript:alert(1)' "
                       "WHERE key = 'test-legacy'"))
    url = seeded_app.extensions["tracker"].settings.database_url
    app = create_app({"database_url": url, "instance_path": str(tmp_path), "today":
                      seeded_app.extensions["tracker"].settings.today, "data_licence": LICENCE,
                      "data_contact": CONTACT})
    yield app
    app.extensions["tracker"].engine.dispose()


def expected(app) -> dict[str, dict[str, object]]:
    """Each project's provenance from the database, straight from its source rows."""
    out: dict[str, dict[str, object]] = {}
    with app.extensions["tracker"].sessions() as s:
        for p in select_projects(s, ProjectFilter(), with_history=True):
            sources = sorted((link.source for link in p.source_links), key=lambda x: x.id)
            urls = [x.url for x in sources if x.url and x.url.startswith(("http://", "https://"))]
            out[p.code] = {"source_keys": ";".join(x.key for x in sources) or None,
                           "source_urls": ";".join(urls) or None,
                           "page_url": f"{SITE}/projects/{p.code}"}
            if "status_as_of" in RECORD_FIELDS:  # issue 9's field, where it has landed
                out[p.code]["status_as_of"] = p.latest_update().as_of_iso
    return out


def test_the_sources_are_the_database_s(terms_app):
    want = expected(terms_app)["test-cited"]
    assert want["source_keys"] == "test-letter;test-legacy;test-site"
    assert want["source_urls"] == "https://sxd.haugiang.gov.vn/tin/1"  # no javascript:
    assert expected(terms_app)["vam-xang-bridge"]["source_keys"]


def fetch(app, tmp_path, fmt: str) -> str:
    r = app.test_client().get(f"/api/v1/projects.{fmt}")
    assert r.status_code == 200, r.get_data(as_text=True)
    path = tmp_path / f"export.{fmt}"
    path.write_bytes(r.data)
    return str(path)


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_feature_of_every_format_carries_its_provenance(terms_app, tmp_path, fmt):
    want = expected(terms_app)
    path = fetch(terms_app, tmp_path, fmt)
    rows, _geoms, _facts = read_export(path, fmt)
    if fmt == "shp.zip":  # cut text (254 bytes) is whole in the CSV beside the Shapefiles
        with zipfile.ZipFile(path) as zf:
            name = next(n for n in zf.namelist() if n.endswith(".csv"))
            rows = list(csv.DictReader(io.StringIO(zf.read(name).decode("utf-8-sig"))))
    assert sorted(r["code"] for r in rows) == sorted(want)
    for row in rows:
        for name, value in want[row["code"]].items():
            got = row[name]
            got = None if got in ("", None) or got != got else got  # NaN / empty: unknown
            assert got == value, (fmt, row["code"], name, got)


def test_ogc_items_carry_the_provenance(terms_app):
    want = expected(terms_app)
    client = terms_app.test_client()
    for cid in ("projects", "projects-lines", "projects-points"):
        doc = client.get(f"/ogc/collections/{cid}/items?limit=100").get_json()
        assert doc["features"]
        for feature in doc["features"]:
            props = feature["properties"]
            assert {k: props[k] for k in want[feature["id"]]} == want[feature["id"]], cid
    one = client.get("/ogc/collections/projects/items/test-cited").get_json()
    assert one["properties"]["source_urls"] == "https://sxd.haugiang.gov.vn/tin/1"


def test_the_command_line_writes_the_page_path(terms_app, tmp_path):
    """`tracker export` serves no site: page_url is the path from the site's root."""
    out = tmp_path / "cli.geojson"
    result = terms_app.test_cli_runner().invoke(
        args=["export", "--format", "geojson", "--kind", "bridge", "--output", str(out)])
    assert result.exit_code == 0, result.output
    doc = json.loads(out.read_bytes())
    assert doc["features"][0]["properties"]["page_url"] == "/projects/vam-xang-bridge"
    assert doc["metadata"]["licence"] == LICENCE and "source" not in doc["metadata"]


# --------------------------------------------------------------------------- the file's card

def check_card(card: dict[str, str], count: int, fmt: str) -> None:
    assert card["licence"] == LICENCE and card["contact"] == CONTACT
    stamp = datetime.fromisoformat(card["exported_at"].replace("Z", "+00:00"))
    assert abs(datetime.now(UTC) - stamp) < timedelta(minutes=5)
    assert int(card["projects"]) == count
    assert card["source"] == f"{SITE}/api/v1/projects.{fmt}"
    assert card["data_as_of"] == "2026-11-21"


def test_geojson_says_what_it_is_in_a_metadata_member(terms_app, tmp_path):
    with open(fetch(terms_app, tmp_path, "geojson"), "rb") as f:
        doc = json.loads(f.read())
    check_card(doc["metadata"], len(doc["features"]), "geojson")
    assert doc["metadata"]["filter"] == "—" and doc["metadata"]["crs"] == "EPSG:4326"
    assert list(doc)[:2] == ["type", "metadata"]


def test_geopackage_says_it_in_gpkg_metadata(terms_app, tmp_path):
    path = fetch(terms_app, tmp_path, "gpkg")
    card = {k.lower(): v for k, v in pyogrio.read_info(path, layer="du_an_tuyen")
            ["dataset_metadata"].items()}
    with sqlite3.connect(path) as db:
        count = sum(db.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                    for (t,) in db.execute("SELECT table_name FROM gpkg_contents "
                                           "WHERE table_name LIKE 'du_an%'"))
        scopes = db.execute("SELECT r.reference_scope, m.md_scope FROM gpkg_metadata_reference r "
                            "JOIN gpkg_metadata m ON m.id = r.md_file_id").fetchall()
        extensions = {row[0] for row in db.execute("SELECT extension_name FROM gpkg_extensions")}
    check_card(card, count, "gpkg")
    assert ("geopackage", "dataset") in scopes  # the record describes the whole file
    assert "gpkg_metadata" in extensions


def test_shapefile_zip_says_it_in_its_readme(terms_app, tmp_path):
    with zipfile.ZipFile(fetch(terms_app, tmp_path, "shp.zip")) as zf:
        readme = zf.read("README.txt").decode("utf-8")
    lines = dict(line.split(": ", 1) for line in readme.splitlines() if ": " in line)
    card = {"licence": lines["Giấy phép / licence"], "contact": lines["Liên hệ / contact"],
            "exported_at": lines["Xuất lúc (UTC) / exported at (UTC)"],
            "projects": lines["Số dự án / projects"], "source": lines["Địa chỉ / served from"],
            "data_as_of": lines["Số ngày chậm tính đến / days late counted to"]}
    check_card(card, len(expected(terms_app)), "shp.zip")


def test_kml_says_it_in_the_document(terms_app, tmp_path):
    path = fetch(terms_app, tmp_path, "kml")
    doc = etree.parse(path).getroot().find("k:Document", {"k": kml.KML_NS})
    ns = {"k": kml.KML_NS}
    card = {d.get("name"): d.findtext("k:value", namespaces=ns)
            for d in doc.findall("k:ExtendedData/k:Data", ns)}
    check_card(card, len(doc.findall(".//k:Placemark", ns)), "kml")
    assert LICENCE in doc.findtext("k:description", namespaces=ns)
    from fastkml.validator import get_schema_parser  # still valid KML 2.2

    assert get_schema_parser().validate(etree.parse(path))


def test_xlsx_says_it_in_the_information_sheet(terms_app, tmp_path):
    from openpyxl import load_workbook

    wb = load_workbook(fetch(terms_app, tmp_path, "xlsx"))
    sheet = wb["Thông tin"]
    values = {row[0]: row[1] for row in sheet.iter_rows(values_only=True) if row[0]}
    card = {"licence": values["Giấy phép / licence"], "contact": values["Liên hệ / contact"],
            "exported_at": values["Xuất lúc (UTC) / exported at (UTC)"],
            "projects": values["Số dự án / projects"], "source": values["Địa chỉ / served from"],
            "data_as_of": values["Số ngày chậm tính đến / days late counted to"]}
    check_card(card, wb["du_an"].max_row - 1, "xlsx")
    fields = {row[0] for row in sheet.iter_rows(values_only=True)}
    assert {"source_keys", "source_urls", "page_url", "X", "Y"} <= fields  # described


def test_the_default_licence_is_stated(seeded_app):
    doc = seeded_app.test_client().get("/api/v1/projects.geojson").get_json()
    assert doc["metadata"]["licence"] == "CC BY 4.0" and "contact" not in doc["metadata"]
