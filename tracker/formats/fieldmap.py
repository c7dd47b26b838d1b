"""The import's attribute mapping: which column of a file sets which value of a project.

ONE table (`TARGETS`, then `IGNORED`) says it all; the README's import section is written
from it and a test keeps the two equal. A column is matched by its name folded (lowercase,
no diacritics, spaces and dashes as `_`), so `Mã dự án`, `MA_DU_AN` and `ma-du-an` are one.
Every name the tracker's own exports write is known: the record's names, the Shapefile's
10-character names (tracker.fields), and the derived and provenance fields, which are
recognised and ignored with a note (they are computed or cited, never typed). Any other
column is *unknown*: listed in the preview, never silently dropped.

To add a field (the record grows): add a Target row; nothing else changes.
"""

from __future__ import annotations

import math
import numbers
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from typing import Any

from tracker import vocab
from tracker.errors import ValidationError
from tracker.fields import FIELD_BY_NAME
from tracker.text import fold, shown


@dataclass(frozen=True)
class Target:
    """A value the import sets: `name` (the read API's), `type`, what it belongs to (the
    project's own values, its current status (recorded as a status update), the citation,
    the key) and the other column names that mean it."""

    name: str
    type: str  # text | integer | number | date | provinces | term
    part: str  # key | project | status | source
    aliases: tuple[str, ...] = ()
    terms: tuple[vocab.Term, ...] = ()  # for type "term": codes, or their vi/en labels


def _shp(name: str) -> tuple[str, ...]:
    """The 10-character Shapefile name of an exported field (when it differs)."""
    f = FIELD_BY_NAME.get(name)
    return (f.shp,) if f is not None and f.shp != name else ()


TARGETS: tuple[Target, ...] = (
    Target("code", "text", "key", ("ma_du_an", "ma", "ma_da", "id_du_an", "project_code")),
    Target("name_vi", "text", "project", ("ten_du_an", "ten", "ten_tieng_viet", "ten_vi",
                                         "name")),
    Target("name_en", "text", "project", ("ten_tieng_anh", "ten_en", "english_name")),
    Target("kind", "term", "project", ("loai", "loai_cong_trinh", "loai_du_an"),
           vocab.KINDS),
    Target("field", "term", "project", ("linh_vuc", "linh_vuc_hop_tac"),
           vocab.COOPERATION_FIELDS),
    Target("description_vi", "text", "project", ("mo_ta", "mo_ta_vi")),
    Target("description_en", "text", "project", ("mo_ta_en", "mo_ta_tieng_anh")),
    # the three roles of public investment; an export written before they were apart
    # (`owner`, `investor`) still imports, into the roles those columns meant
    Target("governing_body", "text", "project",
           ("co_quan_chu_quan", "chu_quan", "owner", *_shp("governing_body"))),
    Target("project_owner", "text", "project",
           ("chu_dau_tu", "investor", *_shp("project_owner"))),
    Target("private_investor", "text", "project", ("nha_dau_tu", *_shp("private_investor"))),
    Target("programme_role", "term", "project",
           ("vai_tro_chuong_trinh", "thuoc_chuong_trinh", *_shp("programme_role")),
           vocab.PROGRAMME_ROLES),
    Target("corridor", "text", "project", ("hanh_lang",)),
    Target("stated_length_km", "number", "project",
           ("chieu_dai_km", "chieu_dai", "chieu_dai_theo_nguon", *_shp("stated_length_km"))),
    Target("total_investment_vnd", "integer", "project",
           ("tong_muc_dau_tu", "tong_muc_dau_tu_vnd", "von_dau_tu",
            *_shp("total_investment_vnd"))),
    Target("planned_start", "date", "project",
           ("khoi_cong_ke_hoach", "ngay_khoi_cong_ke_hoach", *_shp("planned_start"))),
    Target("planned_end", "date", "project",
           ("hoan_thanh_ke_hoach", "ngay_hoan_thanh_ke_hoach", *_shp("planned_end"))),
    Target("actual_start", "date", "project",
           ("khoi_cong_thuc_te", "ngay_khoi_cong", *_shp("actual_start"))),
    Target("actual_end", "date", "project",
           ("hoan_thanh_thuc_te", "ngay_hoan_thanh", *_shp("actual_end"))),
    Target("provinces", "provinces", "project", ("tinh", "tinh_thanh", "dia_ban")),
    Target("geometry_accuracy", "term", "project",
           ("do_chinh_xac", "do_chinh_xac_vi_tri", *_shp("geometry_accuracy")),
           vocab.GEOMETRY_ACCURACY),
    Target("geometry_note", "text", "project", ("ghi_chu_vi_tri", *_shp("geometry_note"))),
    Target("geometry_note_en", "text", "project", _shp("geometry_note_en")),
    Target("status", "term", "status", ("trang_thai", "tinh_trang"), vocab.STATUSES),
    Target("progress_pct", "number", "status",
           ("tien_do", "tien_do_pct", "tien_do_phan_tram", *_shp("progress_pct"))),
    Target("disbursed_vnd", "integer", "status",
           ("da_giai_ngan", "giai_ngan", "giai_ngan_vnd", *_shp("disbursed_vnd"))),
    Target("as_of", "date", "status",
           ("status_as_of", "status_dt", "ngay_cap_nhat", "tinh_den_ngay", "as_of_date")),
    Target("note", "text", "status", ("ghi_chu", "note_vi")),
    Target("note_en", "text", "status", ("ghi_chu_en",)),
    Target("source", "text", "source", ("nguon", "ma_nguon", "source_key")),
)

# Known columns that are not typed: derived from the geometry or the other values, or the
# provenance every export carries. Recognised (so never "unknown") and ignored, with a note.
IGNORED: dict[str, str] = {
    "length_km": "measured from the geometry",
    "disbursement_pct": "computed from disbursed_vnd and total_investment_vnd",
    "days_late": "computed from planned_end and the status",
    "current_unit": "derived from the provinces",
    "present_units": "derived from the provinces and the acts that merged them",
    "present_units_unknown": "derived from the provinces",
    "present_units_basis": "derived from the provinces",
    "length_source": "stated where a source gives a length, else measured",
    "total_investment_basis": "from the dated investment estimates (tracker seed)",
    "total_investment_as_of": "from the dated investment estimates (tracker seed)",
    "total_investment_qualifier": "from the dated investment estimates (tracker seed)",
    "status_as_of_precision": "the precision of the status's date (the as_of column's own)",
    "status_age_days": "computed from status_as_of and today",
    "stale": "computed from status_as_of and TRACKER_STALE_DAYS",
    "late_confirmed": "computed from the planned end and status_as_of",
    "updated_at": "set by every change",
    "source_keys": "provenance of the export (cite a source with the `source` column)",
    "source_urls": "provenance of the export",
    "page_url": "provenance of the export",
    "wkt": "the geometry, read as the feature's geometry",
    "x": "a coordinate, read as the feature's geometry",
    "y": "a coordinate, read as the feature's geometry",
}
IGNORED.update({f.shp: IGNORED[f.name] for name in list(IGNORED)
                if (f := FIELD_BY_NAME.get(name)) is not None and f.shp != name})
# Columns GIS software adds on its own (GDAL's KML reader, feature ids): ignored quietly.
FORMAT_COLUMNS = frozenset({
    "fid", "ogc_fid", "objectid", "id", "description", "timestamp", "begin", "end",
    "altitudemode", "tessellate", "extrude", "visibility", "draworder", "icon", "snippet",
    "styleurl"})

TARGET_BY_NAME = {t.name: t for t in TARGETS}


def column_key(name: str) -> str:
    """A column's name as the table matches it: folded, `_` for spaces and dashes."""
    return re.sub(r"[^a-z0-9]+", "_", fold(str(name)).lower()).strip("_")


_BY_KEY: dict[str, Target] = {}
for _t in TARGETS:
    for _name in (_t.name, *_t.aliases):
        _key = column_key(_name)
        assert _key not in _BY_KEY, f"{_name} maps twice"
        _BY_KEY[_key] = _t
assert not set(_BY_KEY) & set(IGNORED), "a column is both mapped and ignored"


@dataclass
class Mapping_:
    """How a file's columns map: column -> target, the ignored ones (with why), the unknown
    ones, and columns that repeat a target another column already gives."""

    columns: dict[str, Target]
    ignored: dict[str, str]
    unknown: list[str]
    duplicates: dict[str, str]  # column -> the column that gives the same value


def map_columns(names: Iterable[str]) -> Mapping_:
    """Match each column by the table; a target given by two columns keeps the first whose
    name is the target's own (then the first in the file)."""
    names = list(names)
    out = Mapping_({}, {}, [], {})
    owner: dict[str, str] = {}
    ordered = sorted(names, key=lambda n: (_BY_KEY.get(column_key(n)) is None or
                                           column_key(n) != _BY_KEY[column_key(n)].name))
    for name in ordered:
        key = column_key(name)
        target = _BY_KEY.get(key)
        if target is not None:
            if target.name in owner:
                out.duplicates[name] = owner[target.name]
            else:
                owner[target.name] = name
                out.columns[name] = target
        elif key in IGNORED:
            out.ignored[name] = IGNORED[key]
        elif key in FORMAT_COLUMNS:
            continue
        else:
            out.unknown.append(name)
    out.unknown.sort(key=names.index)
    return out


# --------------------------------------------------------------------------- values

FORMULA_GUARD = re.compile(r"^'(?=[=+\-@\t\r])")  # the exports' CSV prefix, taken off again


@cache
def _spellings(target: Target) -> dict[str, str]:
    """Each term's code and folded vi/en labels -> its code (the first term wins), folded
    once per target rather than once per cell."""
    out: dict[str, str] = {}
    for term in target.terms:
        for spelling in (term.code, fold(term.vi).lower(), fold(term.en).lower()):
            out.setdefault(spelling, term.code)
    return out


def _term(value: str, target: Target) -> str:
    code = _spellings(target).get(fold(value).lower().strip())
    # not a term: the register's rule refuses it, naming the allowed codes
    return value.strip() if code is None else code


def _provinces(value: Any) -> list[str]:
    if isinstance(value, list):
        items = value
    else:
        items = [p for p in re.split(r"[;,]", str(value))]
    out = []
    for item in (str(p).strip() for p in items):
        if not item:
            continue
        folded = fold(item).lower()
        slug = re.sub(r"[^a-z0-9]+", "-", folded).strip("-")  # "Cần Thơ" -> "can-tho"
        match = next((p.code for p in vocab.PROVINCES
                      if slug == p.code or folded in (fold(p.vi).lower(), fold(p.en).lower())),
                     item)
        out.append(match)
    return out


def _number(value: Any, target: Target, label: str) -> int | float:
    if isinstance(value, bool):
        raise ValidationError(f"{label}: {target.name} must be a number, got {shown(value)}",
                              field=target.name)
    if isinstance(value, numbers.Real):
        number: int | float = value if isinstance(value, int) else float(value)
    else:
        text = str(value).strip().replace(" ", "").replace("\u00a0", "")
        try:
            number = int(text) if re.fullmatch(r"-?[0-9]{1,19}", text) else float(text)
        except ValueError:
            raise ValidationError(f"{label}: {target.name} {shown(value)} is not a number",
                                  field=target.name) from None
    if isinstance(number, float) and not math.isfinite(number):
        raise ValidationError(f"{label}: {target.name} must be a finite number",
                              field=target.name)
    if target.type == "integer" and isinstance(number, float) and number.is_integer() \
            and abs(number) <= 2**53:
        number = int(number)
    return number


def _date(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)  # a year typed as a number
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def is_empty(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


def typed_value(target: Target, value: Any, label: str) -> Any:
    """A cell as the raw value tracker.checks expects (text, a number, ISO date text, a list
    of province codes); an empty cell is None. Shapes are checked here, rules there."""
    if is_empty(value):
        return None
    if isinstance(value, str):
        value = FORMULA_GUARD.sub("", value)
    if target.type == "provinces":
        return _provinces(value)
    if target.type in ("integer", "number"):
        return _number(value, target, label)
    if target.type == "date":
        return _date(value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value)
    return _term(text, target) if target.type == "term" else text


def mapped_values(mapping: Mapping_, row: Mapping[str, Any], label: str
                  ) -> tuple[dict[str, Any], list[dict[str, str]]]:
    """The feature's values by target name (empty cells left out: an empty cell changes
    nothing), and an error for each cell that cannot be read."""
    out: dict[str, Any] = {}
    errors: list[dict[str, str]] = []
    for column, target in mapping.columns.items():
        try:
            value = typed_value(target, row.get(column), label)
        except ValidationError as exc:
            errors.append({"field": target.name, "message": exc.message})
            continue
        if value is not None and value != []:
            out[target.name] = value
    return out, errors


def table_rows() -> list[tuple[str, str, str]]:
    """(value, column names accepted, what happens) for the README's table."""
    rows = [(t.name, ", ".join(dict.fromkeys((t.name, *t.aliases))), t.part) for t in TARGETS]
    rows += [(name, name, f"ignored: {why}") for name, why in IGNORED.items()]
    return rows
