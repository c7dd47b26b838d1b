"""Template helpers: formatting in the reader's language, labels, links that keep the filter."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any
from urllib.parse import urlencode

from flask import current_app, request

from maps.styles import status_styles
from tracker import formatting, vocab
from tracker.dates import display_partial
from tracker.i18n import current_lang
from tracker.queries.filter import ProjectFilter
from tracker.rules import display_name
from tracker.urls import safe_http_url
from tracker.web.static_files import static_url


def lang_url(lang: str) -> str:
    """This page in another language, keeping every other query parameter."""
    args = [(k, v) for k, v in request.args.items(multi=True) if k != "lang"]
    args.append(("lang", lang))
    return f"{request.path}?{urlencode(args)}"


def safe_url(url: str | None) -> str | None:
    """Only http(s) links with a host are rendered as links (never javascript: or data:)."""
    return safe_http_url(url)


def filter_args(f: ProjectFilter, **extra: Any) -> dict[str, Any]:
    """Query arguments for a link that keeps the filter (and adds `extra`)."""
    args: dict[str, Any] = dict(f.to_args())
    args.update({k: v for k, v in extra.items() if v not in (None, "")})
    return args


def _label(terms: tuple[vocab.Term, ...]) -> Callable[[str | None], str]:
    def label(code: str | None) -> str:
        term = vocab.lookup(terms, code)
        return term.label(current_lang()) if term else (code or formatting.no_data(
            current_lang()))
    return label


class Fmt:
    """Formatting in the request's language (Vietnamese by default)."""

    @staticmethod
    def vnd(value: int | None) -> str:
        return formatting.vnd(value, current_lang())

    @staticmethod
    def km(value: float | None) -> str:
        return formatting.km(value, current_lang())

    @staticmethod
    def stated_km(value: float | None, decimals: int | None,
                  qualifier: str | None = None) -> str:
        return formatting.stated_km(value, decimals, qualifier, current_lang())

    @staticmethod
    def vnd_q(value: int | None, qualifier: str | None) -> str:
        return formatting.vnd_qualified(value, qualifier, current_lang())

    @staticmethod
    def pct(value: float | None) -> str:
        return formatting.percent(value, current_lang())

    @staticmethod
    def number(value: float | None, decimals: int = 0) -> str:
        if value is None:
            return formatting.no_data(current_lang())
        return formatting.number(value, decimals, current_lang())

    @staticmethod
    def partial(value: date | None, precision: str | None) -> str:
        return display_partial(value, precision) or formatting.no_data(current_lang())

    @staticmethod
    def day(value: date | None) -> str:
        return formatting.day(value, current_lang())

    @staticmethod
    def no_data() -> str:
        return formatting.no_data(current_lang())


def template_helpers() -> dict[str, Any]:
    """What every template may call (registered as the pages' context processor)."""
    return {
        "fmt": Fmt,
        "vocab": vocab,
        "lang_url": lang_url,
        "safe_url": safe_url,
        "filter_args": filter_args,
        "status_style": lambda code: status_styles(current_lang()).get(
            code, {"label": code, "colour": "#555555", "text": "#ffffff"}),
        "kind_label": _label(vocab.KINDS),
        "province_label": _label(vocab.PROVINCES),
        "accuracy_label": _label(vocab.GEOMETRY_ACCURACY),
        "funding_label": _label(vocab.FUNDING_SOURCES),
        "field_label": _label(vocab.COOPERATION_FIELDS),
        "programme_role_label": _label(vocab.PROGRAMME_ROLES),
        "basis_label": _label(vocab.ESTIMATE_BASES),
        "static_url": static_url,
        "display_name": lambda item: display_name(item.name_vi, item.name_en, current_lang()),
        "default_sort": DEFAULT_SORT,
        "stale_days": current_app.extensions["tracker"].settings.stale_days,
    }


DEFAULT_SORT = "name"  # the table's order: by name, Vietnamese alphabetical (tracker.collation)


