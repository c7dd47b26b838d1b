"""The audit trail for people (editors and admins): `/audit`, filtered by project, person, day
(Vietnam time) and kind, a page at a time, and its CSV twin; a project's own trail on its
page ("Lịch sử thay đổi"). Changes to accounts (users, tokens, failed sign-ins) are shown to
admins only.

Every value is data: the templates autoescape it, the CSV goes through
tracker.formats.tables.records_to_csv (no cell can run as a formula).
"""

from __future__ import annotations

import json
import math
from typing import Any

from flask import Blueprint, Response, render_template, request

from tracker import auth, formatting, vocab
from tracker.dates import display_partial, parse_partial
from tracker.errors import NotFound, ValidationError
from tracker.formats.tables import records_to_csv
from tracker.i18n import current_lang, gettext, has_text
from tracker.models import AuditEntry, Project, User
from tracker.params import parse_page
from tracker.queries.audit import (
    ACCOUNT_KINDS,
    PROJECT_KINDS,
    AuditFilter,
    count_entries,
    people,
    project_entries,
    select_entries,
)
from tracker.web.access import require_role, signed_in_user
from tracker.web.request import db_session

bp = Blueprint("audit_pages", __name__)

PAGE_SIZE = 100
PROJECT_PAGE_ENTRIES = 20
TEXT_SHOWN = 300  # characters of a long value shown in a table (the CSV has them all)
CSV_FIELDS = ("at", "actor", "kind", "project", "summary", "field", "old", "new")
MONEY = ("total_investment_vnd", "disbursed_vnd", "amount_vnd")
PERCENT = ("progress_pct",)
LABELS = {"status": vocab.STATUSES, "kind": vocab.KINDS, "field": vocab.COOPERATION_FIELDS,
          "geometry_accuracy": vocab.GEOMETRY_ACCURACY, "role": vocab.ROLES}
PARTIAL_DATES = ("planned_start", "planned_end", "actual_start", "actual_end", "as_of")


def visible_kinds(user: User | None) -> tuple[str, ...]:
    """The kinds of entry this reader may see: accounts' only for admins."""
    return PROJECT_KINDS + (ACCOUNT_KINDS if auth.can(user, "manage_users") else ())


# --------------------------------------------------------------------------- values

def _term(terms: tuple[vocab.Term, ...], code: Any) -> str:
    term = vocab.lookup(terms, code)
    return term.label(current_lang()) if term else str(code)


def field_label(name: str) -> str:
    for key in (f"edit.field.{name}", f"supports.{name}"):
        if has_text(key):
            return gettext(key)
    return name


def _positions(geometry: dict[str, Any]) -> int:
    def count(c: Any) -> int:
        if not isinstance(c, list) or not c:
            return 0
        return 1 if not isinstance(c[0], list) else sum(count(x) for x in c)
    return count(geometry.get("coordinates"))


def _shorten(text: str) -> str:
    return text if len(text) <= TEXT_SHOWN else text[:TEXT_SHOWN] + "…"


def _component_text(c: dict[str, Any]) -> str:
    """A component of the trail in words: its province (or name), length and amount."""
    lang = current_lang()
    where = _term(vocab.PROVINCES, c["province"]) if c.get("province") else _shorten(
        str(c.get("name_vi") or "?"))
    parts = [where]
    if c.get("stated_length_km") is not None:
        parts.append(formatting.km(c["stated_length_km"], lang))
    if c.get("amount_vnd") is not None:
        parts.append(formatting.vnd(c["amount_vnd"], lang))
    return " · ".join(parts)


def show_value(field: str, value: Any) -> str:
    """A value of the trail as the reader reads it (labels, money, dates, geometry in
    words); unknown is the no-data dash."""
    lang = current_lang()
    if value is None or value == [] or value == "":
        return "–"
    if field == "geometry" and isinstance(value, dict):
        return gettext("audit.geometry", type=value.get("type", "?"), n=_positions(value))
    if field == "update" and isinstance(value, dict):
        parts = [display_partial(*parse_partial(value["as_of"])) if value.get("as_of")
                 else "", show_value("status", value.get("status"))]
        for name in ("progress_pct", "disbursed_vnd"):
            if value.get(name) is not None:
                parts.append(f"{field_label(name)}: {show_value(name, value[name])}")
        for name in ("note", "note_en", "source"):
            if value.get(name):
                parts.append(f"{field_label(name)}: {_shorten(str(value[name]))}")
        return " · ".join(p for p in parts if p)
    if field == "components" and isinstance(value, list):
        return "; ".join(_component_text(c) for c in value if isinstance(c, dict)) or "–"
    if field == "estimate" and isinstance(value, dict):
        parts = [show_value("total_investment_vnd", value.get("amount_vnd")),
                 display_partial(*parse_partial(value["as_of"])) if value.get("as_of") else "",
                 _term(vocab.ESTIMATE_BASES, value["basis"]) if value.get("basis") else ""]
        if value.get("original_amount") is not None:
            parts.append(f"{formatting.number(value['original_amount'], 0, lang)} "
                         f"{value.get('original_currency') or ''}".strip())
        for name in ("note", "note_en", "source"):
            if value.get(name):
                parts.append(f"{field_label(name)}: {_shorten(str(value[name]))}")
        return " · ".join(p for p in parts if p)
    if field in LABELS:
        return _term(LABELS[field], value)
    if field == "provinces" and isinstance(value, list):
        return ", ".join(_term(vocab.PROVINCES, v) for v in value)
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, bool):
        return gettext("audit.yes" if value else "audit.no")
    if field in MONEY and isinstance(value, int):
        return formatting.vnd(value, lang)
    if field in PERCENT and isinstance(value, int | float):
        return formatting.percent(value, lang)
    if field == "stated_length_km" and isinstance(value, int | float):
        return formatting.km(value, lang)
    if field in PARTIAL_DATES and isinstance(value, str):
        try:
            return display_partial(*parse_partial(value)) or value
        except ValidationError:
            return value
    return _shorten(str(value))


def change_rows(entry: AuditEntry) -> list[dict[str, str]]:
    """An entry's changes as label, old, new (text to show)."""
    return [{"field": c["field"], "label": field_label(c["field"]),
             "old": show_value(c["field"], c["old"]), "new": show_value(c["field"], c["new"])}
            for c in entry.change_list]


def kind_label(code: str) -> str:
    return _term(vocab.AUDIT_KINDS, code)


def project_trail(p: Project) -> list[AuditEntry]:
    """A project's latest entries for its page, when the reader may see them."""
    if not auth.can(signed_in_user(), "read_audit"):
        return []
    return project_entries(db_session(), p.id, PROJECT_PAGE_ENTRIES)


@bp.app_context_processor
def _helpers() -> dict[str, Any]:
    return {"audit_changes": change_rows, "audit_kind": kind_label,
            "project_trail": project_trail, "field_label": field_label}


# --------------------------------------------------------------------------- pages

def _filter() -> tuple[AuditFilter, tuple[str, ...]]:
    kinds = visible_kinds(signed_in_user())
    return AuditFilter.from_args(request.args, kinds), kinds


@bp.route("/audit")
@require_role("editor")
def audit() -> Any:
    f, kinds = _filter()
    session = db_session()
    page = parse_page(request.args)
    total = count_entries(session, f, kinds)
    pages = max(1, math.ceil(total / PAGE_SIZE))
    if page > pages:
        raise NotFound(gettext("table.no_such_page", page=page, pages=pages))
    entries = select_entries(session, f, kinds, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    html = render_template("audit.html", f=f, entries=entries, total=total, page=page,
                           pages=pages, kinds=kinds, people=people(session, kinds),
                           args=f.to_args())
    return html, 200, {"Cache-Control": "no-store"}


def _csv_value(value: Any) -> Any:
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return value


@bp.route("/audit.csv")
@require_role("editor")
def audit_csv() -> Response:
    f, kinds = _filter()
    rows: list[dict[str, Any]] = []
    for e in select_entries(db_session(), f, kinds):
        common = {"at": formatting.vietnam_time(e.at).isoformat(timespec="seconds"),
                  "actor": e.actor, "kind": e.kind,
                  "project": e.project.code if e.project else "", "summary": e.summary}
        changes = e.change_list or [{"field": "", "old": None, "new": None}]
        rows += [{**common, "field": c["field"], "old": _csv_value(c["old"]),
                  "new": _csv_value(c["new"])} for c in changes]
    body = records_to_csv(rows, CSV_FIELDS, bom=True).encode("utf-8")
    return Response(body, mimetype="text/csv", headers={
        "Content-Disposition": 'attachment; filename="lich-su-thay-doi.csv"',
        "Cache-Control": "no-store"})
