"""Read a projects GeoJSON file (our seed/import format) into plain records, checking its shape.

Reading is separate from writing so that a file with one bad feature is refused whole, with a
message naming the feature and the field, before the database is touched. This module owns
what is about the file: its size (checked before parsing), its encoding (UTF-8, a BOM
accepted), JSON that parses but is hostile (duplicate keys, nesting deeper than `MAX_DEPTH`,
integers of thousands of digits) and the GeoJSON shape (a FeatureCollection of Features, their
lists and objects, the sources they cite). The values themselves stay raw here: the services
clean them with `tracker.checks`, the rules every writer shares.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import shapely.geometry
from shapely.geometry.base import BaseGeometry

from tracker.errors import ValidationError
from tracker.formats.safe_json import MB, feature_label, load_json, read_bytes
from tracker.text import is_slug, shown

FACT_FIELDS = ("governing_body", "project_owner", "private_investor", "programme_role",
               "corridor", "stated_length_km", "total_investment_vnd",
               "planned_start", "planned_end", "actual_start", "actual_end")
DEFAULT_MAX_VERTICES = 50_000  # TRACKER_MAX_VERTICES's default; the services pass the setting
_FIELD_NAME = re.compile(r"[a-z][a-z0-9_]*")


@dataclass
class FeatureRecord:
    """One feature, its shape checked; `properties`, `updates` and `funding` hold raw values
    (a cited source stays a key under "source")."""

    index: int
    code: str
    label: str  # "feature 3 (dt926)": how every message names it
    properties: dict[str, Any]
    geometry: BaseGeometry | None
    updates: list[dict[str, Any]]
    funding: list[dict[str, Any]]
    sources: dict[str, str]  # source key -> supported fields (space separated)
    estimates: list[dict[str, Any]] = field(default_factory=list)  # oldest first
    components: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class SeedBundle:
    sources: dict[str, dict[str, Any]] = field(default_factory=dict)  # key -> raw source
    features: list[FeatureRecord] = field(default_factory=list)


# --------------------------------------------------------------------------- JSON, defended


# --------------------------------------------------------------------------- GeoJSON shape

def _list(props: dict[str, Any], name: str, label: str) -> list[Any]:
    value = props.get(name)
    if value is None:
        return []
    if not isinstance(value, list):
        raise ValidationError(f"{label}: {name} must be a list, got {shown(value)}", field=name)
    return value


def _objects(props: dict[str, Any], name: str, label: str, what: str) -> list[dict[str, Any]]:
    items = _list(props, name, label)
    for i, item in enumerate(items, 1):
        if not isinstance(item, dict):
            raise ValidationError(f"{label}: {what} {i} is not an object, got {shown(item)}",
                                  field=f"{name}.{i}")
    return items


def _positions(geometry: Any) -> int:
    """Positions in a GeoJSON geometry object, counted before Shapely builds it."""
    def count(coords: Any) -> int:
        if not isinstance(coords, list) or not coords:
            return 0
        if not isinstance(coords[0], list):
            return 1
        return sum(count(c) for c in coords)

    if not isinstance(geometry, dict):
        return 0
    parts = geometry.get("geometries")
    if isinstance(parts, list):
        return sum(_positions(g) for g in parts)
    return count(geometry.get("coordinates"))


def geojson_geometry(raw: Any, label: str, max_vertices: int) -> BaseGeometry | None:
    """A GeoJSON geometry object as Shapely, bounded by `max_vertices` (None stays None); the
    seed, the edit form and the write API read geometries through this one function."""
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise ValidationError(f"{label}: geometry must be a GeoJSON geometry object, "
                              f"got {shown(raw)}", field="geometry")
    if (n := _positions(raw)) > max_vertices:  # the same rule as tracker.limits, sooner
        raise ValidationError(f"{label}: geometry has {n:,} vertices; at most "
                              f"{max_vertices:,} are allowed (TRACKER_MAX_VERTICES)",
                              field="geometry")
    try:
        with warnings.catch_warnings():  # NaN coordinates warn; the checks refuse them
            warnings.simplefilter("ignore", RuntimeWarning)
            geom: BaseGeometry = shapely.geometry.shape(raw)
    except Exception as exc:  # shapely raises several types for malformed GeoJSON
        raise ValidationError(f"{label}: geometry cannot be read ({shown(str(exc), 100)})",
                              field="geometry") from exc
    return geom


def _feature(number: int, feat: Any, known_sources: set[str], max_vertices: int
             ) -> FeatureRecord:
    label = feature_label(number, feat)
    if not isinstance(feat, dict) or feat.get("type") != "Feature":
        raise ValidationError(f"{label}: is not a GeoJSON Feature", field="type")
    props = feat.get("properties")
    if not isinstance(props, dict):
        raise ValidationError(f"{label}: properties must be an object, got {shown(props)}",
                              field="properties")
    code = props.get("code", feat.get("id"))
    if not is_slug(code):
        raise ValidationError(f"{label}: code {shown(code)} is not a slug (lowercase letters, "
                              "digits, single hyphens)", field="code")
    if feat.get("id") is not None and feat["id"] != code:
        raise ValidationError(f"{label}: id {shown(feat['id'])} differs from properties.code "
                              f"{code!r}", field="id")
    geometry = geojson_geometry(feat.get("geometry"), label, max_vertices)

    def ref(key: Any, where: str, name: str) -> str | None:
        if key is None:
            return None
        if not isinstance(key, str) or key not in known_sources:
            raise ValidationError(f"{label}: {where} cites unknown source {shown(key)}",
                                  field=name)
        return key

    provinces = _list(props, "provinces", label)
    if not all(isinstance(p, str) for p in provinces):
        raise ValidationError(f"{label}: provinces must be a list of province codes",
                              field="provinces")
    funding = _objects(props, "funding", label, "funding line")
    for i, line in enumerate(funding, 1):
        ref(line.get("source"), f"funding line {i}", f"funding.{i}.source")
    estimates = _objects(props, "estimates", label, "estimate")
    for i, e in enumerate(estimates, 1):
        ref(e.get("source"), f"estimate {i}", f"estimates.{i}.source")
    components = _objects(props, "components", label, "component")
    for i, c in enumerate(components, 1):
        ref(c.get("source"), f"component {i}", f"components.{i}.source")
    estimate_keys = {e.get("key") for e in estimates}
    for i, line in enumerate(funding, 1):
        if line.get("estimate") is not None and line["estimate"] not in estimate_keys:
            raise ValidationError(f"{label}: funding line {i} cites unknown estimate "
                                  f"{shown(line['estimate'])}", field=f"funding.{i}.estimate")
    if estimates and props.get("total_investment_vnd") is not None:
        raise ValidationError(f"{label}: total_investment_vnd is the latest of 'estimates': "
                              "give one or the other", field="total_investment_vnd")
    updates = _objects(props, "updates", label, "update")
    if not updates:
        raise ValidationError(f"{label}: needs at least one dated status update in 'updates'",
                              field="updates")
    for i, u in enumerate(updates, 1):
        ref(u.get("source"), f"update {i}", f"updates.{i}.source")

    sources: dict[str, str] = {}
    for i, s in enumerate(_objects(props, "sources", label, "sources entry"), 1):
        key = ref(s.get("ref"), f"sources entry {i}", f"sources.{i}.ref")
        if key is None:
            raise ValidationError(f"{label}: sources entry {i} needs a ref", field="sources")
        supports = s.get("supports") or []
        if not isinstance(supports, list) or not all(
                isinstance(x, str) and _FIELD_NAME.fullmatch(x) for x in supports):
            raise ValidationError(f"{label}: sources entry {i}: supports must be a list of "
                                  "field names", field=f"sources.{i}.supports")
        sources[key] = " ".join(supports)
    cited = ({x.get("source") for x in funding} | {u.get("source") for u in updates}
             | {x.get("source") for x in estimates} | {x.get("source") for x in components})
    missing = sorted(k for k in cited if k and k not in sources)
    if missing:
        raise ValidationError(f"{label}: cites {', '.join(missing)} without listing it in "
                              "'sources'", field="sources")
    supported = set(" ".join(sources.values()).split())
    for name in FACT_FIELDS:
        if props.get(name) is not None and name not in supported:
            raise ValidationError(f"{label}: {name} has a value but no source supports it",
                                  field=name)
    return FeatureRecord(index=number, code=str(code), label=label, properties=props,
                         geometry=geometry, updates=updates, funding=funding, sources=sources,
                         estimates=estimates, components=components)


def parse_collection(data: Any, max_vertices: int = DEFAULT_MAX_VERTICES) -> SeedBundle:
    """Check a whole FeatureCollection's shape; the first problem raises, naming the feature."""
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise ValidationError("the file is not a GeoJSON FeatureCollection", field="type")
    if "crs" in data:
        raise ValidationError("RFC 7946 GeoJSON has no 'crs' member: coordinates must be "
                              "WGS 84 longitude, latitude", field="crs")
    raw_sources = data.get("sources")
    if raw_sources is None:
        raw_sources = {}
    if not isinstance(raw_sources, dict):
        raise ValidationError("the file's sources must be an object of source key -> source, "
                              f"got {shown(raw_sources)}", field="sources")
    bundle = SeedBundle()
    for key, raw in raw_sources.items():
        if not isinstance(raw, dict):
            raise ValidationError(f"source {shown(key, 40)}: must be an object, got "
                                  f"{shown(raw)}", field="sources")
        bundle.sources[key] = raw
    features = data.get("features")
    if not isinstance(features, list):
        raise ValidationError("the FeatureCollection has no features list", field="features")
    seen: set[str] = set()
    for i, feat in enumerate(features, 1):
        record = _feature(i, feat, set(bundle.sources), max_vertices)
        if record.code in seen:
            raise ValidationError(f"{record.label}: duplicate code", field="code")
        seen.add(record.code)
        bundle.features.append(record)
    return bundle


def read_file(path: str | Path, max_bytes: int = 50 * MB,
              max_vertices: int = DEFAULT_MAX_VERTICES) -> SeedBundle:
    """Size, bytes, JSON, shape: a SeedBundle whose values the services still clean."""
    return parse_collection(load_json(read_bytes(path, max_bytes), str(path)), max_vertices)
