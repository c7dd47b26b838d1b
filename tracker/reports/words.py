"""Words the reports print, in a language given explicitly (a PDF made by the CLI has no
request to take the language from): labels, the filter as a sentence, dates."""

from __future__ import annotations

from datetime import date
from typing import Any

from tracker import formatting, vocab
from tracker.dates import display_partial
from tracker.i18n import gettext
from tracker.queries.filter import ProjectFilter


def label(terms: tuple[vocab.Term, ...], code: str | None, lang: str) -> str:
    term = vocab.lookup(terms, code)
    return term.label(lang) if term else (code or formatting.no_data(lang))


def status_label(code: str | None, lang: str) -> str:
    return label(vocab.STATUSES, code, lang)


def day(value: date | None, lang: str, precision: str = "day") -> str:
    return display_partial(value, precision) or formatting.no_data(lang)


def filter_text(f: ProjectFilter, lang: str) -> str:
    """The filter as a sentence ("Bộ lọc: Trạng thái: Đang thi công · tìm …")."""
    parts = []
    for name, terms in (("status", vocab.STATUSES), ("kind", vocab.KINDS),
                        ("province", vocab.PROVINCES)):
        codes = getattr(f, name)
        if codes:
            parts.append(f"{gettext('filter.' + name, lang)}: "
                         + ", ".join(label(terms, c, lang) for c in codes))
    if f.q:
        parts.append(gettext("filter.words_search", lang, q=f.q))
    if f.owner:
        parts.append(gettext("filter.words_owner", lang, owner=f.owner))
    if f.bbox:
        parts.append(gettext("filter.words_bbox", lang,
                             bbox=", ".join(f"{v:g}" for v in f.bbox)))
    if f.updated_since:
        parts.append(gettext("filter.words_since", lang,
                             date=formatting.moment(f.updated_since, lang)))
    return gettext("print.filter", lang,
                   filter=" · ".join(parts) or gettext("print.no_filter", lang))


def text(key: str, lang: str, **params: Any) -> str:
    return gettext(key, lang, **params)
