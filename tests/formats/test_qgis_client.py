"""The exports in the real clients GIS offices run: GDAL 3.6's ogrinfo and QGIS 3.22 (Debian
12's `gdal-bin` and `python3-qgis`, the long-term release the issue names). QGIS must apply the
GeoPackage's default style and the Shapefile's .qml on open, load the .sld, and give every
feature a symbol in its status colour; and every project must draw, from the GeoPackage, the
Shapefiles, the CSV's X/Y and the OGC API collections: a layer of one geometry type whose
features are all of that type (QGIS does not draw a Point in a LineString layer), the layers
together holding every project. These clients are system packages, not pip ones: the tests
skip where they are not installed (`apt-get install gdal-bin python3-qgis`)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import textwrap
import zipfile

import pytest

from tests.api.helpers import live_server
from tests.conftest import TODAY
from tracker import vocab

SYSTEM_PYTHON = "/usr/bin/python3"

_QGIS_SCRIPT = textwrap.dedent("""
    import json, os, sys
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from qgis.core import Qgis, QgsApplication, QgsRenderContext, QgsVectorLayer
    app = QgsApplication([], False)
    app.initQgis()

    def symbols(layer):
        r = layer.renderer()
        ctx = QgsRenderContext()
        r.startRender(ctx, layer.fields())
        out = {}
        for f in layer.getFeatures():
            out[f["code"]] = {"status": f["status"], "colours": [
                s.symbolLayer(s.symbolLayerCount() - 1).color().name()
                for s in r.symbolsForFeature(f, ctx)]}
        r.stopRender(ctx)
        return {"valid": layer.isValid(), "renderer": r.type(), "features": out}

    result = {"version": Qgis.QGIS_VERSION, "layers": {}}
    for uri in sys.argv[1:]:
        if uri.endswith(".sld"):
            shp = uri[:-4] + ".shp"
            layer = QgsVectorLayer(shp, "sld", "ogr")
            message, ok = layer.loadSldStyle(uri)
            result["layers"][uri] = symbols(layer) | {"loaded": ok, "message": message}
        else:
            result["layers"][uri] = symbols(QgsVectorLayer(uri, "x", "ogr"))
    print(json.dumps(result), flush=True)
    os._exit(0)  # QGIS can crash tearing down from Python; the answer is out already
""")


# Each layer QGIS opens (provider and URI): its type, and for each feature whether QGIS would
# draw it (a geometry of the layer's type, and a symbol from the layer's renderer).
_QGIS_DRAW_SCRIPT = textwrap.dedent("""
    import json, os, sys
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from qgis.core import QgsApplication, QgsRenderContext, QgsVectorLayer, QgsWkbTypes
    app = QgsApplication([], False)
    app.initQgis()
    result = {}
    for spec in sys.argv[1:]:
        provider, uri = spec.split(" ", 1)
        layer = QgsVectorLayer(uri, "x", provider)
        out = {"valid": layer.isValid(), "type": QgsWkbTypes.displayString(layer.wkbType()),
               "features": {}}
        r = layer.renderer() if layer.isValid() else None  # none for a layer of no type
        if r is not None:
            ctx = QgsRenderContext()
            r.startRender(ctx, layer.fields())
            for f in layer.getFeatures():
                g = f.geometry()
                out["features"][str(f["code"])] = {
                    "type": QgsWkbTypes.displayString(g.wkbType()),
                    "drawn": not g.isNull() and not g.isEmpty()
                    and QgsWkbTypes.geometryType(g.wkbType()) == layer.geometryType()
                    and len(r.symbolsForFeature(f, ctx)) > 0}
            r.stopRender(ctx)
        result[spec] = out
    print(json.dumps(result), flush=True)
    os._exit(0)
""")


def qgis_layers(*specs: str) -> dict:
    run = subprocess.run([SYSTEM_PYTHON, "-c", _QGIS_DRAW_SCRIPT, *specs], capture_output=True,
                         text=True, timeout=180)
    assert run.returncode == 0, run.stderr
    result: dict = json.loads(run.stdout.strip().splitlines()[-1])
    return result


def qgis_available() -> bool:
    if not os.path.exists(SYSTEM_PYTHON):
        return False
    probe = subprocess.run([SYSTEM_PYTHON, "-c", "import qgis.core"], capture_output=True)
    return probe.returncode == 0


IN_CI = os.environ.get("CI") == "true"  # CI installs both (.ci/run): there a skip is a failure
needs_qgis = pytest.mark.skipif(not IN_CI and not qgis_available(),
                                reason="QGIS (python3-qgis) not installed")
needs_ogrinfo = pytest.mark.skipif(not IN_CI and shutil.which("ogrinfo") is None,
                                   reason="GDAL's ogrinfo (gdal-bin) not installed")


def export(app, tmp_path, fmt: str) -> str:
    r = app.test_client().get(f"/api/v1/projects.{fmt}")
    assert r.status_code == 200
    path = tmp_path / f"export.{fmt}"
    path.write_bytes(r.data)
    return str(path)


@needs_ogrinfo
def test_system_gdal_opens_the_geopackage_without_a_warning(seeded_app, tmp_path):
    path = export(seeded_app, tmp_path, "gpkg")
    run = subprocess.run(["ogrinfo", "-ro", "-so", "-al", path], capture_output=True,
                         text=True, check=True)
    out = run.stderr + run.stdout
    assert "Warning" not in out and "ERROR" not in out
    counts = {layer: int(n) for layer, n in re.findall(
        r"Layer name: (\S+)\n(?:.*\n)*?Feature Count: (\d+)", run.stdout)}
    assert counts == {"du_an_tuyen": 9, "du_an_diem": 1, "layer_styles": 2}  # a style a layer
    assert "Geometry: Point" in run.stdout and "Geometry: Line String" in run.stdout
    assert "LICENCE=CC BY 4.0" in run.stdout  # the file's card, in gpkg_metadata


@needs_qgis
def test_qgis_applies_the_styles_of_the_geopackage_and_the_shapefiles(seeded_app, tmp_path):
    gpkg = export(seeded_app, tmp_path, "gpkg")
    with zipfile.ZipFile(export(seeded_app, tmp_path, "shp.zip")) as zf:
        zf.extractall(tmp_path / "shp")
    shps = sorted(str(p) for p in (tmp_path / "shp").glob("*.shp"))
    slds = [s[:-4] + ".sld" for s in shps]
    uris = [f"{gpkg}|layername=du_an_tuyen", f"{gpkg}|layername=du_an_diem", *shps, *slds]
    run = subprocess.run([SYSTEM_PYTHON, "-c", _QGIS_SCRIPT, *uris], capture_output=True,
                         text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout.strip().splitlines()[-1])
    assert result["version"].startswith("3.")
    drawn: set[str] = set()
    for uri, layer in result["layers"].items():
        assert layer["valid"], uri
        assert layer["renderer"] == "RuleRenderer", uri  # our style, not QGIS's random one
        if uri.endswith(".sld"):
            assert layer["loaded"], layer["message"]
        for code, feature in layer["features"].items():
            colour = vocab.STATUS_BY_CODE[feature["status"]].colour
            assert colour in feature["colours"], (uri, code, feature)
            drawn.add(code)
    assert "vam-xang-bridge" in drawn and len(drawn) == 10


@needs_qgis
def test_every_project_draws_in_qgis_from_every_layered_source(seeded_app, db_url, tmp_path):
    """The GeoPackage's layers, the Shapefiles, the CSV read by X/Y, and the OGC API's
    family collections (from a running server): each layer has one geometry type, QGIS draws
    every feature in it, and the layers hold every project once. The mixed `projects`
    collection is kept for other clients; QGIS types it as lines and cannot draw the bridge
    there, which is what the family collections are for."""
    from shapely.geometry import Polygon

    from tests.factories import make_project
    from tracker.queries.filter import ProjectFilter
    from tracker.queries.select import select_projects
    from tracker.services.base import transaction

    with seeded_app.extensions["tracker"].sessions() as s, transaction(s):
        s.add(make_project("test-area", kind="other", status="approved", geometry=Polygon(
            [(105.70, 10.00), (105.70, 10.05), (105.75, 10.05), (105.75, 10.00)])))
        s.add(make_project("test-unlocated", kind="road", geometry=None))
    with seeded_app.extensions["tracker"].sessions() as s:
        every = select_projects(s, ProjectFilter())
        located = {p.code for p in every if p.geometry}
    assert {"vam-xang-bridge", "test-area"} <= located and len(located) == len(every) - 1
    gpkg = export(seeded_app, tmp_path, "gpkg")
    csv = export(seeded_app, tmp_path, "csv")
    with zipfile.ZipFile(export(seeded_app, tmp_path, "shp.zip")) as zf:
        zf.extractall(tmp_path / "shp")
    shps = sorted(str(p) for p in (tmp_path / "shp").glob("*.shp"))
    sources = {
        "gpkg": [f"ogr {gpkg}|layername={layer}"
                 for layer in ("du_an_tuyen", "du_an_diem", "du_an_vung")],
        "shp": [f"ogr {shp}" for shp in shps],
        "csv": [f"delimitedtext file://{csv}?type=csv&xField=X&yField=Y&crs=EPSG:4326"
                "&encoding=UTF-8&geomType=point"],
    }
    with live_server(db_url, TODAY, str(tmp_path)) as base:
        sources["ogc"] = [f"OAPIF url='{base}/ogc' typename='{cid}'"
                          for cid in ("projects-lines", "projects-points", "projects-areas")]
        mixed = f"OAPIF url='{base}/ogc' typename='projects'"
        result = qgis_layers(*(spec for specs in sources.values() for spec in specs), mixed)
    for name, specs in sources.items():
        drawn: list[str] = []
        for spec in specs:
            layer = result[spec]
            assert layer["valid"], spec
            assert layer["features"], spec
            for code, feature in layer["features"].items():
                # a CSV row without a location has no point to draw; every other draws
                assert feature["drawn"] or code not in located, (spec, code, feature)
            drawn += [code for code, feature in layer["features"].items() if feature["drawn"]]
        assert sorted(drawn) == sorted(located), name  # every located project, each once
    # and the one not located yet is in the GeoPackage's table without geometry
    import pyogrio

    assert list(pyogrio.read_dataframe(gpkg, layer="du_an_khong_vi_tri")["code"]) == [
        "test-unlocated"]
    csv_layer = result[sources["csv"][0]]
    assert csv_layer["type"] == "Point" and len(csv_layer["features"]) == len(every)
    assert [result[spec]["type"] for spec in sources["ogc"]] == [
        "LineString", "Point", "Polygon"]
    assert not result[mixed]["features"]["vam-xang-bridge"]["drawn"]  # defect 5, kept
