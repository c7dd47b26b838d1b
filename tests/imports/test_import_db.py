"""Importing into a real database (SQLite and PostGIS): the round trip of the export changes
nothing, every malformed file leaves the database byte-identical, a good file creates and
changes projects with one audit entry each and an imports row, and a confirm applies only
the plan previewed."""

from __future__ import annotations

import dataclasses
import io
import json
import zipfile
from datetime import date

import pytest
from shapely.geometry import LineString, Point, Polygon
from sqlalchemy import select

from tests.db_dump import dump
from tests.imports.helpers import MB, write_gis, zipped
from tests.test_vn2000 import PLACES, vn2000_positions
from tracker.audit import Actor
from tracker.errors import Conflict, InvalidFields
from tracker.exports import export_selection
from tracker.formats.gdal import read_upload
from tracker.models import AuditEntry, ImportRecord, Project
from tracker.queries.filter import ProjectFilter
from tracker.services.imports import Options, apply_import, plan_import

TODAY = date(2026, 11, 21)


def _engine(app):
    return app.extensions["tracker"].engine


def _import(runner, path, *args):
    return runner.invoke(args=["import", str(path), *args])


@pytest.mark.parametrize("fmt,crs", [("gpkg", "EPSG:5897"), ("shp.zip", "EPSG:3405"),
                                     ("gpkg", "EPSG:9209"), ("geojson", None), ("kml", None),
                                     ("csv", None), ("xlsx", None)])
def test_the_round_trip_of_an_export_changes_nothing(seeded_app, session, runner, tmp_path,
                                                     fmt, crs):
    data, _ = export_selection(session, ProjectFilter.from_args({}), fmt, TODAY, crs=crs)
    session.close()
    path = tmp_path / f"export.{fmt}"
    path.write_bytes(data)
    before = dump(_engine(seeded_app))
    result = _import(runner, path)
    assert result.exit_code == 0, result.output
    assert "0 to create, 0 to change" in result.output
    after = dump(_engine(seeded_app))
    imports = after.pop("imports")
    assert len(imports) == 1 and imports[0][10:13] == (0, 0, 10)  # created, changed, unchanged
    before.pop("imports")
    assert after == before


def _malformed(tmp_path):
    """(file name, bytes, what the message says) for each malformed case."""
    cases = []
    cases.append(("broken.geojson", b'{"type": "FeatureCollection", "features": [', "JSON"))
    line = {"type": "Feature", "properties": {"code": "ninh-kieu-bridge", "kind": "bridge",
                                               "name_vi": "Cầu", "status": "proposed",
                                               "geometry_accuracy": "surveyed"},
            "geometry": {"type": "LineString", "coordinates": [[105.7, 10.0], [105.8, 10.1]]}}
    cases.append(("type.geojson", json.dumps({"type": "FeatureCollection",
                                              "features": [line]}).encode(), "must be a Point"))
    bow = {**line, "properties": {**line["properties"], "kind": "other",
                                  "geometry_accuracy": "surveyed"},
           "geometry": {"type": "Polygon", "coordinates": [[[105.7, 10.0], [105.8, 10.1],
                                                            [105.8, 10.0], [105.7, 10.1],
                                                            [105.7, 10.0]]]}}
    cases.append(("bowtie.geojson", json.dumps({"type": "FeatureCollection",
                                                "features": [bow]}).encode(), "not valid"))
    latlon = {**line, "geometry": {"type": "Point", "coordinates": [10.0452, 105.7469]}}
    cases.append(("latlon.geojson", json.dumps({"type": "FeatureCollection",
                                                "features": [latlon]}).encode(), "swapped"))
    cases.append(("empty.csv", b"", "empty"))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("readme.txt", "no shapefile here")
    cases.append(("noshp.zip", buf.getvalue(), "no .shp"))
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("a.shp", b"\0" * (60 * MB))
    cases.append(("bomb.zip", bomb.getvalue(), "zip bomb"))
    trick = io.BytesIO()
    with zipfile.ZipFile(trick, "w") as zf:
        zf.writestr("../../etc/a.shp", b"x")
    cases.append(("trick.zip", trick.getvalue(), "unsafe path"))
    cases.append(("big.geojson", b" " * (2 * MB) + b"{}", "the limit is 1 MB"))
    folder = tmp_path / "prj"
    folder.mkdir()
    write_gis(folder / "s.shp", [{"code": "a-b"}], [Point(500000, 1100000)], "EPSG:5897",
              "ESRI Shapefile")
    (folder / "s.prj").write_text("PROJCS[nonsense")
    cases.append(("badprj.zip", zipped(folder), ".prj cannot be read"))
    mixed = tmp_path / "mixed.gpkg"
    write_gis(mixed, [{"code": "a-b"}], [Point(105.7, 10.0)], "EPSG:4326", "GPKG", layer="a")
    write_gis(mixed, [{"code": "c-d"}], [Point(*vn2000_positions(5897)["Ngã Bảy, Hậu Giang"])],
              "EPSG:5897", "GPKG", layer="b")
    cases.append(("mixed.gpkg", mixed.read_bytes(), "different CRSs"))
    return cases


def test_each_malformed_file_is_refused_clearly_and_the_database_is_byte_identical(
        seeded_app, runner, tmp_path):
    st = seeded_app.extensions["tracker"]
    st.settings = dataclasses.replace(st.settings, max_upload_mb=1)
    for name, data, message in _malformed(tmp_path):
        path = tmp_path / name
        path.write_bytes(data)
        before = dump(_engine(seeded_app))
        for extra in ((), ("--dry-run",)):
            result = _import(runner, path, *extra)
            assert result.exit_code == 1, (name, result.output)
            assert message in result.output, (name, result.output)
            assert "Traceback" not in result.output
        assert dump(_engine(seeded_app)) == before, name


def _csv(rows: list[str]) -> bytes:
    return ("\n".join(rows) + "\n").encode("utf-8")


def test_a_good_file_creates_and_changes_with_one_audit_entry_each(seeded_app, session,
                                                                   runner, tmp_path):
    x, y = vn2000_positions(5897)["Ngã Bảy, Hậu Giang"]
    path = tmp_path / "khao-sat.csv"
    path.write_bytes(_csv([
        "ma_du_an,ten_du_an,loai,trang_thai,tien_do,do_chinh_xac,X,Y,ghi_chu_khac",
        f"cau-nga-bay-moi,Cầu Ngã Bảy mới,bridge,Đang thi công,12,surveyed,{y:.3f},{x:.3f},z",
        "bon-tong-mot-ngan,,,,100,,,,",
    ]))
    dry = _import(runner, path, "--dry-run", "--crs", "EPSG:5897")
    assert dry.exit_code == 0, dry.output
    assert "1 to create, 1 to change" in dry.output and "ghi_chu_khac" in dry.output
    assert "progress_pct: None → 100.0" in dry.output
    assert session.scalar(select(Project).where(Project.code == "cau-nga-bay-moi")) is None
    done = _import(runner, path, "--crs", "EPSG:5897")
    assert done.exit_code == 0, done.output
    new = session.scalar(select(Project).where(Project.code == "cau-nga-bay-moi"))
    lon, lat = PLACES["Ngã Bảy, Hậu Giang"]
    assert new.geometry.distance(Point(lon, lat)) < 1e-6 and new.status == "under_construction"
    changed = session.scalar(select(Project).where(Project.code == "bon-tong-mot-ngan"))
    assert changed.progress_pct == 100
    record = session.scalar(select(ImportRecord))
    assert (record.file_name, record.created, record.changed, record.crs) == (
        "khao-sat.csv", 1, 1, "EPSG:5897")
    entries = session.scalars(select(AuditEntry).where(AuditEntry.import_id == record.id)).all()
    assert sorted(e.project_id for e in entries) == sorted([new.id, changed.id])
    assert all(e.kind == "import" for e in entries)


def test_a_fact_without_a_source_rejects_the_file(seeded_app, runner, tmp_path):
    path = tmp_path / "facts.csv"
    path.write_bytes(_csv(["code,tong_muc_dau_tu", "bon-tong-mot-ngan,1000000000"]))
    before = dump(_engine(seeded_app))
    result = _import(runner, path)
    assert result.exit_code == 1 and "no source is cited" in result.output
    assert dump(_engine(seeded_app)) == before
    ok = _import(runner, path, "--source", "s1-baocantho-2021")
    assert ok.exit_code == 0, ok.output


def test_confirm_applies_only_the_previewed_plan(seeded_app, session):
    data = _csv(["code,name_en", "bon-tong-mot-ngan,New English name"])
    settings = seeded_app.extensions["tracker"].settings

    def read():
        return read_upload(data, "names.csv", max_bytes=MB, region=settings.region_bbox)

    plan = plan_import(session, read(), Options(), today=TODAY)
    assert plan.counts()["changed"] == 1
    assert plan.of("change")[0].changes[0]["new"] == "New English name"
    project = session.scalar(select(Project).where(Project.code == "bon-tong-mot-ngan"))
    project.name_vi = "Tên đã đổi"  # someone edits in between
    session.commit()
    before = dump(_engine(seeded_app))
    with pytest.raises(Conflict, match="changed since the preview"):
        apply_import(session, Actor("test"), read(), Options(), today=TODAY,
                     expected_token=plan.token)
    assert dump(_engine(seeded_app)) == before
    fresh = plan_import(session, read(), Options(), today=TODAY)
    apply_import(session, Actor("test"), read(), Options(), today=TODAY,
                 expected_token=fresh.token)
    session.refresh(project)
    assert project.name_en == "New English name" and project.name_vi == "Tên đã đổi"


def test_rejections_name_the_feature_and_nothing_is_written(seeded_app, session):
    data = _csv(["code,name_vi,kind,status,progress_pct,WKT,page_url",
                 "ok-road,Đường,road,proposed,5,,x",
                 "bad-road,Đường,road,proposed,150,,x",
                 "Bad Code,Đường,road,proposed,,,x"])
    settings = seeded_app.extensions["tracker"].settings
    read = read_upload(data, "x.csv", max_bytes=MB, region=settings.region_bbox)
    plan = plan_import(session, read, Options(), today=TODAY)
    assert [(r.number, r.field) for r in plan.rejected] == [(3, "code"), (2, "progress_pct")]
    before = dump(_engine(seeded_app))
    with pytest.raises(InvalidFields) as exc:
        apply_import(session, Actor("test"), read, Options(), today=TODAY)
    assert "feature 2.progress_pct" in [e["field"] for e in exc.value.errors]
    assert dump(_engine(seeded_app)) == before


def test_geopackage_layers_and_multi_parts_round_trip(seeded_app, session, tmp_path):
    path = write_gis(tmp_path / "two.gpkg", [{"code": "new-line", "name_vi": "Tuyến",
                                              "kind": "road", "status": "proposed",
                                              "geometry_accuracy": "digitised"}],
                     [LineString([(105.5, 9.8), (105.6, 9.9)])], "EPSG:4326", "GPKG",
                     layer="lines", promote_to_multi=True)
    write_gis(path, [{"code": "new-area", "name_vi": "Vùng", "kind": "other",
                      "status": "proposed", "geometry_accuracy": "digitised"}],
              [Polygon([(105.5, 9.8), (105.6, 9.8), (105.6, 9.9)])], "EPSG:4326", "GPKG",
              layer="areas")
    settings = seeded_app.extensions["tracker"].settings
    read = read_upload(path.read_bytes(), "two.gpkg", max_bytes=MB,
                       region=settings.region_bbox)
    assert read.layers == ["lines", "areas"]
    apply_import(session, Actor("test"), read, Options(), today=TODAY)
    line = session.scalar(select(Project).where(Project.code == "new-line"))
    assert line.geometry.geom_type == "LineString"  # the one-part multi made single
