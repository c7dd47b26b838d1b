"""JSON from a file someone sent, read with bounds: its size (checked before reading), its
encoding (UTF-8, a BOM accepted), and JSON that parses but is hostile (duplicate keys, nesting
deeper than MAX_DEPTH, integers of thousands of digits). Errors name the place in the file."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from tracker.errors import ValidationError
from tracker.text import is_slug, shown

MB = 1024 * 1024


MAX_DEPTH = 32  # objects and lists inside each other; GeoJSON needs about ten


MAX_DIGITS = 40  # an integer literal longer than this is no amount anyone stores


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


def feature_label(number: int, feat: Any) -> str:
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
        label, rest = feature_label(path[1] + 1, feat), path[2:]
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
