"""The exports in the real clients GIS offices run: GDAL 3.6's ogrinfo and QGIS 3.22 (Debian
12's `gdal-bin` and `python3-qgis`, the long-term release the issue names). QGIS must apply the
GeoPackage's default style and the Shapefile's .qml on open, load the .sld, and give every
feature a symbol in its status colour. These clients are system packages, not pip ones: the
tests skip where they are not installed (`apt-get install gdal-bin python3-qgis`)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import textwrap
import zipfile

import pytest

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
    run = subprocess.run(["ogrinfo", "-ro", "-so", path, "du_an"], capture_output=True,
                         text=True, check=True)
    assert "Warning" not in run.stderr + run.stdout and "Feature Count: 10" in run.stdout


@needs_qgis
def test_qgis_applies_the_styles_of_the_geopackage_and_the_shapefiles(seeded_app, tmp_path):
    gpkg = export(seeded_app, tmp_path, "gpkg")
    with zipfile.ZipFile(export(seeded_app, tmp_path, "shp.zip")) as zf:
        zf.extractall(tmp_path / "shp")
    shps = sorted(str(p) for p in (tmp_path / "shp").glob("*.shp"))
    slds = [s[:-4] + ".sld" for s in shps]
    uris = [f"{gpkg}|layername=du_an", *shps, *slds]
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
