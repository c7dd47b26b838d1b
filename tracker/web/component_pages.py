"""The components form (editors): a project's parts as the source splits it, one row each
(province or section name, governing body, stated length as the source writes it, amount,
qualifiers, note, source), changed, removed or added together and saved as one list by
tracker.services.components. Like every edit form: CSRF, the version it was made from (a
stale form says who changed what since), each error next to its field and what was typed kept.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request

from tracker import formatting, vocab
from tracker.audit import Actor
from tracker.i18n import current_lang, gettext
from tracker.models import Project
from tracker.services import components as service
from tracker.web.access import require_role
from tracker.web.edit_forms import (
    ComponentsForm,
    FieldMessage,
    Unreadable,
    _number,
    _terms,
    message_for,
    place_errors,
    set_choices,
)
from tracker.web.editing import _me, _project_or_404, _saved, _source, _sources, _version, _write
from tracker.web.request import db_session

bp = Blueprint("components", __name__)
BLANK_ROWS = 3  # empty rows offered for new components
TEXT = ("name_vi", "name_en", "governing_body", "note", "note_en")


def _row_choices(form: ComponentsForm, project: Project, sources: list[tuple[str, str]]
                 ) -> None:
    """The choices of each row's selects: the project's provinces (a section is no
    province's), the qualifiers, the stored sources ("": the form's source)."""
    provinces = [t for t in vocab.PROVINCES if t.code in project.province_codes]
    for entry in form.rows:
        row = entry.form
        row.province.choices = [("", gettext("edit.components.no_province")),
                                *_terms(tuple(provinces))]
        for name in ("length_qualifier", "amount_qualifier"):
            getattr(row, name).choices = _terms(vocab.QUALIFIERS, blank=True)
        row.source.choices = [("", gettext("edit.components.form_source")), *sources]


def _initial(project: Project) -> ComponentsForm:
    lang = current_lang()
    rows = [{"province": c.province or "", "name_vi": c.name_vi, "name_en": c.name_en,
             "governing_body": c.governing_body,
             "stated_length_km": "" if c.stated_length_km is None else formatting.number(
                 c.stated_length_km, c.stated_length_decimals or 0, lang),
             "length_qualifier": c.length_qualifier or "",
             "amount_vnd": "" if c.amount_vnd is None else formatting.number(
                 c.amount_vnd, 0, lang),
             "amount_qualifier": c.amount_qualifier or "", "note": c.note,
             "note_en": c.note_en, "source": c.source.key if c.source else ""}
            for c in sorted(project.components, key=lambda c: c.seq)]
    rows += [{} for _ in range(BLANK_ROWS)]
    return ComponentsForm(data={"version": str(project.version_id), "rows": rows})


def _is_blank(row: Any) -> bool:
    return not any((getattr(row, name).data or "").strip() for name in (
        "province", "name_vi", "name_en", "governing_body", "stated_length_km", "amount_vnd",
        "note", "note_en"))


def _typed_rows(form: ComponentsForm) -> tuple[list[dict[str, Any]], list[int],
                                                 list[dict[str, str]]]:
    """The rows kept (not removed, not blank) as the service reads them, the form row each
    came from, and the numbers that could not be read (as the service's errors)."""
    rows: list[dict[str, Any]] = []
    origin: list[int] = []
    unreadable: list[dict[str, str]] = []
    for index, entry in enumerate(form.rows):
        row = entry.form
        if row.remove.data or _is_blank(row):
            continue
        values: dict[str, Any] = {name: (getattr(row, name).data or "").strip() or None
                                  for name in TEXT}
        values["province"] = row.province.data or None
        values["stated_length_km"] = (row.stated_length_km.data or "").strip() or None
        for name in ("length_qualifier", "amount_qualifier", "source"):
            values[name] = getattr(row, name).data or None
        try:
            values["amount_vnd"] = _number("amount_vnd", row.amount_vnd.data or "")
        except Unreadable as exc:
            unreadable.append({"field": f"components.{len(rows) + 1}.amount_vnd",
                               "message": gettext(exc.key)})
        rows.append(values)
        origin.append(index)
    return rows, origin, unreadable


def _place_row_errors(form: ComponentsForm, origin: list[int],
                      errors: list[dict[str, str]]) -> list[dict[str, str]]:
    """Errors of a row's field next to it; the others are returned for place_errors."""
    rest = []
    for error in errors:
        parts = error["field"].split(".")
        if len(parts) == 3 and parts[0] == "components" and parts[1].isdigit() \
                and 0 < int(parts[1]) <= len(origin):
            row = form.rows[origin[int(parts[1]) - 1]].form
            widget = getattr(row, parts[2], None)
            if widget is not None and hasattr(widget, "errors"):
                widget.errors = [*widget.errors,
                                 FieldMessage.of(message_for(parts[2]), error["message"])]
                continue
        rest.append(error)
    return rest


@bp.route("/projects/<code>/components", methods=["GET", "POST"])
@require_role("editor")
def components(code: str) -> Any:
    project = _project_or_404(code)
    sources = _sources()
    if request.method == "GET":
        form = _initial(project)
        set_choices(form, sources)
        _row_choices(form, project, sources)
        html = render_template("editing/components.html", form=form, p=project, loose=[],
                               stale=None)
        return html, 200, {"Cache-Control": "no-store"}
    form = ComponentsForm()
    set_choices(form, sources)
    _row_choices(form, project, sources)
    read = _version(form)
    rows, origin, unreadable = _typed_rows(form)
    user = _me()
    refusal = _write(lambda: service.replace_components(
        db_session(), Actor.of(user), project, rows, expected_version=read,
        source=_source(form), refused=unreadable), "editing/components.html", form, project,
        read, place=lambda f, errors: place_errors(f, _place_row_errors(f, origin, errors)))
    return refusal or _saved(project, "components")
