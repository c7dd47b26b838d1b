"""Parse a projects GeoJSON file (our seed/import format) into plain records, checking shape.

Parsing is separate from writing so that a file with one bad feature is rejected whole, with
a message naming the feature and the problem, before the database is touched.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import shapely.geometry
from shapely.geometry.base import BaseGeometry

from tracker.dates import parse_partial
from tracker.errors import ValidationError
from tracker.text import is_slug

FACT_FIELDS = ("owner", "investor", "stated_length_km", "total_investment_vnd",
               "planned_start", "planned_end", "actual_start", "actual_end")
DATE_FIELDS = {"planned_start": "start", "planned_end": "end",
               "actual_start": "start", "actual_end": "end"}


@dataclass
class SourceRecord:
    key: str
    publisher: str
    title: str | None = None
    published_on: date | None = None
    url: str | None = None
    locator: str | None = None
    note: str | None = None


@dataclass
class UpdateRecord:
    as_of: date
    as_of_precision: str
    status: str
    progress_pct: float | None
    disbursed_vnd: int | None
    note: str | None  # Vietnamese
    author: str | None
    source: str | None
    note_en: str | None = None


@dataclass
class FundingRecord:
    source_type: str
    province: str | None
    amount_vnd: int | None
    budget_year: int | None
    note: str | None  # Vietnamese
    source: str | None
    note_en: str | None = None


@dataclass
class ProjectRecord:
    code: str
    scalars: dict[str, Any]
    geometry: BaseGeometry | None
    provinces: list[str]
    funding: list[FundingRecord]
    updates: list[UpdateRecord]
    sources: dict[str, str]  # source key -> supported fields (space separated)


@dataclass
class SeedBundle:
    sources: dict[str, SourceRecord] = field(default_factory=dict)
    projects: list[ProjectRecord] = field(default_factory=list)


def _opt_int(v: Any, what: str) -> int | None:
    if v is None:
        return None
    if isinstance(v, bool) or not isinstance(v, int):
        raise ValidationError(f"{what} must be a whole number, got {v!r}")
    return v


def _opt_num(v: Any, what: str) -> float | None:
    if v is None:
        return None
    if isinstance(v, bool) or not isinstance(v, int | float):
        raise ValidationError(f"{what} must be a number, got {v!r}")
    return float(v)


def _opt_str(v: Any, what: str) -> str | None:
    if v is None:
        return None
    if not isinstance(v, str):
        raise ValidationError(f"{what} must be text, got {v!r}")
    return v.strip() or None


def _source(key: str, raw: Any) -> SourceRecord:
    if not is_slug(key):
        raise ValidationError(f"source key {key!r} is not a slug")
    if not isinstance(raw, dict) or not _opt_str(raw.get("publisher"), "publisher"):
        raise ValidationError(f"source {key!r} needs a publisher")
    published = raw.get("published")
    return SourceRecord(
        key=key,
        publisher=raw["publisher"].strip(),
        title=_opt_str(raw.get("title"), f"source {key!r} title"),
        published_on=date.fromisoformat(published) if published else None,
        url=_opt_str(raw.get("url"), f"source {key!r} url"),
        locator=_opt_str(raw.get("locator"), f"source {key!r} locator"),
        note=_opt_str(raw.get("note"), f"source {key!r} note"),
    )


def _feature(feat: Any, known_sources: set[str]) -> ProjectRecord:
    if not isinstance(feat, dict) or feat.get("type") != "Feature":
        raise ValidationError("is not a GeoJSON Feature")
    props = feat.get("properties")
    if not isinstance(props, dict):
        raise ValidationError("has no properties object")
    code = props.get("code", feat.get("id"))
    if not is_slug(code):
        raise ValidationError(f"code {code!r} is not a slug (lowercase letters, digits, hyphens)")
    if feat.get("id") is not None and feat["id"] != code:
        raise ValidationError(f"id {feat['id']!r} differs from properties.code {code!r}")

    geometry = None
    if feat.get("geometry") is not None:
        try:
            geometry = shapely.geometry.shape(feat["geometry"])
        except Exception as exc:  # shapely raises several types for malformed GeoJSON
            raise ValidationError(f"geometry cannot be read: {exc}") from exc

    scalars: dict[str, Any] = {}
    for name in ("name_vi", "name_en", "kind", "status", "description_vi", "description_en",
                 "owner", "investor", "geometry_accuracy", "geometry_note",
                 "geometry_note_en"):
        scalars[name] = _opt_str(props.get(name), name)
    scalars["field"] = _opt_str(props.get("field"), "field") or "transport"
    scalars["stated_length_km"] = _opt_num(props.get("stated_length_km"), "stated_length_km")
    scalars["total_investment_vnd"] = _opt_int(props.get("total_investment_vnd"),
                                               "total_investment_vnd")
    for name, bound in DATE_FIELDS.items():
        raw = props.get(name)
        if raw is None:
            scalars[name], scalars[f"{name}_precision"] = None, None
        else:
            scalars[name], scalars[f"{name}_precision"] = parse_partial(raw, bound, field=name)

    provinces = props.get("provinces") or []
    if not isinstance(provinces, list) or not all(isinstance(p, str) for p in provinces):
        raise ValidationError("provinces must be a list of province codes")

    def ref(key: Any, where: str) -> str | None:
        if key is None:
            return None
        if key not in known_sources:
            raise ValidationError(f"{where} cites unknown source {key!r}")
        return str(key)

    funding = []
    for i, line in enumerate(props.get("funding") or [], 1):
        if not isinstance(line, dict):
            raise ValidationError(f"funding line {i} is not an object")
        funding.append(FundingRecord(
            source_type=str(line.get("source_type")),
            province=_opt_str(line.get("province"), f"funding line {i} province"),
            amount_vnd=_opt_int(line.get("amount_vnd"), f"funding line {i} amount_vnd"),
            budget_year=_opt_int(line.get("budget_year"), f"funding line {i} budget_year"),
            note=_opt_str(line.get("note"), f"funding line {i} note"),
            source=ref(line.get("source"), f"funding line {i}"),
            note_en=_opt_str(line.get("note_en"), f"funding line {i} note_en"),
        ))

    updates = []
    raw_updates = props.get("updates")
    if not isinstance(raw_updates, list) or not raw_updates:
        raise ValidationError("needs at least one dated status update in 'updates'")
    for i, u in enumerate(raw_updates, 1):
        if not isinstance(u, dict) or u.get("as_of") is None:
            raise ValidationError(f"update {i} needs an as_of date")
        as_of, precision = parse_partial(u["as_of"], "start", field=f"update {i} as_of")
        updates.append(UpdateRecord(
            as_of=as_of, as_of_precision=precision, status=str(u.get("status")),
            progress_pct=_opt_num(u.get("progress_pct"), f"update {i} progress_pct"),
            disbursed_vnd=_opt_int(u.get("disbursed_vnd"), f"update {i} disbursed_vnd"),
            note=_opt_str(u.get("note"), f"update {i} note"),
            author=_opt_str(u.get("author"), f"update {i} author"),
            source=ref(u.get("source"), f"update {i}"),
            note_en=_opt_str(u.get("note_en"), f"update {i} note_en"),
        ))

    sources: dict[str, str] = {}
    for i, s in enumerate(props.get("sources") or [], 1):
        if not isinstance(s, dict):
            raise ValidationError(f"sources entry {i} is not an object")
        key = ref(s.get("ref"), f"sources entry {i}")
        supports = s.get("supports") or []
        if not isinstance(supports, list):
            raise ValidationError(f"sources entry {i}: supports must be a list of field names")
        sources[str(key)] = " ".join(str(x) for x in supports)
    cited = {f.source for f in funding} | {u.source for u in updates}
    missing = sorted(k for k in cited if k and k not in sources)
    if missing:
        raise ValidationError(f"cites {', '.join(missing)} without listing it in 'sources'")
    supported = set(" ".join(sources.values()).split())
    for name in FACT_FIELDS:
        if props.get(name) is not None and name not in supported:
            raise ValidationError(f"{name} has a value but no source supports it")

    return ProjectRecord(code=str(code), scalars=scalars, geometry=geometry, provinces=provinces,
                         funding=funding, updates=updates, sources=sources)


def parse_collection(data: Any) -> SeedBundle:
    """Check a whole FeatureCollection; the first problem raises, naming the feature."""
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise ValidationError("the file is not a GeoJSON FeatureCollection")
    if "crs" in data:
        raise ValidationError("RFC 7946 GeoJSON has no 'crs' member: coordinates must be "
                              "WGS 84 longitude, latitude")
    bundle = SeedBundle()
    for key, raw in (data.get("sources") or {}).items():
        bundle.sources[key] = _source(key, raw)
    features = data.get("features")
    if not isinstance(features, list):
        raise ValidationError("the FeatureCollection has no features list")
    seen: set[str] = set()
    for i, feat in enumerate(features, 1):
        code = feat.get("properties", {}).get("code") if isinstance(feat, dict) else None
        try:
            record = _feature(feat, set(bundle.sources))
        except ValidationError as exc:
            raise ValidationError(f"feature {i} ({code or 'no code'}): {exc.message}",
                                  field=exc.field) from exc
        if record.code in seen:
            raise ValidationError(f"feature {i} ({record.code}): duplicate code")
        seen.add(record.code)
        bundle.projects.append(record)
    return bundle


def read_file(path: str | Path) -> SeedBundle:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ValidationError(f"cannot read {path}: {exc.strerror}") from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValidationError(f"{path} is not valid JSON: {exc}") from exc
    return parse_collection(data)
