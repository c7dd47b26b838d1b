"""The KML export as GIS staff open it: valid against the OGC KML 2.2 schema (shipped with
fastkml, read offline by lxml), styled with the web map's status colours and kind widths, money
as typed numbers, a TimeSpan from the dates, stored text intact and inert; read back by
fastkml and by GDAL (LIBKML)."""

from __future__ import annotations

from datetime import date

import pyogrio
import pytest
from lxml import etree
from shapely.geometry import MultiLineString, Polygon

from tests.conftest import TODAY
from tests.factories import make_project
from tracker import symbology, vocab
from tracker.formats import kml
from tracker.queries.filter import ProjectFilter
from tracker.queries.records import project_record
from tracker.queries.select import select_projects
from tracker.services.base import transaction

NS = {"k": kml.KML_NS}
# (control characters cannot be stored at all: tracker.checks refuses them)
NASTY = 'Cầu <b>thử</b> & "Vàm" ]]> <script>alert(1)</script>'


@pytest.fixture
def kml_app(seeded_app):
    """The seed plus an area, a multi-line, an unlocated project and a name that is markup."""
    with seeded_app.extensions["tracker"].sessions() as s, transaction(s):
        s.add(make_project("test-area", kind="other", status="approved",
                           geometry=Polygon([(105.70, 10.00), (105.70, 10.05), (105.75, 10.05),
                                             (105.75, 10.00)]), geometry_accuracy="digitised"))
        s.add(make_project("test-multiline", kind="road", geometry=MultiLineString([
            [(105.50, 9.80), (105.55, 9.85)], [(105.56, 9.86), (105.60, 9.90)]])))
        s.add(make_project("test-unlocated", kind="road", geometry=None))
        s.add(make_project("test-nasty", kind="bridge", name_vi=NASTY,
                           planned_start=date(2026, 1, 1), planned_start_precision="year"))
    return seeded_app


@pytest.fixture
def exported(kml_app, tmp_path):
    r = kml_app.test_client().get("/api/v1/projects.kml")
    assert r.status_code == 200
    path = tmp_path / "export.kml"
    path.write_bytes(r.data)
    with kml_app.extensions["tracker"].sessions() as s:
        records = [project_record(p, date.fromisoformat(TODAY))
                   for p in select_projects(s, ProjectFilter.from_args({}))]
    return path, etree.fromstring(r.data), records


def test_kml_is_valid_against_the_ogc_schema(exported):
    from fastkml.validator import get_schema_parser

    schema = get_schema_parser()  # fastkml's copy of ogckml22.xsd, no network
    path, _doc, _records = exported
    assert schema.validate(etree.parse(str(path))), schema.error_log


def test_every_placemark_is_styled_with_the_map_look(exported):
    _path, doc, records = exported
    styles = {s.get("id"): s for s in doc.iterfind(".//k:Style", NS)}
    placemarks = doc.findall(".//k:Placemark", NS)
    assert len(placemarks) == len(records)
    for pm, record in zip(placemarks, records, strict=True):
        look = symbology.look(record["status"], record["kind"], record["geometry_accuracy"])
        style = styles[pm.findtext("k:styleUrl", namespaces=NS).removeprefix("#")]
        colour = kml.kml_colour(vocab.STATUS_BY_CODE[record["status"]].colour, look.opacity)
        assert style.findtext("k:LineStyle/k:color", namespaces=NS) == colour
        assert style.findtext("k:IconStyle/k:color", namespaces=NS) == colour
        assert style.find("k:IconStyle/k:Icon/k:href", NS) is not None  # points as icons
        weight = vocab.KIND_BY_CODE[record["kind"]].weight or symbology.DEFAULT_WEIGHT
        assert style.findtext("k:LineStyle/k:width", namespaces=NS) == str(weight)
    # two statuses, two colours: lines are no longer all one colour
    assert len({s.findtext("k:LineStyle/k:color", namespaces=NS) for s in styles.values()}) > 2
    # aabbggrr: under construction is #fd7e14 -> 'f2' alpha, then 14 7e fd
    assert kml.kml_colour("#fd7e14", 0.95) == "f2147efd"


def test_money_is_a_typed_number_and_dates_make_a_time_span(exported):
    _path, doc, records = exported
    fields = {f.get("name"): f.get("type") for f in doc.iterfind(".//k:Schema/k:SimpleField", NS)}
    assert fields["total_investment_vnd"] == "double" and fields["disbursed_vnd"] == "double"
    assert fields["days_late"] == "int" and fields["name_vi"] == "string"
    spans = 0
    for pm, record in zip(doc.iterfind(".//k:Placemark", NS), records, strict=True):
        data = {d.get("name"): d.text for d in pm.iterfind(".//k:SimpleData", NS)}
        if record["total_investment_vnd"] is not None:
            assert int(data["total_investment_vnd"]) == record["total_investment_vnd"]
        begin = record["actual_start"] or record["planned_start"]
        end = record["actual_end"] or record["planned_end"]
        assert pm.findtext("k:TimeSpan/k:begin", namespaces=NS) == begin
        assert pm.findtext("k:TimeSpan/k:end", namespaces=NS) == end
        spans += begin is not None or end is not None
    assert spans >= 3  # the seed's projects have dates


def test_stored_text_is_escaped_and_stays_text(exported):
    _path, doc, records = exported
    nasty = next(pm for pm in doc.iterfind(".//k:Placemark", NS)
                 if pm.findtext(".//k:SimpleData[@name='code']", namespaces=NS) == "test-nasty")
    expected = NASTY
    assert nasty.findtext("k:name", namespaces=NS) == expected
    assert nasty.findtext(".//k:SimpleData[@name='name_vi']", namespaces=NS) == expected
    assert not doc.findall(".//b") and not doc.findall(".//script")  # no markup got in
    assert nasty.findtext("k:TimeSpan/k:begin", namespaces=NS) == "2026"  # a year stays a year


def test_fastkml_reads_every_placemark_with_its_data(exported):
    from fastkml import kml as fkml

    path, _doc, records = exported
    document = fkml.KML.from_string(path.read_bytes()).features[0]
    folder = document.features[0]
    assert folder.name == kml.LAYER
    assert [pm.extended_data.elements[0].data[0].value for pm in folder.features] == \
        [r["code"] for r in records]
    assert {s.id for s in document.styles} >= {pm.style_url.url[1:] for pm in folder.features}


def test_gdal_reads_numbers_as_numbers_and_the_time_span(exported):
    path, _doc, records = exported
    info = pyogrio.read_info(path)
    dtypes = dict(zip(info["fields"], info["dtypes"], strict=True))
    assert dtypes["total_investment_vnd"] == "float64" and dtypes["days_late"] == "int32"
    df = pyogrio.read_dataframe(path)
    assert list(df["code"]) == [r["code"] for r in records]
    by_code = {r["code"]: r for r in records}
    for row in df.to_dict("records"):
        record = by_code[row["code"]]
        if record["total_investment_vnd"] is not None:
            assert row["total_investment_vnd"] == record["total_investment_vnd"]
        end = record["actual_end"] or record["planned_end"]
        if end and len(end) == 10:  # GDAL parses full dates (a bare year it leaves empty)
            assert row["end"].date().isoformat() == end
    assert df.loc[df["code"] == "test-unlocated", "geometry"].isna().all()
