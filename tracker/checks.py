"""Validation of the register, once for every writer, and the derive-and-validate flush hook.

One set of rules, two doors:
- `clean_project`, `clean_update`, `clean_funding`, `clean_source`: a mapping of raw values (a
  seed or import file, a form, the write API) in, clean values named like the columns out, or
  a ValidationError naming the record (`label`, e.g. "feature 3 (dt926)") and the field. A
  writer cleans every record of its input before it writes anything.
- `validate_project`, `validate_source`, `validate_boundary`: the same rules on ORM objects,
  run by the flush hook on every session of the app, so no writer can skip them.

The limits of text, numbers, dates and geometries are in `tracker.limits` (derived from the
ORM columns, so text fits its column on SQLite and PostGIS alike). CHECK constraints in the
database (see the migrations) keep other writers honest. Derived values (length, bounding box,
current status, search text) are computed at flush time so no code path can store them
inconsistently. The hook is installed on the app's session factory (`install`), never on
SQLAlchemy's global Session class.
"""

from __future__ import annotations

import math
import numbers
import re
from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

from tracker import vocab
from tracker.dates import parse_partial
from tracker.errors import ValidationError
from tracker.limits import (
    COLUMN_RULES,
    DATE_MAX,
    DATE_MIN,
    MAX_VERTICES,
    YEAR_MAX,
    YEAR_MIN,
    Limits,
    check_geometry,
    check_row,
    check_value,
    check_values,
    refuse_characters,
)
from tracker.models import (
    Boundary,
    FundingLine,
    InvestmentEstimate,
    Project,
    ProjectComponent,
    ProjectProvince,
    ProjectSource,
    Source,
    StatusUpdate,
    utcnow,
)
from tracker.text import SLUG_MAX, check_http_url, is_slug, shown

# --------------------------------------------------------------------------- raw values in

_ISO_PARTIAL = re.compile(r"[0-9]{4}(?:-[0-9]{2}(?:-[0-9]{2})?)?")
_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _text(raw: Mapping[str, Any], table: str, name: str, label: str) -> str | None:
    """Text, trimmed; empty is None. Multi-line text has its line ends made '\\n'."""
    v = raw.get(name)
    if v is None:
        return None
    if not isinstance(v, str):
        raise ValidationError(f"{label}: {name} must be text, got {shown(v)}", field=name)
    rule = COLUMN_RULES[table][name]
    if rule.kind == "multiline":
        v = v.replace("\r\n", "\n").replace("\r", "\n")
    refuse_characters(rule, name, v, label)  # before trimming, which would hide some
    v = v.strip()
    check_value(table, name, v, label)
    return v or None


def _number(raw: Mapping[str, Any], table: str, name: str, label: str) -> float | None:
    v = raw.get(name)
    if v is None:
        return None
    if isinstance(v, bool) or not isinstance(v, numbers.Real):
        raise ValidationError(f"{label}: {name} must be a number, got {shown(v)}", field=name)
    out = float(v)
    check_value(table, name, out, label)
    return out


def _whole(raw: Mapping[str, Any], table: str, name: str, label: str) -> int | None:
    """A whole number (a JSON 1e12 is whole too, when it is exact)."""
    v = raw.get(name)
    if v is None:
        return None
    if isinstance(v, float) and math.isfinite(v) and v.is_integer() and abs(v) <= 2**53:
        v = int(v)
    if isinstance(v, bool) or not isinstance(v, numbers.Integral):
        raise ValidationError(f"{label}: {name} must be a whole number, got {shown(v)}",
                              field=name)
    out = int(v)
    check_value(table, name, out, label)
    return out


def _partial_date(raw: Mapping[str, Any], table: str, name: str, bound: str, label: str
                  ) -> tuple[date | None, str | None]:
    """'2026', '2026-03' or '2026-03-09' -> (date, precision), within the register's years."""
    v = raw.get(name)
    if v is None:
        return None, None
    if not isinstance(v, str) or not _ISO_PARTIAL.fullmatch(v.strip()):
        raise ValidationError(
            f"{label}: {name} {shown(v)} is not an ISO 8601 date (YYYY, YYYY-MM or YYYY-MM-DD)",
            field=name)
    try:
        value, precision = parse_partial(v, bound, field=name)
    except ValidationError as exc:
        raise ValidationError(f"{label}: {exc.message}", field=name) from exc
    check_value(table, name, value, label)
    return value, precision


def _day(raw: Mapping[str, Any], table: str, name: str, label: str, given_as: str
         ) -> date | None:
    """A full ISO date, read from `raw[given_as]` into the column `name`."""
    v = raw.get(given_as)
    if v is None:
        return None
    if not isinstance(v, str) or not _ISO_DAY.fullmatch(v.strip()):
        raise ValidationError(f"{label}: {given_as} {shown(v)} is not an ISO date YYYY-MM-DD",
                              field=given_as)
    try:
        value = date.fromisoformat(v.strip())
    except ValueError as exc:
        raise ValidationError(f"{label}: {given_as} {shown(v)} is not a real date ({exc})",
                              field=given_as) from exc
    if not DATE_MIN <= value <= DATE_MAX:
        raise ValidationError(f"{label}: {given_as} {value} is outside {YEAR_MIN}–{YEAR_MAX}",
                              field=given_as)
    check_value(table, name, value, label)
    return value


ROLE_FIELDS = ("governing_body", "project_owner", "private_investor")
PROJECT_TEXT = ("code", "name_vi", "name_en", "kind", "field", "description_vi",
                "description_en", *ROLE_FIELDS, "programme_role", "corridor",
                "geometry_accuracy", "geometry_note", "geometry_note_en")
_STATED = re.compile(r"[0-9]+(?:[.,]([0-9]+))?")


def stated_number(raw: Mapping[str, Any], table: str, name: str, label: str
                  ) -> tuple[float | None, int | None]:
    """A stated value and the decimals its source wrote: a number (37.152) or text as the
    source prints it ("37,152" or "37.152"; text keeps trailing zeros, "37,40" -> 2)."""
    v = raw.get(name)
    if isinstance(v, str):
        m = _STATED.fullmatch(v.strip())
        if m is None:
            raise ValidationError(f"{label}: {name} must be a number as the source writes it "
                                  f"(37.152 or 37,152), got {shown(v)}", field=name)
        decimals = len(m.group(1) or "")
        value = _number({name: float(v.strip().replace(",", "."))}, table, name, label)
        return value, decimals
    value = _number(raw, table, name, label)
    if value is None:
        return None, None
    text = repr(value)
    decimals = 0 if value.is_integer() else len(text.split(".")[1]) if "." in text else 0
    return value, decimals
PROJECT_DATES = {"planned_start": "start", "planned_end": "end",
                 "actual_start": "start", "actual_end": "end"}


def clean_project(raw: Mapping[str, Any], label: str, limits: Limits) -> dict[str, Any]:
    """A project's own values from raw input: the text fields, `stated_length_km`,
    `total_investment_vnd`, the four partial dates (as ISO text), `provinces` (a list of
    codes) and `geometry` (a Shapely geometry or None). The status comes from the history."""
    out: dict[str, Any] = {name: _text(raw, "projects", name, label) for name in PROJECT_TEXT}
    out["field"] = out["field"] or "transport"
    out["programme_role"] = out["programme_role"] or "programme"
    out["stated_length_km"], out["stated_length_decimals"] = stated_number(
        raw, "projects", "stated_length_km", label)
    out["total_investment_vnd"] = _whole(raw, "projects", "total_investment_vnd", label)
    for name, bound in PROJECT_DATES.items():
        out[name], out[f"{name}_precision"] = _partial_date(raw, "projects", name, bound, label)
    provinces = raw.get("provinces") or []
    if not isinstance(provinces, list) or not all(isinstance(p, str) for p in provinces):
        raise ValidationError(f"{label}: provinces must be a list of province codes",
                              field="provinces")
    out["provinces"] = sorted(set(provinces))
    out["geometry"] = raw.get("geometry")
    _project_rules(out, label)
    check_geometry(out["geometry"], out["kind"], label, limits)
    return out


def clean_update(raw: Mapping[str, Any], label: str,
                 total_investment_vnd: int | None = None) -> dict[str, Any]:
    """One dated entry of a history: as_of (partial date), status, progress_pct (0–100),
    disbursed_vnd (at most the total investment), note (Vietnamese), note_en, author."""
    as_of, precision = _partial_date(raw, "status_updates", "as_of", "start", label)
    out: dict[str, Any] = {
        "as_of": as_of, "as_of_precision": precision,
        "status": _text(raw, "status_updates", "status", label),
        "progress_pct": _number(raw, "status_updates", "progress_pct", label),
        "disbursed_vnd": _whole(raw, "status_updates", "disbursed_vnd", label),
        "note": _text(raw, "status_updates", "note", label),
        "note_en": _text(raw, "status_updates", "note_en", label),
        "author": _text(raw, "status_updates", "author", label),
    }
    _update_rules(out, label, total_investment_vnd)
    return out


def clean_funding(raw: Mapping[str, Any], label: str) -> dict[str, Any]:
    """One funding line: source_type, province (provincial budgets only), amount_vnd,
    budget_year, note (Vietnamese), note_en."""
    out: dict[str, Any] = {
        "source_type": _text(raw, "funding_lines", "source_type", label),
        "province": _text(raw, "funding_lines", "province", label),
        "amount_vnd": _whole(raw, "funding_lines", "amount_vnd", label),
        "budget_year": _whole(raw, "funding_lines", "budget_year", label),
        "note": _text(raw, "funding_lines", "note", label),
        "note_en": _text(raw, "funding_lines", "note_en", label),
    }
    _funding_rules(out, label)
    return out


def clean_estimate(raw: Mapping[str, Any], label: str) -> dict[str, Any]:
    """One dated investment figure: key (a slug the funding lines cite), amount_vnd
    (required), as_of (partial date, or null when the source gives none), basis (proposal,
    approved, adjusted, or null), qualifier (exact by default), original_amount with
    original_currency (ISO 4217), note, note_en."""
    as_of, precision = _partial_date(raw, "investment_estimates", "as_of", "start", label)
    out: dict[str, Any] = {
        "key": _text(raw, "investment_estimates", "key", label),
        "amount_vnd": _whole(raw, "investment_estimates", "amount_vnd", label),
        "as_of": as_of, "as_of_precision": precision,
        "basis": _text(raw, "investment_estimates", "basis", label),
        "qualifier": _text(raw, "investment_estimates", "qualifier", label) or "exact",
        "original_amount": _number(raw, "investment_estimates", "original_amount", label),
        "original_currency": _text(raw, "investment_estimates", "original_currency", label),
        "note": _text(raw, "investment_estimates", "note", label),
        "note_en": _text(raw, "investment_estimates", "note_en", label),
    }
    _estimate_rules(out, label)
    return out


def clean_component(raw: Mapping[str, Any], label: str) -> dict[str, Any]:
    """One part of a project as a source splits it: province (null for a section that is
    no province's), name_vi/name_en, stated_length_km (as the source writes it) with its
    length_qualifier, amount_vnd with its amount_qualifier, note, note_en."""
    length, decimals = stated_number(raw, "project_components", "stated_length_km", label)
    # governing_body: the component's own cơ quan chủ quản (each province, for a national
    # expressway split by province)
    out: dict[str, Any] = {
        name: _text(raw, "project_components", name, label)
        for name in ("province", "name_vi", "name_en", "governing_body", "length_qualifier",
                     "amount_qualifier", "note", "note_en")}
    out["stated_length_km"], out["stated_length_decimals"] = length, decimals
    out["amount_vnd"] = _whole(raw, "project_components", "amount_vnd", label)
    _component_rules(out, label)
    return out


def clean_source(raw: Mapping[str, Any], label: str) -> dict[str, Any]:
    """A source: key (a slug), publisher (required), title, published (YYYY-MM-DD, stored as
    published_on), url (http or https), locator, note."""
    out: dict[str, Any] = {name: _text(raw, "sources", name, label)
                           for name in ("key", "title", "publisher", "url", "locator", "note")}
    out["published_on"] = _day(raw, "sources", "published_on", label, given_as="published")
    _source_rules(out, label)
    return out


# --------------------------------------------------------------------------- the rules

def _in(value: Any, allowed: tuple[str, ...], label: str, field: str) -> None:
    if value not in allowed:
        raise ValidationError(
            f"{label}: {field} {shown(value)} is not one of {', '.join(allowed)}", field=field)


def _non_negative(value: Any, label: str, field: str) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValidationError(f"{label}: {field} must be a number, got {shown(value)}",
                              field=field)
    if value < 0:
        raise ValidationError(f"{label}: {field} must be ≥ 0, got {value}", field=field)


def _progress(value: Any, label: str) -> None:
    _non_negative(value, label, "progress_pct")
    if value is not None and not 0 <= value <= 100:  # NaN fails here too
        raise ValidationError(f"{label}: progress_pct must be between 0 and 100, got {value}",
                              field="progress_pct")


def _order(start: date | None, end: date | None, label: str, what: str) -> None:
    if start is not None and end is not None and end < start:
        raise ValidationError(f"{label}: {what} end {end} is before its start {start}",
                              field=f"{what}_end")


def _project_rules(v: Mapping[str, Any], label: str) -> None:
    """The rules of a project's own values (those present in `v`, named like the columns)."""
    if "code" in v and not is_slug(v["code"]):
        raise ValidationError(
            f"{label}: code must be a slug (lowercase letters, digits and single hyphens, "
            f"at most {SLUG_MAX} characters)", field="code")
    check_values("projects", v, label)
    if "name_vi" in v and not (v["name_vi"] or "").strip():
        raise ValidationError(f"{label}: name_vi is required", field="name_vi")
    for name, terms in (("kind", vocab.KINDS), ("status", vocab.STATUSES),
                        ("field", vocab.COOPERATION_FIELDS),
                        ("programme_role", vocab.PROGRAMME_ROLES)):
        if name in v:
            _in(v[name], vocab.codes(terms), label, name)
    if v.get("corridor") is not None and not is_slug(v["corridor"]):
        raise ValidationError(f"{label}: corridor {shown(v['corridor'])} is not a slug",
                              field="corridor")
    for prov in v.get("provinces", ()):
        _in(prov, vocab.codes(vocab.PROVINCES), label, "provinces")
    if "progress_pct" in v:
        _progress(v["progress_pct"], label)
    for name in ("total_investment_vnd", "disbursed_vnd", "stated_length_km"):
        _non_negative(v.get(name), label, name)
    for name in ("total_investment_vnd", "disbursed_vnd"):
        if v.get(name) is not None and not isinstance(v[name], int):
            raise ValidationError(f"{label}: {name} must be whole đồng, got {shown(v[name])}",
                                  field=name)
    total, disbursed = v.get("total_investment_vnd"), v.get("disbursed_vnd")
    if disbursed is not None and total is not None and disbursed > total:
        raise ValidationError(
            f"{label}: disbursed {disbursed} VND exceeds the total investment {total} VND",
            field="disbursed_vnd")
    for what in ("planned", "actual"):
        for end in ("start", "end"):
            d, prec = v.get(f"{what}_{end}"), v.get(f"{what}_{end}_precision")
            if d is not None and prec is None:
                raise ValidationError(f"{label}: {what}_{end} has no precision",
                                      field=f"{what}_{end}")
            if prec is not None:
                _in(prec, vocab.DATE_PRECISIONS, label, f"{what}_{end}_precision")
        _order(v.get(f"{what}_start"), v.get(f"{what}_end"), label, what)
    if v.get("geometry") is not None:
        _in(v.get("geometry_accuracy"), vocab.codes(vocab.GEOMETRY_ACCURACY), label,
            "geometry_accuracy")


def _update_rules(v: Mapping[str, Any], label: str, total: int | None) -> None:
    if v.get("as_of") is None:
        raise ValidationError(f"{label}: an update needs its as-of date", field="as_of")
    check_values("status_updates", v, label)
    _in(v.get("as_of_precision"), vocab.DATE_PRECISIONS, label, "as_of_precision")
    _in(v.get("status"), vocab.codes(vocab.STATUSES), label, "status")
    _progress(v.get("progress_pct"), label)
    _non_negative(v.get("disbursed_vnd"), label, "disbursed_vnd")
    disbursed = v.get("disbursed_vnd")
    if disbursed is not None and total is not None and disbursed > total:
        raise ValidationError(f"{label}: disbursed exceeds the total investment",
                              field="disbursed_vnd")


def _funding_rules(v: Mapping[str, Any], label: str) -> None:
    check_values("funding_lines", v, label)
    _in(v.get("source_type"), vocab.codes(vocab.FUNDING_SOURCES), label, "source_type")
    if v.get("province") is not None:
        if v.get("source_type") != "provincial_budget":
            raise ValidationError(f"{label}: a province is only given for a provincial budget",
                                  field="province")
        _in(v["province"], vocab.codes(vocab.PROVINCES), label, "province")
    _non_negative(v.get("amount_vnd"), label, "amount_vnd")
    year = v.get("budget_year")
    if year is not None and not YEAR_MIN <= year <= YEAR_MAX:
        raise ValidationError(
            f"{label}: budget_year {year} is not a plausible year ({YEAR_MIN}–{YEAR_MAX})",
            field="budget_year")


def _qualifier(v: Mapping[str, Any], name: str, label: str, required: bool = False) -> None:
    if v.get(name) is not None or required:
        _in(v.get(name), vocab.codes(vocab.QUALIFIERS), label, name)


def _estimate_rules(v: Mapping[str, Any], label: str) -> None:
    check_values("investment_estimates", v, label)
    if "key" in v and not is_slug(v["key"]):
        raise ValidationError(f"{label}: key {shown(v['key'])} is not a slug", field="key")
    if v.get("amount_vnd") is None:
        raise ValidationError(f"{label}: an estimate needs its amount_vnd", field="amount_vnd")
    _non_negative(v["amount_vnd"], label, "amount_vnd")
    if v.get("basis") is not None:
        _in(v["basis"], vocab.codes(vocab.ESTIMATE_BASES), label, "basis")
    _qualifier(v, "qualifier", label, required=True)
    if (v.get("as_of") is None) != (v.get("as_of_precision") is None):
        raise ValidationError(f"{label}: as_of needs its precision", field="as_of")
    if v.get("as_of_precision") is not None:
        _in(v["as_of_precision"], vocab.DATE_PRECISIONS, label, "as_of_precision")
    if v.get("original_amount") is None and v.get("original_currency") is not None:
        raise ValidationError(f"{label}: original_currency needs its original_amount",
                              field="original_amount")
    if v.get("original_amount") is not None:
        _non_negative(v["original_amount"], label, "original_amount")
        currency = v.get("original_currency")
        if not (isinstance(currency, str) and re.fullmatch(r"[A-Z]{3}", currency)):
            raise ValidationError(f"{label}: original_amount needs an ISO 4217 "
                                  f"original_currency, got {shown(currency)}",
                                  field="original_currency")


def _component_rules(v: Mapping[str, Any], label: str) -> None:
    check_values("project_components", v, label)
    if v.get("province") is not None:
        _in(v["province"], vocab.codes(vocab.PROVINCES), label, "province")
    if v.get("province") is None and not v.get("name_vi"):
        raise ValidationError(f"{label}: a component needs a province or a name_vi",
                              field="name_vi")
    _non_negative(v.get("stated_length_km"), label, "stated_length_km")
    _non_negative(v.get("amount_vnd"), label, "amount_vnd")
    _qualifier(v, "length_qualifier", label)
    _qualifier(v, "amount_qualifier", label)


def _source_rules(v: Mapping[str, Any], label: str) -> None:
    if "key" in v and not is_slug(v["key"]):
        raise ValidationError(f"{label}: key {shown(v['key'])} is not a slug", field="key")
    check_values("sources", v, label)
    if "publisher" in v and not (v["publisher"] or "").strip():
        raise ValidationError(f"{label}: publisher is required", field="publisher")
    if v.get("url") is not None:
        try:
            check_http_url(v["url"], "url")
        except ValidationError as exc:
            raise ValidationError(f"{label}: {exc.message}", field="url") from exc


# --------------------------------------------------------------------------- ORM rows

_COLUMN_KEYS: dict[type, tuple[str, ...]] = {}


def _values(obj: Any) -> dict[str, Any]:
    keys = _COLUMN_KEYS.get(type(obj))
    if keys is None:  # the table's column keys, once per class (a flush checks thousands)
        keys = _COLUMN_KEYS[type(obj)] = tuple(c.key for c in obj.__table__.columns)
    return {k: getattr(obj, k) for k in keys}


def validate_project(p: Project, region: tuple[float, float, float, float],
                     max_vertices: int = MAX_VERTICES) -> None:
    """Every rule a project must satisfy; raises ValidationError naming the project and field."""
    label = f"project {shown(p.code)}"
    values = _values(p)
    values["provinces"] = p.province_codes
    _project_rules(values, label)
    check_geometry(p.geometry, p.kind, label, Limits(region, max_vertices))
    for u in p.updates:
        validate_update(u, p)
    for f in p.funding_lines:
        validate_funding(f, p)
    seqs = [e.seq for e in p.estimates]
    keys = [e.key for e in p.estimates]
    if len(set(seqs)) != len(seqs) or len(set(keys)) != len(keys):
        raise ValidationError(f"{label}: two estimates share an order or a key",
                              field="estimates")
    dated = [e.as_of for e in sorted(p.estimates, key=lambda e: e.seq) if e.as_of]
    if dated != sorted(dated):
        raise ValidationError(f"{label}: the estimates' dates go back in time: they are "
                              "listed oldest first", field="estimates")
    for e in p.estimates:
        _estimate_rules(_values(e), f"{label}: estimate {shown(e.key)}")
    for c in p.components:
        _component_rules(_values(c), f"{label}: component {c.seq}")
        if c.province is not None and c.province not in p.province_codes:
            raise ValidationError(f"{label}: component {c.seq} is in {c.province}, which is "
                                  "not one of the project's provinces", field="components")
    for link in p.source_links:
        check_row(link, f"{label}: source link")


def validate_update(u: StatusUpdate, p: Project) -> None:
    label = f"project {shown(p.code)}: update of {u.as_of}"
    _update_rules(_values(u), label, p.total_investment_vnd)


def validate_funding(f: FundingLine, p: Project) -> None:
    _funding_rules(_values(f), f"project {shown(p.code)}: funding line")


def validate_source(s: Source) -> None:
    _source_rules(_values(s), f"source {shown(s.key)}")


def validate_boundary(b: Boundary, label: str) -> None:
    """A province outline's text (names reach every map) fits and holds no control character."""
    check_row(b, label)


def _derive_and_validate(session: Session, _ctx: Any, _instances: Any) -> None:
    """Derive and check every project touched by this flush, before SQL is sent."""
    region = session.info["region"]
    max_vertices = session.info.get("max_vertices", MAX_VERTICES)
    touched: dict[int, Project] = {}
    for obj in list(session.new) + list(session.dirty):
        if isinstance(obj, Project):
            project: Project | None = obj
        elif isinstance(obj, StatusUpdate | FundingLine | ProjectProvince | ProjectSource
                        | InvestmentEstimate | ProjectComponent):
            project = obj.project
        elif isinstance(obj, Source):
            validate_source(obj)
            continue
        elif isinstance(obj, Boundary):
            validate_boundary(obj, f"boundary {shown(obj.code)}")
            continue
        else:
            continue
        if project is not None and project not in session.deleted:
            touched[id(project)] = project
    for project in touched.values():
        _refuse_typed_total(project)
        project.refresh_derived()
        validate_project(project, region, max_vertices)
        if project in session.dirty and session.is_modified(project):
            project.updated_at = utcnow()


def _refuse_typed_total(p: Project) -> None:
    """A project with dated estimates has the latest one as its total: typing another total
    would be overwritten silently, so it is refused (add an estimate instead)."""
    from sqlalchemy import inspect

    latest = p.latest_estimate()
    if latest is None:
        return
    added = inspect(p).attrs.total_investment_vnd.history.added
    if added and added[-1] is not None and added[-1] != latest.amount_vnd:
        raise ValidationError(
            f"project {shown(p.code)}: total_investment_vnd is the latest dated estimate "
            f"({latest.amount_vnd} VND); record a new estimate instead of typing a total",
            field="total_investment_vnd")


def install(factory: sessionmaker[Session], max_vertices: int = MAX_VERTICES) -> None:
    """Derive and validate on every flush of sessions made by this factory."""
    factory.kw.setdefault("info", {})["max_vertices"] = max_vertices
    event.listen(factory, "before_flush", _derive_and_validate)
