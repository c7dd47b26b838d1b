"""The web map's look in QGIS: the GeoPackage is version 1.2 (GDAL 3.6 and QGIS 3.22 open it
without a warning) and carries QGIS's `layer_styles` with a default QML and SLD; the Shapefile
zip ships a .qml and .sld beside each .shp. The rules' filters are run for real (QML's in the
GeoPackage's own SQLite, SLD's by a small evaluator of the OGC filter) and every feature must
be matched by exactly one rule of its geometry family, drawn in its status colour."""

from __future__ import annotations

import re
import sqlite3
import warnings
import zipfile
from pathlib import Path
from typing import Any

import pyogrio
import pytest
from lxml import etree
from shapely.geometry import MultiLineString, Polygon

from maps import styles as map_styles
from tests.factories import make_project
from tracker import symbology, vocab
from tracker.fields import SHP_NAMES
from tracker.formats import qgis_style
from tracker.services.base import transaction

SLD = {"sld": qgis_style.SLD_NS, "ogc": qgis_style.OGC_NS}
GPKG_APPLICATION_ID = 0x47504B47  # "GPKG"


@pytest.fixture
def styled_app(seeded_app):
    """The seed (lines and the Vàm Xáng bridge) plus an area and an exactly placed line."""
    with seeded_app.extensions["tracker"].sessions() as s, transaction(s):
        s.add(make_project("test-area", kind="other", status="approved",
                           geometry=Polygon([(105.70, 10.00), (105.70, 10.05), (105.75, 10.05),
                                             (105.75, 10.00)])))
        s.add(make_project("test-surveyed", kind="road", status="under_construction",
                           geometry_accuracy="surveyed", geometry=MultiLineString([
                               [(105.50, 9.80), (105.55, 9.85)],
                               [(105.56, 9.86), (105.60, 9.90)]])))
    return seeded_app


def download(app, tmp_path, fmt: str, query: str = "") -> str:
    r = app.test_client().get(f"/api/v1/projects.{fmt}{query}")
    assert r.status_code == 200, r.get_data(as_text=True)
    path = tmp_path / f"export.{fmt}"
    path.write_bytes(r.data)
    return str(path)


def rgba(colour: str, opacity: float) -> str:
    h = colour.lstrip("#")
    return f"{int(h[0:2], 16)},{int(h[2:4], 16)},{int(h[4:6], 16)},{round(opacity * 255)}"


def qml_leaves(qml: str) -> list[dict[str, Any]]:
    """Leaf rules of a QML rule renderer: full filter, family and the symbol's layers."""
    root = etree.fromstring(qml.split("\n", 1)[1].encode())  # after the DOCTYPE line
    assert root.tag == "qgis"
    renderer = root.find("renderer-v2")
    assert renderer.get("type") == "RuleRenderer"
    symbols = {s.get("name"): s for s in renderer.find("symbols")}
    leaves = []
    for parent in renderer.find("rules"):
        for rule in parent.iter("rule"):
            if rule.get("symbol") is None:
                continue
            symbol = symbols[rule.get("symbol")]
            layers = [{o.get("name"): o.get("value") for o in layer.find("Option")}
                      for layer in symbol.iter("layer")]
            for layer, el in zip(layers, symbol.iter("layer"), strict=True):
                assert {p.get("k"): p.get("v") for p in el.iter("prop")} == layer
            leaves.append({"filter": f"({parent.get('filter')}) AND ({rule.get('filter')})",
                           "family": {"marker": "point", "line": "line",
                                      "fill": "polygon"}[symbol.get("type")],
                           "layers": layers, "label": rule.get("label")})
    return leaves


def features(path: str, layer: str | None = None) -> list[dict[str, Any]]:
    df = pyogrio.read_dataframe(path, layer=layer)
    return [{**row, "family": symbology.family_of(row["geometry"].geom_type)}
            for row in df.to_dict("records") if row["geometry"] is not None]


# ----------------------------------------------------------------------------- GeoPackage
LAYERS = {"du_an_tuyen": "line", "du_an_diem": "point", "du_an_vung": "polygon"}


def gdal_warnings(path: str) -> list[str]:
    """What GDAL warns about while listing, describing and reading every layer (pyogrio
    raises GDAL's warnings as Python warnings)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for name, _type in pyogrio.list_layers(path):
            pyogrio.read_info(path, layer=name)
            pyogrio.read_dataframe(path, layer=name)
    return [str(w.message) for w in caught]


def styles_by_layer(path: str) -> dict[str, sqlite3.Row]:
    with sqlite3.connect(path) as db:
        db.row_factory = sqlite3.Row
        return {r["f_table_name"]: r for r in db.execute("SELECT * FROM layer_styles")}


def test_geopackage_is_version_1_2_and_opens_without_a_warning(styled_app, tmp_path):
    path = download(styled_app, tmp_path, "gpkg")
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA application_id").fetchone()[0] == GPKG_APPLICATION_ID
        assert db.execute("PRAGMA user_version").fetchone()[0] == 10200
    assert gdal_warnings(path) == []
    assert [str(name) for name in pyogrio.list_layers(path)[:, 0]] == [
        *LAYERS, "layer_styles"]
    # the check can fail: a version this GDAL does not know is warned about, as GDAL 3.6
    # and QGIS 3.22 warn about 1.4
    newer = tmp_path / "newer.gpkg"
    newer.write_bytes(Path(path).read_bytes())
    with sqlite3.connect(newer) as db:
        db.execute("PRAGMA user_version = 10900")
    assert any("user_version" in w for w in gdal_warnings(str(newer)))


def test_geopackage_layer_styles_is_the_table_qgis_reads(styled_app, tmp_path):
    path = download(styled_app, tmp_path, "gpkg")
    with sqlite3.connect(path) as db:
        db.row_factory = sqlite3.Row
        columns = [r["name"] for r in db.execute("PRAGMA table_info(layer_styles)")]
        assert columns == ["id", "f_table_catalog", "f_table_schema", "f_table_name",
                           "f_geometry_column", "styleName", "styleQML", "styleSLD",
                           "useAsDefault", "description", "owner", "ui", "update_time"]
        contents = db.execute("SELECT data_type FROM gpkg_contents "
                              "WHERE table_name = 'layer_styles'").fetchone()
        assert contents["data_type"] == "attributes"  # core in 1.2: no extension needed
        geometry_columns = dict(db.execute("SELECT table_name, column_name "
                                           "FROM gpkg_geometry_columns").fetchall())
    rows = styles_by_layer(path)
    assert set(rows) == set(LAYERS) == set(geometry_columns)  # one default style a layer
    for layer, row in rows.items():
        # QGIS looks the default up by schema '', table name and geometry column
        assert (row["f_table_schema"], row["f_geometry_column"]) == (
            "", geometry_columns[layer])
        assert row["useAsDefault"] == 1 and row["styleName"] == qgis_style.STYLE_NAME
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", row["update_time"])
        etree.fromstring(row["styleSLD"].encode())
        assert {leaf["family"] for leaf in qml_leaves(row["styleQML"])} == {LAYERS[layer]}
    # GDAL reads the table too, with its boolean typed
    styles = pyogrio.read_dataframe(path, layer="layer_styles")
    assert styles["useAsDefault"].map(bool).tolist() == [True] * len(LAYERS)


def test_every_feature_matches_exactly_one_qml_rule_in_its_colour(styled_app, tmp_path):
    path = download(styled_app, tmp_path, "gpkg")
    seen = set()
    for layer, style in styles_by_layer(path).items():
        leaves = qml_leaves(style["styleQML"])
        with sqlite3.connect(path) as db:
            matched = {i: {code for (code,) in db.execute(
                f"SELECT code FROM {layer} WHERE {leaf['filter']}")}  # QGIS expressions: SQL
                for i, leaf in enumerate(leaves)}
        rows = features(path, layer)
        assert {r["family"] for r in rows} == {LAYERS[layer]}  # one family a layer
        for row in rows:
            hits = [leaves[i] for i, codes in matched.items()
                    if row["code"] in codes and leaves[i]["family"] == row["family"]]
            assert len(hits) == 1, (row["code"], [h["label"] for h in hits])
            look = symbology.look(row["status"], row["kind"], row["geometry_accuracy"])
            top = hits[0]["layers"][-1]
            colour = vocab.STATUS_BY_CODE[row["status"]].colour
            if row["family"] == "point":
                assert top["color"] == rgba(colour, look.opacity)
                assert top["size_unit"] == "Pixel"
            elif row["family"] == "line":
                assert top["line_color"] == rgba(colour, look.opacity)
                assert top["line_width"] == str(look.weight)
            else:
                assert top["color"] == rgba(colour, look.fill_opacity)
            seen.add(row["family"])
        if layer == "du_an_tuyen":
            waterway = next(leaf for leaf in leaves if leaf["label"].startswith("Đường thủy"))
            band, dashes = waterway["layers"]
            assert band["line_color"].startswith("58,141,222,")  # the water blue under dashes
            assert dashes["customdash"] == "10;8" and dashes["use_custom_dash"] == "1"
    assert seen == {"point", "line", "polygon"}


# ----------------------------------------------------------------------------------- SLD
def sld_matches(el: Any, row: dict[str, Any]) -> bool:
    """The OGC filter operators the style uses, evaluated on a row."""
    tag = etree.QName(el).localname
    kids = list(el)
    if tag == "Filter":
        return sld_matches(kids[0], row)
    if tag == "And":
        return all(sld_matches(k, row) for k in kids)
    if tag == "Or":
        return any(sld_matches(k, row) for k in kids)
    value = row.get(kids[0].text)
    value = None if value != value else value  # NaN from pandas is null
    if tag == "PropertyIsNull":
        return value is None
    if tag == "PropertyIsEqualTo":
        return value is not None and str(value) == kids[1].text
    if tag == "PropertyIsNotEqualTo":
        return value is not None and str(value) != kids[1].text
    raise AssertionError(f"unexpected filter operator {tag}")


def check_sld(sld: str, layer: str, rows: list[dict[str, Any]], families: set[str]) -> None:
    doc = etree.fromstring(sld.encode())
    assert etree.QName(doc).localname == "StyledLayerDescriptor" and doc.get("version") == "1.0.0"
    named = doc.find("sld:NamedLayer", SLD)
    assert named.findtext("sld:Name", namespaces=SLD) == layer
    levels = named.findall("sld:UserStyle/sld:FeatureTypeStyle", SLD)
    assert levels
    statuses_seen = set()
    for fts in levels:
        for rule in fts.findall("sld:Rule", SLD):
            f = rule.find("ogc:Filter", SLD)
            assert f is not None, rule.findtext("sld:Name", namespaces=SLD)
            status = f.find("ogc:And/ogc:PropertyIsEqualTo[1]/ogc:Literal", SLD).text
            statuses_seen.add(status)
    assert statuses_seen == set(vocab.codes(vocab.STATUSES))  # a Filter for every status
    symbolizer = {"point": "PointSymbolizer", "line": "LineSymbolizer",
                  "polygon": "PolygonSymbolizer"}
    for row in rows:
        if row["family"] not in families:
            continue
        colour = vocab.STATUS_BY_CODE[row["status"]].colour
        drawn = [rule for fts in levels for rule in fts.findall("sld:Rule", SLD)
                 if rule.find(f"sld:{symbolizer[row['family']]}", SLD) is not None
                 and sld_matches(rule.find("ogc:Filter", SLD), row)]
        colours = {p.text for rule in drawn for p in rule.iterfind(".//sld:CssParameter", SLD)
                   if p.get("name") in ("stroke", "fill")}
        assert drawn and colour in colours, row["code"]
        # one rule a drawing level: a waterway has its band and its dashes, others one rule
        assert len(drawn) == (2 if row["kind"] == "waterway" else 1), row["code"]


def test_geopackage_sld_filters_every_status_and_draws_each_feature(styled_app, tmp_path):
    path = download(styled_app, tmp_path, "gpkg")
    for layer, style in styles_by_layer(path).items():
        check_sld(style["styleSLD"], layer, features(path, layer), {LAYERS[layer]})


def test_a_single_family_selection_gets_a_style_of_that_family(styled_app, tmp_path):
    path = download(styled_app, tmp_path, "gpkg", "?kind=bridge")
    with sqlite3.connect(path) as db:
        qml = db.execute("SELECT styleQML FROM layer_styles").fetchone()[0]
    assert {leaf["family"] for leaf in qml_leaves(qml)} == {"point"}
    assert "<layerGeometryType>0</layerGeometryType>" in qml


# ----------------------------------------------------------------------------- Shapefile
def test_shapefile_zip_ships_a_qml_and_sld_beside_each_shp(styled_app, tmp_path):
    path = download(styled_app, tmp_path, "shp.zip")
    with zipfile.ZipFile(path) as zf:
        names = set(zf.namelist())
        shps = sorted(n for n in names if n.endswith(".shp"))
        assert len(shps) == 3  # points, lines, areas
        for shp in shps:
            base = shp.removesuffix(".shp")
            assert {f"{base}.qml", f"{base}.sld"} <= names
            family = {"diem": "point", "tuyen": "line", "vung": "polygon"}[base.rsplit("-")[-1]]
            qml = zf.read(f"{base}.qml").decode("utf-8")
            leaves = qml_leaves(qml)
            assert {leaf["family"] for leaf in leaves} == {family}
            geometry_type = {"point": 0, "line": 1, "polygon": 2}[family]
            assert f"<layerGeometryType>{geometry_type}</layerGeometryType>" in qml
            # the Shapefile's 10-character column names, not the record's
            short = SHP_NAMES["geometry_accuracy"]
            assert all(f'"{short}"' in leaf["filter"] for leaf in leaves)
            rows = [{k: v for k, v in r.items()} | {"geometry_accuracy": r[short]}
                    for r in features(f"/vsizip/{path}/{shp}")]
            sld = zf.read(f"{base}.sld").decode("utf-8")
            assert f"<ogc:PropertyName>{short}</ogc:PropertyName>" in sld
            check_sld(sld.replace(f">{short}<", ">geometry_accuracy<"), base, rows, {family})
        assert not any(n.endswith((".qml", ".sld")) and "khong-vi-tri" in n for n in names)
        readme = zf.read("README.txt").decode("utf-8")
    assert ".qml" in readme and ".sld" in readme


# ---------------------------------------------------------------------- one source of look
def test_the_map_and_the_gis_styles_share_one_look():
    assert map_styles.OPACITY is symbology.OPACITY
    assert map_styles.APPROXIMATE_OPACITY is symbology.APPROXIMATE_OPACITY
    assert map_styles.WATER_BLUE == symbology.WATER_BLUE
    for code, k in map_styles.kind_styles("vi").items():
        assert k["symbol"] == symbology.kind_symbol(vocab.KIND_BY_CODE[code])
        assert k["weight"] == symbology.look("proposed", code, None).weight
    for code, s in map_styles.status_styles("vi").items():
        assert s["colour"] == symbology.status_colour(code)


def test_qml_rule_keys_are_unique_and_stable():
    qml = qgis_style.qml(symbology.FAMILIES)
    keys = re.findall(r'key="([^"]+)"', qml)
    assert len(keys) == len(set(keys)) and qml == qgis_style.qml(symbology.FAMILIES)
