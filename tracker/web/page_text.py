"""What the pages say beyond the catalogue's fixed labels: stored notes in the reader's language,
the author of seeded history, the names of the facts a source supports, the filter in words,
and the dates a printed page carries (when it was printed, how recent its data is).

Template helpers only (registered by tracker.web.pages); every value stays data and is
autoescaped by the templates.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from tracker import formatting, vocab
from tracker.dates import display_partial
from tracker.fields import FIELD_BY_NAME
from tracker.i18n import current_lang, gettext, has_text
from tracker.queries.data_date import latest_as_of
from tracker.queries.filter import ProjectFilter
from tracker.web.request import db_session

SEED_AUTHOR = "seed"  # the author tracker seed writes on the history it loads


@dataclass(frozen=True)
class Localised:
    """A stored text in one language: `lang` is set when it is not the reader's language
    (the page marks it with lang="…" and says it exists only in that language)."""

    text: str
    lang: str | None = None


def localised(vi: str | None, en: str | None) -> Localised | None:
    """The reader's part of a two-language text; the other part when only that one exists."""
    mine, other, other_lang = (en, vi, "vi") if current_lang() == "en" else (vi, en, "en")
    if mine:
        return Localised(mine)
    if other:
        return Localised(other, other_lang)
    return None


def author_label(author: str | None) -> str | None:
    """Who recorded an update, in words: the seed's history reads as initial data."""
    if author == SEED_AUTHOR:
        return gettext("history.author_seed")
    return author


def supports_labels(supports: str | None) -> list[str]:
    """The facts a source supports, by their page labels (never the field keys)."""
    labels = []
    for name in (supports or "").split():
        if has_text(f"supports.{name}"):
            labels.append(gettext(f"supports.{name}"))
        elif name in FIELD_BY_NAME:
            labels.append(FIELD_BY_NAME[name].describe(current_lang()))
        else:
            labels.append(name)  # a name an imported file gave: shown as the data it is
    return labels


def _terms(terms: tuple[vocab.Term, ...], codes: tuple[str, ...]) -> str:
    lang = current_lang()
    return ", ".join(t.label(lang) if (t := vocab.lookup(terms, c)) else c for c in codes)


def filter_words(f: ProjectFilter) -> str:
    """The filter as a sentence for a printed page ("Trạng thái: Đang thi công · tìm …")."""
    parts = []
    for name, terms in (("status", vocab.STATUSES), ("kind", vocab.KINDS),
                        ("province", vocab.PROVINCES)):
        codes = getattr(f, name)
        if codes:
            parts.append(f"{gettext('filter.' + name)}: {_terms(terms, codes)}")
    if f.q:
        parts.append(gettext("filter.words_search", q=f.q))
    if f.programme_role:
        parts.append(gettext("filter.words_programme_role", role=gettext(
            f"filter.programme_role_{f.programme_role}")))
    if f.owner:
        parts.append(gettext("filter.words_owner", owner=f.owner))
    if f.bbox:
        parts.append(gettext("filter.words_bbox", bbox=", ".join(f"{v:g}" for v in f.bbox)))
    if f.updated_since:
        parts.append(gettext("filter.words_since",
                             date=formatting.moment(f.updated_since, current_lang())))
    if f.stale is not None:
        parts.append(gettext("filter.words_stale" if f.stale else "filter.words_not_stale"))
    if f.codes:
        parts.append(gettext("filter.words_codes", codes=", ".join(f.codes)))
    return gettext("print.filter", filter=" · ".join(parts) or gettext("print.no_filter"))


def data_as_of(f: ProjectFilter) -> str:
    """"Dữ liệu tính đến 09/03/2026": the newest update of the selection, at its precision."""
    return _as_of_line(latest_as_of(db_session(), f))


def project_as_of(p: Any) -> str:
    """The same line for one project: its latest update."""
    u = p.latest_update()
    return _as_of_line((u.as_of, u.as_of_precision) if u else None)


def _as_of_line(latest: tuple[date, str] | None) -> str:
    shown = display_partial(*latest) if latest else None
    if shown is None:
        return gettext("print.data_as_of_none")
    return gettext("print.data_as_of", date=shown)


def printed_at() -> str:
    """"In lúc 21/11/2026 14:05 (giờ Việt Nam)": now, for the printed page's header."""
    return gettext("print.printed", time=formatting.moment(datetime.now(UTC), current_lang()))


def helpers() -> dict[str, Any]:
    """The names templates use (merged into the pages' context processor)."""
    return {"localised": localised, "author_label": author_label,
            "supports_labels": supports_labels, "filter_words": filter_words,
            "data_as_of": data_as_of, "project_as_of": project_as_of,
            "printed_at": printed_at, "iso_moment": formatting.iso_moment,
            "moment": lambda value: formatting.moment(value, current_lang())}
