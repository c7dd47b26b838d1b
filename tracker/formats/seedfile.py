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

import json
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import shapely.geometry
from shapely.geometry.base import BaseGeometry

from tracker.errors import ValidationError
from tracker.text import is_slug, shown

FACT_FIELDS = ("owner", "investor", "stated_length_km", "total_investment_vnd",
               "planned_start", "planned_end", "actual_start", "actual_end")
MB = 1024 * 1024
MAX_DEPTH = 32  # objects and lists inside each other; GeoJSON needs about ten
MAX_DIGITS = 40  # an integer literal longer than this is no amount anyone stores
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


@dataclass
class SeedBundle:
    sources: dict[str, dict[str, Any]] = field(default_factory=dict)  # key -> raw source
    features: list[FeatureRecord] = field(default_factory=list)


# --------------------------------------------------------------------------- JSON, defended

class _LongInteger:
    """Stands for an integer literal of too many digits (Python refuses > 4,300 anyway)."""

    def __init__(self, digits: int):
        self.digits = digits

    def __repr__(self) -> str:
        return f"<a number of {self.digits:,} digits>"


class _DuplicatedKeys(dict):  # type: ignore[type-arg]
    duplicate: str = ""


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) == len(pairs):
        return obj
    marked, seen = _DuplicatedKeys(obj), set()
    for key, _ in pairs:
        if key in seen:
            marked.duplicate = key
            break
        seen.add(key)
    return marked


def _integer(text: str) -> int | _LongInteger:
    return int(text) if len(text.lstrip("-")) <= MAX_DIGITS else _LongInteger(len(text))


def _loads(text: str) -> Any:
    return json.loads(text, object_pairs_hook=_object, parse_int=_integer)


def _feature_label(number: int, feat: Any) -> str:
    props = feat.get("properties") if isinstance(feat, dict) else None
    code = props.get("code") if isinstance(props, dict) else None
    if code is None and isinstance(feat, dict):
        code = feat.get("id")
    name = code if is_slug(code) else "no code" if code is None else shown(code, 40)
    return f"feature {number} ({name})"


def _where(data: Any, path: list[Any]) -> tuple[str, str]:
    """(label, field) of a place in the file: ('feature 3 (dt926)', 'updates.2.note')."""
    if len(path) >= 2 and path[0] == "features" and isinstance(path[1], int):
        features = data.get("features") if isinstance(data, dict) else None
        feat = features[path[1]] if isinstance(features, list) and path[1] < len(features) \
            else None
        label, rest = _feature_label(path[1] + 1, feat), path[2:]
        if rest[:1] == ["properties"]:
            rest = rest[1:]
    elif len(path) >= 2 and path[0] == "sources":
        label, rest = f"source {shown(path[1], 40)}", path[2:]
    else:
        label, rest = "the file", path
    text = ".".join(str(p + 1) if isinstance(p, int) else str(p) for p in rest)
    escaped = repr(text)[1:-1]  # a key may hold anything: show it escaped and short
    return label, (escaped[:79] + "…" if len(escaped) > 80 else escaped) or "(top level)"


def _outer(path: list[Any]) -> list[Any]:
    """The path up to its last key: where a too-deep value starts ('note', not 'note.1.1...')."""
    keys = [i for i, p in enumerate(path) if isinstance(p, str)]
    return path[: keys[-1] + 1] if keys else path[:2]


def _is_not_utf8(text: str) -> bool:
    return any("\udc80" <= c <= "\udcff" for c in text)


def _trail_path(trail: Any) -> list[Any]:
    path = []
    while trail is not None:
        trail, key = trail
        path.append(key)
    return path[::-1]


def _chain_depth(value: Any) -> int:
    """How deep the first elements of nested lists go (a coordinates array's depth)."""
    depth = 0
    while isinstance(value, list):
        depth += 1
        value = value[0] if value else None
    return depth


def _scan(data: Any, undecodable: bool) -> None:
    """Refuse duplicate keys, nesting deeper than MAX_DEPTH and (when the bytes were not all
    UTF-8) the string that holds the bad bytes, naming where they are. GeoJSON coordinates
    are not walked (Shapely reads them number by number), only their depth is measured."""
    def fail(what: str, path: list[Any]) -> ValidationError:
        label, where = _where(data, path)
        return ValidationError(f"{label}: {what.format(where)}", field=where)

    stack: list[tuple[Any, int, Any]] = [(data, 1, None)]  # node, depth, (parent trail, key)
    while stack:
        node, depth, trail = stack.pop()
        if depth > MAX_DEPTH:
            raise fail(f"{{}} is nested deeper than {MAX_DEPTH} levels",
                       _outer(_trail_path(trail)))
        if isinstance(node, dict):
            if isinstance(node, _DuplicatedKeys):
                raise fail("the key {} is given twice", [*_trail_path(trail), node.duplicate])
            items: list[tuple[Any, Any]] = list(node.items())
        else:
            items = list(enumerate(node))
        for key, value in reversed(items):
            if key == "coordinates" and isinstance(value, list):
                if depth + _chain_depth(value) > MAX_DEPTH:
                    raise fail(f"{{}} is nested deeper than {MAX_DEPTH} levels",
                               [*_trail_path(trail), key])
            elif isinstance(value, dict | list):
                stack.append((value, depth + 1, (trail, key)))
            elif undecodable and any(isinstance(s, str) and _is_not_utf8(s)
                                     for s in (key, value)):
                raise fail("{} is not UTF-8 text", [*_trail_path(trail), key])


_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}:,]')


def _too_deep(text: str) -> tuple[list[Any], int, int] | None:
    """Path, start and end of the first object or list nested deeper than MAX_DEPTH (for a
    file too deep for the JSON parser itself, which raises RecursionError)."""
    stack: list[list[Any]] = []  # per open container: [is_object, current key or index]
    last = ""
    found: tuple[list[Any], int, int] | None = None
    for m in _TOKENS.finditer(text):
        tok = m.group()
        if tok[0] == '"':
            last = tok
        elif tok == ":" and stack and stack[-1][0]:
            try:
                stack[-1][1] = json.loads(last)
            except ValueError:
                stack[-1][1] = last
        elif tok == "," and stack and not stack[-1][0]:
            stack[-1][1] += 1
        elif tok in "[{":
            if found is None and len(stack) >= MAX_DEPTH:
                found = ([f[1] for f in stack], m.start(), len(stack))
            stack.append([tok == "{", None if tok == "{" else 0])
        elif tok in "]}" and stack:
            stack.pop()
            if found is not None and len(stack) == found[2]:
                return found[0], found[1], m.end()
    return (found[0], found[1], len(text)) if found else None


def _deep_error(text: str, name: str) -> ValidationError:
    located = _too_deep(text)
    if located is None:
        return ValidationError(f"{name} is nested too deeply to read")
    path, start, end = located
    try:  # read the rest of the file without the deep part, to name the feature
        data = _loads(text[:start] + "null" + text[end:])
    except (RecursionError, ValueError):
        data = None
    label, where = _where(data, _outer(path))
    return ValidationError(f"{label}: {where} is nested deeper than {MAX_DEPTH} levels",
                           field=where)


def _position(data: bytes, offset: int) -> str:
    line = data.count(b"\n", 0, offset) + 1
    column = offset - data.rfind(b"\n", 0, offset)
    return f"line {line}, column {column}"


def load_json(data: bytes, name: str) -> Any:
    """JSON from UTF-8 bytes (a BOM is accepted), refusing what would be hostile later."""
    undecodable = False
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        undecodable, bad = True, exc
        text = data.decode("utf-8", "surrogateescape")
    text = text.removeprefix("\ufeff")
    try:
        parsed = _loads(text)
    except RecursionError:
        raise _deep_error(text, name) from None
    except ValueError as exc:  # JSONDecodeError, or a number Python cannot read
        if undecodable:
            raise ValidationError(
                f"{name} is not UTF-8: byte 0x{data[bad.start]:02X} at "
                f"{_position(data, bad.start)}") from exc
        where = f" at line {exc.lineno}, column {exc.colno}" \
            if isinstance(exc, json.JSONDecodeError) else ""
        raise ValidationError(f"{name} is not valid JSON: "
                              f"{getattr(exc, 'msg', str(exc))}{where}") from exc
    _scan(parsed, undecodable)
    if undecodable:
        raise ValidationError(f"{name} is not UTF-8: byte 0x{data[bad.start]:02X} at "
                              f"{_position(data, bad.start)}")
    return parsed


def read_bytes(path: str | Path, max_bytes: int) -> bytes:
    """The file's bytes, refusing a file larger than `max_bytes` before reading it."""
    p = Path(path)
    limit = f"the limit is {max_bytes / MB:g} MB (TRACKER_MAX_UPLOAD_MB)"
    try:
        size = p.stat().st_size
        if size > max_bytes:
            raise ValidationError(f"{path} has {size / MB:.1f} MB; {limit}")
        with p.open("rb") as f:
            data = f.read(max_bytes + 1)
    except OSError as exc:
        raise ValidationError(f"cannot read {path}: {exc.strerror}") from exc
    if len(data) > max_bytes:  # a file that grew, or a pipe that has no size
        raise ValidationError(f"{path} has more than {max_bytes / MB:g} MB; {limit}")
    return data


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


def _geometry(raw: Any, label: str, max_vertices: int) -> BaseGeometry | None:
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
    label = _feature_label(number, feat)
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
    geometry = _geometry(feat.get("geometry"), label, max_vertices)

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
    cited = {x.get("source") for x in funding} | {u.get("source") for u in updates}
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
                         geometry=geometry, updates=updates, funding=funding, sources=sources)


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
