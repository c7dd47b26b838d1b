"""GeoJSON export: RFC 7946, and GDAL reads back what the database holds."""

from __future__ import annotations

import json
import re

import pyogrio
import pytest
from shapely.geometry import shape
from sqlalchemy import select

from tests.conftest import TODAY
from tracker.models import Project


def export(seeded_app, tmp_path, *args):
    out = tmp_path / "out.geojson"
    result = seeded_app.test_cli_runner().invoke(
        args=["export", "--format", "geojson", "--output", str(out), *args])
    assert result.exit_code == 0, result.output
    return out


def test_export_lists_every_project_and_gdal_reads_it_back(seeded_app, tmp_path):
    out = export(seeded_app, tmp_path)
    data = json.loads(out.read_text(encoding="utf-8"))
    assert "crs" not in data
    with seeded_app.extensions["tracker"].sessions() as s:
        projects = {p.code: p for p in s.scalars(select(Project))}
    assert {f["id"] for f in data["features"]} == set(projects)
    df = pyogrio.read_dataframe(out)
    assert len(df) == len(projects)
    assert pyogrio.read_info(out)["crs"] == "EPSG:4326"
    by_code = df.set_index("code")
    for code, p in projects.items():
        row = by_code.loc[code]
        assert row["name_vi"] == p.name_vi  # Vietnamese text intact
        assert row["status"] == p.status
        g = row["geometry"]
        assert g.geom_type == p.geometry.geom_type
        assert g.equals_exact(p.geometry, 1e-7)
        minx, miny, maxx, maxy = g.bounds
        assert 104.4 <= minx and maxx <= 106.9 and 8.5 <= miny and maxy <= 11.1  # lon, lat
        if p.total_investment_vnd is not None:
            assert int(row["total_investment_vnd"]) == p.total_investment_vnd


def test_export_is_rfc7946(seeded_app, tmp_path):
    out = export(seeded_app, tmp_path)
    text = out.read_text(encoding="utf-8")
    data = json.loads(text)
    for f in data["features"]:
        coords = re.findall(r"-?\d+\.\d+", json.dumps(f["geometry"]))
        assert all(len(c.split(".")[1]) <= 7 for c in coords)
        props = f["properties"]
        assert props["code"] == f["id"]
        assert props["total_investment_vnd"] is None or isinstance(
            props["total_investment_vnd"], int)
        assert props["length_km"] is None or isinstance(props["length_km"], float)
        for key in ("planned_start", "planned_end", "actual_start", "actual_end"):
            assert props[key] is None or re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", props[key])
        assert shape(f["geometry"]).is_valid


def test_export_with_a_filter_writes_only_the_selection(seeded_app, tmp_path):
    out = export(seeded_app, tmp_path, "--kind", "bridge")
    df = pyogrio.read_dataframe(out)
    assert list(df["code"]) == ["vam-xang-bridge"]
    assert df.geometry.iloc[0].geom_type == "Point"


def test_export_flags_late_projects_against_today(seeded_app, tmp_path):
    data = json.loads(export(seeded_app, tmp_path).read_text(encoding="utf-8"))
    props = {f["id"]: f["properties"] for f in data["features"]}
    for code, p in props.items():
        if p["planned_end"] and p["status"] not in ("completed", "cancelled") \
                and p["planned_end"] < TODAY[: len(p["planned_end"])]:
            assert p["days_late"] and p["days_late"] > 0, code


@pytest.mark.parametrize("bad", [["--bbox", "106,10,105,9"], ["--bbox", "a,b,c,d"]])
def test_export_rejects_bad_filters_with_usage_error(seeded_app, tmp_path, bad):
    result = seeded_app.test_cli_runner().invoke(
        args=["export", "--output", str(tmp_path / "x.geojson"), *bad])
    assert result.exit_code == 2
    assert "bbox" in result.output
    assert not (tmp_path / "x.geojson").exists()
