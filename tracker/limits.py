"""The limits of what the register stores, and the checks that hold a value to them.

Per column, derived from the ORM (`COLUMN_RULES`, one table): text fits its column's length
(the same number of characters on SQLite and PostGIS) and holds no control or bidi character
(tabs and newlines only in multi-line text); whole numbers fit their integer type; numbers are
finite; dates lie between 1975 and 2100. Per geometry: finite coordinates, at most
`max_vertices` of them (a setting), then the rules of `geo.validate_geometry`. `tracker.checks`
applies these to raw input and to ORM rows alike.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry
from sqlalchemy import BigInteger, Date, DateTime, Float, Integer, String, Text
from sqlalchemy.orm import Session

from tracker import geo
from tracker.errors import ValidationError
from tracker.models import Base
from tracker.text import describe_character, refused_character, shown

YEAR_MIN, YEAR_MAX = 1975, 2100  # every date and budget year of the register lies here
DATE_MIN, DATE_MAX = date(YEAR_MIN, 1, 1), date(YEAR_MAX, 12, 31)
MULTILINE_MAX_CHARS = 10_000  # a Text column (description, note): about four pages
MAX_VERTICES = 50_000  # default of TRACKER_MAX_VERTICES: coordinates in one geometry


@dataclass(frozen=True)
class ColumnRule:
    """What a column holds: `text` (one line), `multiline` (tabs and newlines allowed),
    `integer` or `number` (finite), `date`; with its bounds."""

    kind: str
    max_chars: int | None = None
    low: int | None = None
    high: int | None = None


# Columns the flush computes from others: never typed, so not checked as input.
DERIVED = {"projects": {"geometry_type", "geometry_geojson", "min_lon", "min_lat", "max_lon",
                        "max_lat", "length_km", "search_text", "owner_search"}}


def _column_rule(column: Any) -> ColumnRule | None:
    t = column.type
    if isinstance(t, String) and not isinstance(t, Text) and t.length:
        return ColumnRule("text", max_chars=t.length)
    if isinstance(t, Text):
        return ColumnRule("multiline", max_chars=MULTILINE_MAX_CHARS)
    if isinstance(t, BigInteger):
        return ColumnRule("integer", low=-(2**63), high=2**63 - 1)
    if isinstance(t, Integer):
        return ColumnRule("integer", low=-(2**31), high=2**31 - 1)
    if isinstance(t, Float):
        return ColumnRule("number")
    if isinstance(t, Date) and not isinstance(t, DateTime):
        return ColumnRule("date")
    return None


def _column_rules() -> dict[str, dict[str, ColumnRule]]:
    out: dict[str, dict[str, ColumnRule]] = {}
    for table in Base.metadata.sorted_tables:
        rules = {}
        for c in table.columns:
            if c.primary_key and not isinstance(c.type, String) or c.foreign_keys \
                    or c.name in DERIVED.get(table.name, ()):
                continue
            if (rule := _column_rule(c)) is not None:
                rules[c.name] = rule
        out[table.name] = rules
    return out


COLUMN_RULES = _column_rules()


@dataclass(frozen=True)
class Limits:
    """The limits that are settings: the region envelope and the vertices of one geometry."""

    region: tuple[float, float, float, float]
    max_vertices: int = MAX_VERTICES

    @classmethod
    def of(cls, session: Session) -> Limits:
        return cls(session.info["region"], session.info.get("max_vertices", MAX_VERTICES))


def check_value(table: str, name: str, value: Any, label: str) -> None:
    """Raise unless a typed value fits its column (`COLUMN_RULES`); None always fits."""
    rule = COLUMN_RULES[table].get(name)
    if rule is None or value is None:
        return
    if rule.kind in ("text", "multiline"):
        if not isinstance(value, str):
            raise ValidationError(f"{label}: {name} must be text, got {shown(value)}",
                                  field=name)
        refuse_characters(rule, name, value, label)
        if rule.max_chars is not None and len(value) > rule.max_chars:
            raise ValidationError(
                f"{label}: {name} has {len(value):,} characters; at most {rule.max_chars:,} fit",
                field=name)
    elif rule.kind == "integer":
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValidationError(f"{label}: {name} must be a whole number, got {shown(value)}",
                                  field=name)
        assert rule.low is not None and rule.high is not None
        if not rule.low <= value <= rule.high:
            raise ValidationError(
                f"{label}: {name} {shown(value)} is beyond the largest whole number stored "
                f"({rule.high:,})", field=name)
    elif rule.kind == "number":
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValidationError(f"{label}: {name} must be a number, got {shown(value)}",
                                  field=name)
        if not math.isfinite(value):
            raise ValidationError(f"{label}: {name} must be a finite number, got {value}",
                                  field=name)
    elif rule.kind == "date":
        if not isinstance(value, date):
            raise ValidationError(f"{label}: {name} must be a date, got {shown(value)}",
                                  field=name)
        if not DATE_MIN <= value <= DATE_MAX:
            raise ValidationError(
                f"{label}: {name} {value.isoformat()} is outside {YEAR_MIN}–{YEAR_MAX}",
                field=name)


def refuse_characters(rule: ColumnRule, name: str, value: str, label: str) -> None:
    if (bad := refused_character(value, multiline=rule.kind == "multiline")) is not None:
        where, ch = bad
        allowed = " (tabs and newlines are)" if rule.kind == "multiline" else ""
        raise ValidationError(
            f"{label}: {name} holds the character {describe_character(ch)} at position "
            f"{where + 1}; control and bidi characters are not allowed{allowed}", field=name)


def check_values(table: str, values: Mapping[str, Any], label: str) -> None:
    for name, value in values.items():
        check_value(table, name, value, label)


def check_row(obj: Any, label: str) -> None:
    """Every checked column of an ORM row fits (text, numbers, dates)."""
    table = obj.__table__.name
    for name in COLUMN_RULES[table]:
        check_value(table, name, getattr(obj, name), label)


def check_geometry(geom: BaseGeometry | None, kind: str | None, label: str,
                   limits: Limits) -> None:
    """Finite coordinates, at most `limits.max_vertices` of them, then the geometry rules
    (valid, of the kind's type, inside the region envelope)."""
    if geom is None:
        return
    if not isinstance(geom, BaseGeometry):
        raise ValidationError(f"{label}: geometry is not a geometry", field="geometry")
    n = shapely.get_num_coordinates(geom)
    if n > limits.max_vertices:
        raise ValidationError(
            f"{label}: geometry has {n:,} vertices; at most {limits.max_vertices:,} are allowed "
            "(TRACKER_MAX_VERTICES)", field="geometry")
    if not np.isfinite(shapely.get_coordinates(geom, include_z=geom.has_z)).all():
        raise ValidationError(f"{label}: geometry has a coordinate that is not a finite number",
                              field="geometry")
    geo.validate_geometry(geom, kind or "", limits.region, label=f"{label}: geometry")
