"""The web map's look as GIS styles: a QGIS style (QML) and an OGC Styled Layer Descriptor
(SLD 1.0) that draw a layer of projects by status and kind exactly as tracker.symbology says
(status colour, kind weight and dash, round markers, the water band, approximate lighter), and
the GeoPackage `layer_styles` table QGIS reads the default style of a layer from.

Both styles are rule lists generated from the vocabularies: a rule per status, and under it a
rule per kind, accuracy and geometry family. Nothing here is hand-drawn, so a new status or
colour in tracker.vocab reaches QGIS with the next export.
"""

from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path

from tracker import symbology, vocab

STYLE_NAME = "tracker-map"
QGIS_VERSION = "3.22.0-Białowieża"  # the oldest long-term release GIS offices still run
RECORD_COLUMNS = {"status": "status", "kind": "kind", "geometry_accuracy": "geometry_accuracy"}
# QML's layerGeometryType: a style that names one is refused by QGIS for other layer types,
# so it is written only for single-family layers (the Shapefiles).
_QGIS_GEOMETRY_TYPE = {"point": "0", "line": "1", "polygon": "2"}
_FAMILY_LABEL = {"point": ("điểm", "points"), "line": ("tuyến", "lines"),
                 "polygon": ("vùng", "areas")}
_NS_UUID = uuid.UUID("5b0e7c1e-8f0a-4c9e-9a51-6d7f3f1d2c10")  # stable rule keys, same file twice


@dataclass(frozen=True)
class StyleRule:
    """One leaf rule: projects of a status and kind, exact or approximate, of one family."""

    status: vocab.Status
    kind: vocab.Kind
    look: symbology.Look
    family: str

    def label(self, lang: str) -> str:
        text = self.kind.label(lang)
        if len(symbology.kind_families(self.kind)) > 1:
            text += f" ({_FAMILY_LABEL[self.family][1 if lang == 'en' else 0]})"
        if self.look.approximate:
            accuracy = vocab.lookup(vocab.GEOMETRY_ACCURACY, symbology.APPROXIMATE)
            text += f" – {accuracy.label(lang).lower() if accuracy else symbology.APPROXIMATE}"
        return text


def rules(families: Sequence[str]) -> list[StyleRule]:
    """Every leaf rule for a layer holding `families`, in vocabulary order."""
    out = []
    for lk, kind_families in symbology.every_look():
        status = vocab.STATUS_BY_CODE[lk.status]
        kind = vocab.KIND_BY_CODE[lk.kind]
        out += [StyleRule(status, kind, lk, f) for f in kind_families if f in families]
    return out


def _rgba(rgb: str, opacity: float) -> str:
    h = rgb.lstrip("#")
    return f"{int(h[0:2], 16)},{int(h[2:4], 16)},{int(h[4:6], 16)},{round(opacity * 255)}"


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


# ----------------------------------------------------------------------------------- QML
def _props(layer: ET.Element, props: Mapping[str, str]) -> None:
    """Symbol-layer properties in both spellings QGIS 3.x reads (Option map, old prop list)."""
    options = ET.SubElement(layer, "Option", type="Map")
    for key, value in props.items():
        ET.SubElement(options, "Option", name=key, type="QString", value=value)
    for key, value in props.items():
        ET.SubElement(layer, "prop", k=key, v=value)


def _line_props(colour: str, width: int, dash: tuple[int, ...] | None) -> dict[str, str]:
    props = {"line_color": colour, "line_width": str(width), "line_width_unit": "Pixel",
             "line_style": "solid", "joinstyle": "round",
             "capstyle": "flat" if dash else "round", "offset": "0", "offset_unit": "Pixel"}
    if dash:
        props |= {"use_custom_dash": "1", "customdash": ";".join(str(d) for d in dash),
                  "customdash_unit": "Pixel"}
    return props


def _qml_symbol(symbols: ET.Element, name: str, rule: StyleRule) -> None:
    lk = rule.look
    kind = {"point": "marker", "line": "line", "polygon": "fill"}[rule.family]
    symbol = ET.SubElement(symbols, "symbol", name=name, type=kind, alpha="1",
                           clip_to_extent="1", force_rhr="0")
    heaviest = max(k.weight for k in vocab.KINDS)
    if rule.family == "point":
        layer = ET.SubElement(symbol, "layer", {"class": "SimpleMarker", "enabled": "1",
                                                "locked": "0", "pass": str(3 + heaviest)})
        _props(layer, {
            "name": "circle", "color": _rgba(lk.colour, lk.opacity),
            "outline_color": _rgba(lk.marker_outline, lk.marker_outline_opacity),
            "outline_style": "dash" if lk.marker_outline_dash else "solid",
            "outline_width": str(lk.marker_outline_width), "outline_width_unit": "Pixel",
            "size": str(2 * lk.marker_radius), "size_unit": "Pixel", "angle": "0",
            "scale_method": "diameter", "joinstyle": "round"})
    elif rule.family == "line":
        if lk.symbol == "water":
            band = ET.SubElement(symbol, "layer", {"class": "SimpleLine", "enabled": "1",
                                                   "locked": "0", "pass": "1"})
            _props(band, _line_props(_rgba(lk.water_colour, lk.water_opacity),
                                     lk.water_weight, None) | {"capstyle": "flat"})
        layer = ET.SubElement(symbol, "layer", {"class": "SimpleLine", "enabled": "1",
                                                "locked": "0",
                                                "pass": str(2 + heaviest - lk.weight)})
        _props(layer, _line_props(_rgba(lk.colour, lk.opacity), lk.weight, lk.dash))
    else:
        layer = ET.SubElement(symbol, "layer", {"class": "SimpleFill", "enabled": "1",
                                                "locked": "0", "pass": "0"})
        _props(layer, {
            "color": _rgba(lk.colour, lk.fill_opacity), "style": "solid",
            "outline_color": _rgba(lk.colour, lk.opacity), "outline_style": "solid",
            "outline_width": str(lk.weight), "outline_width_unit": "Pixel",
            "joinstyle": "round"})


def _accuracy_filter(column: str, approximate: bool) -> str:
    if approximate:
        return f"{_quoted(column)} = {_literal(symbology.APPROXIMATE)}"
    return f"coalesce({_quoted(column)}, '') <> {_literal(symbology.APPROXIMATE)}"


def _key(*parts: str) -> str:
    return "{" + str(uuid.uuid5(_NS_UUID, "/".join(parts))) + "}"


def qml(families: Sequence[str], columns: Mapping[str, str] = RECORD_COLUMNS,
        lang: str = "vi") -> str:
    """A QGIS style (rule-based renderer with symbol levels) for a layer holding the
    geometry `families` ('point', 'line', 'polygon'); `columns` names the status, kind and
    accuracy columns in the file (a Shapefile's are shorter)."""
    return _qml(tuple(families), tuple(sorted(columns.items())), lang)


@lru_cache(maxsize=32)  # a pure function of the vocabularies: built once a process
def _qml(families: tuple[str, ...], column_pairs: tuple[tuple[str, str], ...],
         lang: str) -> str:
    columns = dict(column_pairs)
    root = ET.Element("qgis", version=QGIS_VERSION, styleCategories="Symbology")
    renderer = ET.SubElement(root, "renderer-v2", type="RuleRenderer", symbollevels="1",
                             enableorderby="0", forceraster="0",
                             referencescale="-1")
    top = ET.SubElement(renderer, "rules", key=_key("root"))
    symbols = ET.Element("symbols")
    parents: dict[str, ET.Element] = {}
    for number, rule in enumerate(rules(families)):
        parent = parents.get(rule.status.code)
        if parent is None:
            parent = ET.SubElement(top, "rule", key=_key(rule.status.code),
                                   label=rule.status.label(lang),
                                   filter=f"{_quoted(columns['status'])} = "
                                          f"{_literal(rule.status.code)}")
            parents[rule.status.code] = parent
        name = str(number)
        ET.SubElement(parent, "rule", key=_key(rule.look.key, rule.family), symbol=name,
                      label=rule.label(lang),
                      filter=f"{_quoted(columns['kind'])} = {_literal(rule.kind.code)} AND "
                             + _accuracy_filter(columns["geometry_accuracy"],
                                                rule.look.approximate))
        _qml_symbol(symbols, name, rule)
    renderer.append(symbols)
    ET.SubElement(root, "blendMode").text = "0"
    ET.SubElement(root, "featureBlendMode").text = "0"
    ET.SubElement(root, "layerOpacity").text = "1"
    if len(families) == 1:
        ET.SubElement(root, "layerGeometryType").text = _QGIS_GEOMETRY_TYPE[families[0]]
    body = ET.tostring(root, encoding="unicode")
    return "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n" + body + "\n"


# ----------------------------------------------------------------------------------- SLD
SLD_NS = "http://www.opengis.net/sld"
OGC_NS = "http://www.opengis.net/ogc"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
TITLE = ("Dự án hạ tầng theo trạng thái và loại (như bản đồ web)",
         "Infrastructure projects by status and kind (as on the web map)")
# Elements are named with their prefixes (sld: default namespace, ogc: for filters) and the
# namespaces declared on the root: the readers' usual spelling, no global registration.


def _css(parent: ET.Element, tag: str, params: Mapping[str, str]) -> ET.Element:
    el = ET.SubElement(parent, tag)
    for name, value in params.items():
        ET.SubElement(el, "CssParameter", name=name).text = value
    return el


def _compare(parent: ET.Element, column: str, value: str,
             op: str = "PropertyIsEqualTo") -> None:
    cmp = ET.SubElement(parent, f"ogc:{op}")
    ET.SubElement(cmp, "ogc:PropertyName").text = column
    ET.SubElement(cmp, "ogc:Literal").text = value


def _sld_filter(rule_el: ET.Element, rule: StyleRule, columns: Mapping[str, str]) -> None:
    both = ET.SubElement(ET.SubElement(rule_el, "ogc:Filter"), "ogc:And")
    _compare(both, columns["status"], rule.status.code)
    _compare(both, columns["kind"], rule.kind.code)
    accuracy = columns["geometry_accuracy"]
    if rule.look.approximate:
        _compare(both, accuracy, symbology.APPROXIMATE)
    else:
        either = ET.SubElement(both, "ogc:Or")
        ET.SubElement(ET.SubElement(either, "ogc:PropertyIsNull"),
                      "ogc:PropertyName").text = accuracy
        _compare(either, accuracy, symbology.APPROXIMATE, "PropertyIsNotEqualTo")


def _stroke(parent: ET.Element, colour: str, width: int, opacity: float,
            dash: tuple[int, ...] | None = None, cap: str | None = None) -> None:
    params = {"stroke": colour, "stroke-width": str(width), "stroke-opacity": f"{opacity:g}",
              "stroke-linejoin": "round",
              "stroke-linecap": cap or ("butt" if dash else "round")}
    if dash:
        params["stroke-dasharray"] = " ".join(str(d) for d in dash)
    _css(parent, "Stroke", params)


def _sld_symbolizers(rule_el: ET.Element, rule: StyleRule, level: str) -> None:
    lk = rule.look
    if level == "polygon":
        poly = ET.SubElement(rule_el, "PolygonSymbolizer")
        _css(poly, "Fill", {"fill": lk.colour, "fill-opacity": f"{lk.fill_opacity:g}"})
        _stroke(poly, lk.colour, lk.weight, lk.opacity)
    elif level == "water":
        _stroke(ET.SubElement(rule_el, "LineSymbolizer"), lk.water_colour, lk.water_weight,
                lk.water_opacity, cap="butt")
    elif level == "line":
        _stroke(ET.SubElement(rule_el, "LineSymbolizer"), lk.colour, lk.weight, lk.opacity,
                lk.dash)
    else:
        graphic = ET.SubElement(ET.SubElement(rule_el, "PointSymbolizer"), "Graphic")
        mark = ET.SubElement(graphic, "Mark")
        ET.SubElement(mark, "WellKnownName").text = "circle"
        _css(mark, "Fill", {"fill": lk.colour, "fill-opacity": f"{lk.opacity:g}"})
        _stroke(mark, lk.marker_outline, lk.marker_outline_width, lk.marker_outline_opacity,
                lk.marker_outline_dash)
        ET.SubElement(graphic, "Size").text = str(2 * lk.marker_radius)


def sld(layer_name: str, families: Sequence[str], columns: Mapping[str, str] = RECORD_COLUMNS,
        lang: str = "vi") -> str:
    """An SLD 1.0.0 document for the named layer: a FeatureTypeStyle per drawing level
    (areas, water bands, lines heaviest first, markers on top), in each a Rule per status,
    kind, accuracy and family with its ogc:Filter."""
    return _sld(layer_name, tuple(families), tuple(sorted(columns.items())), lang)


@lru_cache(maxsize=32)
def _sld(layer_name: str, families: tuple[str, ...],
         column_pairs: tuple[tuple[str, str], ...], lang: str) -> str:
    columns = dict(column_pairs)
    root = ET.Element("StyledLayerDescriptor", {
        "version": "1.0.0", "xmlns": SLD_NS, "xmlns:ogc": OGC_NS, "xmlns:xsi": XSI_NS,
        "xsi:schemaLocation":
            f"{SLD_NS} http://schemas.opengis.net/sld/1.0.0/StyledLayerDescriptor.xsd"})
    named = ET.SubElement(root, "NamedLayer")
    ET.SubElement(named, "Name").text = layer_name
    user = ET.SubElement(named, "UserStyle")
    ET.SubElement(user, "Name").text = STYLE_NAME
    ET.SubElement(user, "Title").text = TITLE[1 if lang == "en" else 0]
    every = rules(families)
    levels = (
        ("polygon", [r for r in every if r.family == "polygon"]),
        ("water", [r for r in every if r.family == "line" and r.look.symbol == "water"]),
        ("line", sorted((r for r in every if r.family == "line"),
                        key=lambda r: -r.look.weight)),
        ("point", [r for r in every if r.family == "point"]),
    )
    for level, level_rules in levels:
        if not level_rules:
            continue
        fts = ET.SubElement(user, "FeatureTypeStyle")
        for rule in level_rules:
            rule_el = ET.SubElement(fts, "Rule")
            suffix = "water-band" if level == "water" else rule.family
            ET.SubElement(rule_el, "Name").text = f"{rule.look.key}-{suffix}"
            ET.SubElement(rule_el, "Title").text = \
                f"{rule.status.label(lang)} – {rule.label(lang)}"
            _sld_filter(rule_el, rule, columns)
            _sld_symbolizers(rule_el, rule, level)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


# ------------------------------------------------------------------------- layer_styles
def families_of(geom_types: Sequence[str | None]) -> tuple[str, ...]:
    """The geometry families present, in style order; every family when none is."""
    present = {symbology.family_of(t) for t in geom_types} - {None}
    return tuple(f for f in symbology.FAMILIES if f in present) or symbology.FAMILIES


def store_in_geopackage(path: Path, layers: Sequence[tuple[str, Sequence[str]]],
                        lang: str = "vi") -> None:
    """Add QGIS's `layer_styles` table to a GeoPackage: for each (layer, families) a style
    that is that layer's default (QGIS applies it on open). The table is created through
    GDAL, as QGIS itself creates it, so GDAL registers it in gpkg_contents as an attributes
    table (core in GeoPackage 1.2: no gpkg_extensions row is needed); update_time carries
    milliseconds, which GDAL expects."""
    import pandas as pd
    import pyogrio

    stamp = pd.Timestamp(datetime.now(UTC)).floor("ms")
    rows = []
    for layer, families in layers:
        geometry_column = pyogrio.read_info(path, layer=layer)["geometry_name"] or "geom"
        rows.append({
            "f_table_catalog": "", "f_table_schema": "",  # QGIS looks styles up with schema ''
            "f_table_name": layer, "f_geometry_column": geometry_column,
            "styleName": STYLE_NAME, "styleQML": qml(families, lang=lang),
            "styleSLD": sld(layer, families, lang=lang), "useAsDefault": True,
            "description": TITLE[1 if lang == "en" else 0], "owner": "", "ui": None,
            "update_time": stamp,
        })
    if not rows:
        return
    frame = pd.DataFrame({k: pd.array([row[k] for row in rows],
                                      dtype="bool" if isinstance(v, bool) else None)
                          for k, v in rows[0].items()})
    pyogrio.write_dataframe(frame, path, layer="layer_styles", driver="GPKG",
                            layer_options={"FID": "id"})
