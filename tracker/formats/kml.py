"""KML 2.2 of a selection, drawn like the web map: every placemark styled by status and kind
(KML colours are aabbggrr; points as round icons, lines with the kind's width, approximate
geometries lighter), every attribute typed in ExtendedData through a Schema (money and
measures are numbers, not text), and a TimeSpan from the project's dates.

Stored text is data: the document is built as an element tree and serialised by the XML
library, so every name and note is escaped; characters XML 1.0 cannot carry are dropped.
Geometries are WGS 84 lon/lat (KML has no other CRS), at most 7 decimals. The file's card
(export time, licence, contact, filter) is the Document's description and ExtendedData.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import shapely

from tracker import symbology
from tracker.fields import Field
from tracker.formats.base import TITLE, FileInfo, record_fields

KML_NS = "http://www.opengis.net/kml/2.2"
LAYER = "du_an"  # the Folder GDAL reads as the layer, the Schema's name
DECIMALS = 7
# Google Earth's white circle, which IconStyle's colour tints (no Icon: a yellow pushpin).
MARKER_ICON = "http://maps.google.com/mapfiles/kml/shapes/placemark_circle.png"
# At scale 1 the icon's circle is about 20 pixels across: scale it to the map's marker.
MARKER_ICON_CIRCLE_PIXELS = 20
# Characters an XML 1.0 document cannot hold (C0 controls but tab/LF/CR, surrogates, FFFE/F).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(value: str) -> str:
    """Stored text as XML can carry it (the serialiser escapes &, < and >)."""
    return _NOT_XML.sub("", value)


def kml_colour(rgb: str, opacity: float) -> str:
    """'#rrggbb' and an opacity as KML's aabbggrr."""
    h = rgb.lstrip("#")
    return f"{round(opacity * 255):02x}{h[4:6]}{h[2:4]}{h[0:2]}".lower()


def simple_field_type(f: Field) -> str:
    """KML SimpleField type of a record field: 64-bit integers (money in đồng) as double,
    which holds every whole number up to 2^53 exactly; KML's int is 32-bit."""
    if f.type == "integer":
        return "double" if f.format == "int64" else "int"
    if f.type == "boolean":
        return "bool"
    return "double" if f.type == "number" else "string"


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    el = ET.SubElement(parent, tag, attrs)
    if text is not None:
        el.text = xml_text(text)
    return el


def _value_text(value: Any) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def style_element(parent: ET.Element, look: symbology.Look) -> None:
    """One shared Style: IconStyle for points, LineStyle for lines and outlines, PolyStyle
    for areas (KML has no dashes; a waterway keeps its width and colour)."""
    style = _sub(parent, "Style", id=look.key)
    icon = _sub(style, "IconStyle")
    _sub(icon, "color", kml_colour(look.colour, look.opacity))
    _sub(icon, "scale", f"{2 * look.marker_radius / MARKER_ICON_CIRCLE_PIXELS:.2f}")
    _sub(_sub(icon, "Icon"), "href", MARKER_ICON)
    line = _sub(style, "LineStyle")
    _sub(line, "color", kml_colour(look.colour, look.opacity))
    _sub(line, "width", str(look.weight))
    poly = _sub(style, "PolyStyle")
    _sub(poly, "color", kml_colour(look.colour, look.fill_opacity))


def _coordinates(geom: Any) -> str:
    coords = np.round(shapely.get_coordinates(geom), DECIMALS).tolist()
    return " ".join(f"{x!r},{y!r}" for x, y in coords)


def geometry_element(parent: ET.Element, geom: Any) -> None:
    """Point, LineString, Polygon (outer ring counter-clockwise) or a MultiGeometry."""
    kind = geom.geom_type
    if kind == "Point":
        _sub(_sub(parent, "Point"), "coordinates", _coordinates(geom))
    elif kind == "LineString":
        line = _sub(parent, "LineString")
        _sub(line, "tessellate", "1")
        _sub(line, "coordinates", _coordinates(geom))
    elif kind == "Polygon":
        poly = _sub(parent, "Polygon")
        _sub(poly, "tessellate", "1")
        geom = shapely.orient_polygons(geom)
        outer = _sub(_sub(poly, "outerBoundaryIs"), "LinearRing")
        _sub(outer, "coordinates", _coordinates(geom.exterior))
        for ring in geom.interiors:
            inner = _sub(_sub(poly, "innerBoundaryIs"), "LinearRing")
            _sub(inner, "coordinates", _coordinates(ring))
    else:  # Multi* and collections
        multi = _sub(parent, "MultiGeometry")
        for part in shapely.get_parts(geom):
            geometry_element(multi, part)


def time_span(record: dict[str, Any]) -> tuple[str | None, str | None]:
    """(begin, end): the actual start and completion where known, else the planned ones.
    Partial dates keep their precision (KML takes 2026, 2026-05 and 2026-05-31)."""
    begin = record.get("actual_start") or record.get("planned_start")
    end = record.get("actual_end") or record.get("planned_end")
    return begin, end


def placemark(parent: ET.Element, record: dict[str, Any], geom: Any,
              fields: Sequence[Field]) -> None:
    pm = _sub(parent, "Placemark")
    _sub(pm, "name", str(record.get("name_vi") or record.get("code") or ""))
    begin, end = time_span(record)
    if begin or end:
        span = _sub(pm, "TimeSpan")
        if begin:
            _sub(span, "begin", str(begin))
        if end:
            _sub(span, "end", str(end))
    look = symbology.look(record.get("status"), record.get("kind"),
                          record.get("geometry_accuracy"))
    _sub(pm, "styleUrl", f"#{look.key}")
    data = _sub(_sub(pm, "ExtendedData"), "SchemaData", schemaUrl=f"#{LAYER}")
    for f in fields:
        value = record.get(f.name)
        if value is not None:  # unknown is left out: readers give null
            _sub(data, "SimpleData", _value_text(value), name=f.name)
    if geom is not None and not geom.is_empty:
        geometry_element(pm, geom)


def card_data(doc: ET.Element, info: FileInfo) -> None:
    """The file's card as ExtendedData for programs (the description says it for people,
    in Google Earth's and QGIS's layer information)."""
    data = _sub(doc, "ExtendedData")
    for key, label, value in info.items():
        item = _sub(data, "Data", name=key)
        _sub(item, "displayName", label)
        _sub(item, "value", _value_text(value))


def to_kml(records: Sequence[dict[str, Any]], geoms: Iterable[Any],
           info: FileInfo | None = None) -> bytes:
    """The KML document of records and their WGS 84 geometries (None where missing)."""
    geoms = list(geoms)
    fields = record_fields(records)
    root = ET.Element("kml", xmlns=KML_NS)
    doc = _sub(root, "Document")
    _sub(doc, "name", TITLE)
    if info is not None:  # KML 2.2 order: description, styles, ExtendedData, Schema, features
        _sub(doc, "description", "\n".join(info.text_lines()))
    looks: dict[str, symbology.Look] = {}
    for r in records:
        lk = symbology.look(r.get("status"), r.get("kind"), r.get("geometry_accuracy"))
        looks.setdefault(lk.key, lk)
    for lk in looks.values():
        style_element(doc, lk)
    if info is not None:
        card_data(doc, info)
    schema = _sub(doc, "Schema", name=LAYER, id=LAYER)
    for f in fields:
        field = _sub(schema, "SimpleField", type=simple_field_type(f), name=f.name)
        _sub(field, "displayName", f"{f.vi} / {f.en}")
    folder = _sub(doc, "Folder")
    _sub(folder, "name", LAYER)
    for record, geom in zip(records, geoms, strict=True):
        placemark(folder, record, geom, fields)
    return bytes(ET.tostring(root, encoding="utf-8", xml_declaration=True))
