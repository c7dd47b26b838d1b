"""The edit forms (Flask-WTF: each carries its CSRF token and the project's version) and the
way between them and the services: typed text in, the services' raw values out; the
services' field errors back next to their fields, in the reader's language.

No validation here: the only checks are the ones that turn text into the types the register's
rules (tracker.checks) read, a number or a date as a person types it ("1.250.000.000",
"45,5", "09/03/2026", "03/2026"); everything else is tracker.checks' call.
"""

from __future__ import annotations

import re
from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    FieldList,
    FileField,
    Form,
    FormField,
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.widgets import CheckboxInput, ListWidget

from tracker import vocab
from tracker.i18n import current_lang, gettext, has_text
from tracker.limits import COLUMN_RULES
from tracker.services.projects import SOURCE_FIELDS
from tracker.web.crs_choice import crs_choices

NEW_SOURCE = "_new"  # the source choice "a new source" (no key can be it: keys are slugs)
NUMBERS = {"stated_length_km": "decimal", "total_investment_vnd": "whole",
           "progress_pct": "decimal", "disbursed_vnd": "whole", "amount_vnd": "whole",
           "original_amount": "whole"}
DATES = ("planned_start", "planned_end", "actual_start", "actual_end", "as_of")
_DAY = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
_MONTH = re.compile(r"(\d{1,2})/(\d{4})")
_GROUPED = re.compile(r"\d{1,3}([., ]\d{3})+")


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class VersionedForm(FlaskForm):
    """A form about an existing project carries the version it was made from (If-Match)."""

    version = HiddenField()


class StatusFields:
    """A dated status: the history entry a status update (or a new project) records."""

    as_of = StringField()
    status = SelectField(validate_choice=False)
    progress_pct = StringField()
    disbursed_vnd = StringField()
    note = TextAreaField()
    note_en = TextAreaField()


class SourceFields:
    """The source a change cites: a stored one, or a new one described here."""

    source = SelectField(validate_choice=False)
    source_key = StringField()
    source_title = StringField()
    source_publisher = StringField()
    source_published = StringField()
    source_url = StringField()
    source_locator = StringField()


class AttributesForm(SourceFields, VersionedForm):
    name_vi = StringField()
    name_en = StringField()
    kind = SelectField(validate_choice=False)
    field = SelectField(validate_choice=False)
    description_vi = TextAreaField()
    description_en = TextAreaField()
    governing_body = StringField()
    project_owner = StringField()
    private_investor = StringField()
    programme_role = SelectField(validate_choice=False)
    corridor = StringField()
    provinces = CheckboxesField(validate_choice=False)
    stated_length_km = StringField()
    total_investment_vnd = StringField()
    planned_start = StringField()
    planned_end = StringField()
    actual_start = StringField()
    actual_end = StringField()


class CreateForm(StatusFields, AttributesForm):
    """A new project: its code and values, and its first status."""

    code = StringField()


class UpdateForm(StatusFields, SourceFields, VersionedForm):
    pass


class GeometryForm(SourceFields, VersionedForm):
    geometry_file = FileField()
    geometry_crs = SelectField(validate_choice=False)  # checked by tracker.web.crs_choice
    geometry_layer = StringField()
    geometry_json = TextAreaField()  # what the draw tool made (GeoJSON)
    geometry_accuracy = SelectField(validate_choice=False)
    geometry_note = TextAreaField()
    geometry_note_en = TextAreaField()


class EstimateForm(SourceFields, VersionedForm):
    """A dated estimate of the total investment, as a source gives it."""

    amount_vnd = StringField()
    as_of = StringField()
    basis = SelectField(validate_choice=False)
    qualifier = SelectField(validate_choice=False)
    original_amount = StringField()
    original_currency = StringField()
    note = TextAreaField()
    note_en = TextAreaField()


class ComponentRow(Form):
    """One component (no CSRF of its own: the form around it carries it)."""

    province = SelectField(validate_choice=False)
    name_vi = StringField()
    name_en = StringField()
    governing_body = StringField()
    stated_length_km = StringField()  # as the source writes it: its decimals are kept
    length_qualifier = SelectField(validate_choice=False)
    amount_vnd = StringField()
    amount_qualifier = SelectField(validate_choice=False)
    note = StringField()
    note_en = StringField()
    source = SelectField(validate_choice=False)  # "": the form's source
    remove = BooleanField()


class ComponentsForm(SourceFields, VersionedForm):
    """The project's components as one list: the rows kept, changed or added together."""

    rows = FieldList(FormField(ComponentRow))


class DeleteForm(VersionedForm):
    pass


ATTRIBUTES = ("name_vi", "name_en", "kind", "field", "description_vi", "description_en",
              "governing_body", "project_owner", "private_investor", "programme_role",
              "corridor", "provinces", "stated_length_km", "total_investment_vnd",
              "planned_start", "planned_end", "actual_start", "actual_end")
UPDATE = ("as_of", "status", "progress_pct", "disbursed_vnd", "note", "note_en")
ESTIMATE = ("amount_vnd", "as_of", "basis", "qualifier", "original_amount",
            "original_currency", "note", "note_en")


# --------------------------------------------------------------------------- choices

def _terms(terms: tuple[vocab.Term, ...], blank: bool = False) -> list[tuple[str, str]]:
    out = [(t.code, t.label(current_lang())) for t in terms]
    return [("", "–"), *out] if blank else out


def set_choices(form: Any, sources: list[tuple[str, str]]) -> None:
    """The choices of the form's select fields, in the reader's language."""
    for name, terms, blank in (("kind", vocab.KINDS, False),
                               ("programme_role", vocab.PROGRAMME_ROLES, False),
                               ("field", vocab.COOPERATION_FIELDS, False),
                               ("status", vocab.STATUSES, False),
                               ("basis", vocab.ESTIMATE_BASES, False),
                               ("qualifier", vocab.QUALIFIERS, False),
                               ("provinces", vocab.PROVINCES, False),
                               ("geometry_accuracy", vocab.GEOMETRY_ACCURACY, True)):
        if hasattr(form, name):
            getattr(form, name).choices = _terms(terms, blank)
    if hasattr(form, "geometry_crs"):
        form.geometry_crs.choices = crs_choices()
    form.source.choices = [("", gettext("edit.source.none")), *sources,
                           (NEW_SOURCE, gettext("edit.source.new"))]


# --------------------------------------------------------------------------- text in

class Unreadable(Exception):
    """Text that is not the number or date it should be: (field, translation key)."""

    def __init__(self, field: str, key: str):
        super().__init__(field)
        self.field = field
        self.key = key


def _number(name: str, text: str) -> int | float | None:
    text = text.strip().replace("\u00a0", " ")
    if not text:
        return None
    if NUMBERS[name] == "whole":
        if _GROUPED.fullmatch(text):  # 1.250.000.000 or 1,250,000,000 or 1 250 000 000
            text = re.sub(r"[., ]", "", text)
        if not text.isdigit() or not text.isascii():
            raise Unreadable(name, "edit.unreadable.whole")
        return int(text)
    if "," in text and "." not in text:  # the Vietnamese decimal comma
        text = text.replace(",", ".")
    try:
        value = float(text)
    except ValueError:
        raise Unreadable(name, "edit.unreadable.decimal") from None
    return value


def _date(name: str, text: str) -> str | None:
    """dd/mm/yyyy -> YYYY-MM-DD, mm/yyyy -> YYYY-MM; ISO text passes as it is."""
    text = text.strip()
    if not text:
        return None
    if m := _DAY.fullmatch(text):
        return f"{m.group(3)}-{int(m.group(2)):02d}-{int(m.group(1)):02d}"
    if m := _MONTH.fullmatch(text):
        return f"{m.group(2)}-{int(m.group(1)):02d}"
    return text  # ISO, or something tracker.checks will name


def display_date(iso: str | None) -> str:
    """ISO partial text as the form shows it again (dd/mm/yyyy, mm/yyyy, yyyy)."""
    if not iso:
        return ""
    parts = iso.split("-")
    return "/".join(reversed(parts))


def raw_values(form: Any, names: tuple[str, ...]) -> tuple[dict[str, Any], list[Unreadable]]:
    """The typed values as the services read them, and the ones that could not be read."""
    out: dict[str, Any] = {}
    unreadable: list[Unreadable] = []
    for name in names:
        data = getattr(form, name).data
        try:
            if name in NUMBERS:
                out[name] = _number(name, data or "")
            elif name in DATES:
                out[name] = _date(name, data or "")
            elif name == "provinces":
                out[name] = list(data or [])
            else:
                out[name] = data if data and data.strip() else None
        except Unreadable as exc:
            unreadable.append(exc)
    return out, unreadable


def source_value(form: Any) -> str | dict[str, Any] | None:
    """The cited source: a stored key, a new source's values, or None."""
    choice = form.source.data or ""
    if choice != NEW_SOURCE:
        return choice or None
    values: dict[str, Any] = {}
    for name in SOURCE_FIELDS:
        field = getattr(form, f"source_{name}", None)
        if field is not None and (field.data or "").strip():
            values[name] = field.data
    if "published" in values:
        values["published"] = _date("published", values["published"])
    return values


# --------------------------------------------------------------------------- errors back

class FieldMessage(str):
    """An error shown next to its field: the reader's sentence (the string), with the
    register's technical words in `detail` (shown smaller, after it)."""

    detail: str | None = None

    @classmethod
    def of(cls, text: str, detail: str | None = None) -> FieldMessage:
        out = cls(text)
        out.detail = detail if detail and detail != text else None
        return out


def _column_max(field: str) -> int | None:
    for table in ("projects", "status_updates", "investment_estimates", "project_components",
                  "sources"):
        rule = COLUMN_RULES[table].get(field)
        if rule is not None:
            return rule.max_chars
    return None


def message_for(field: str) -> str:
    """The reader's-language sentence of what the field must be ("edit.invalid.<field>",
    else a general one); the register's own words go beside it (FieldMessage.detail)."""
    name = field.removeprefix("source.")
    key = f"edit.invalid.{'source_' if field.startswith('source.') else ''}{name}"
    if has_text(key):
        return gettext(key, max=_column_max(name) or "")
    return gettext("edit.invalid.other")


def place_errors(form: Any, errors: list[dict[str, str]]) -> list[str]:
    """Each error next to its field (the reader's sentence, then the technical detail);
    returns the ones that belong to no field of the form."""
    loose: list[str] = []
    for error in errors:
        field = error["field"]
        target = f"source_{field.removeprefix('source.')}" if field.startswith("source.") \
            else "source" if field == "source" else field
        if target.endswith("_precision"):
            target = target.removesuffix("_precision")
        widget = getattr(form, target, None)
        text = message_for(field)
        if widget is None or not hasattr(widget, "errors"):
            loose.append(f"{text} ({error['message']})")
            continue
        widget.errors = [*widget.errors, FieldMessage.of(text, error["message"])]
    return loose


def unreadable_errors(unreadable: list[Unreadable]) -> list[dict[str, str]]:
    """Text that is no number or date, as the services' errors (so nothing is written and
    every other field is still checked)."""
    return [{"field": exc.field, "message": gettext(exc.key)} for exc in unreadable]
