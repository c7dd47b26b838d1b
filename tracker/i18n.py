"""The translation layer: Vietnamese by default, English second.

Catalogues are JSON files in tracker/translations/ (one per area of the app, so work on
different pages does not collide): {"key": {"vi": "...", "en": "..."}}. The language comes
from ?lang=, then the `lang` cookie (set when ?lang= is used), then Vietnamese.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from flask import Flask, Response, g, has_request_context, request

LANGS = ("vi", "en")
DEFAULT_LANG = "vi"
COOKIE = "lang"
CATALOGUE_DIR = Path(__file__).parent / "translations"


@lru_cache(maxsize=1)
def catalogue() -> dict[str, dict[str, str]]:
    merged: dict[str, dict[str, str]] = {}
    for path in sorted(CATALOGUE_DIR.glob("*.json")):
        for key, entry in json.loads(path.read_text(encoding="utf-8")).items():
            if key in merged:
                raise ValueError(f"translation key {key!r} defined twice ({path.name})")
            merged[key] = entry
    return merged


def current_lang() -> str:
    if has_request_context():
        return str(g.get("lang", DEFAULT_LANG))
    return DEFAULT_LANG


def gettext(key: str, lang: str | None = None, **params: Any) -> str:
    """The text for `key` in the current language; {name} placeholders filled from params."""
    entry = catalogue().get(key)
    if entry is None:
        raise KeyError(f"no translation for {key!r}")
    text = entry[lang or current_lang()]
    return text.format(**params) if params else text


def has_text(key: str) -> bool:
    """Whether the catalogue has `key` (for labels of open-ended names, such as field names)."""
    return key in catalogue()


def _pick_lang() -> None:
    asked = request.args.get("lang")
    if asked in LANGS:
        g.lang = asked
        g.set_lang_cookie = True
    else:
        cookie = request.cookies.get(COOKIE)
        g.lang = cookie if cookie in LANGS else DEFAULT_LANG


def _remember_lang(response: Response) -> Response:
    if g.get("set_lang_cookie"):
        response.set_cookie(COOKIE, g.lang, max_age=365 * 86400, samesite="Lax")
    return response


def init_app(app: Flask) -> None:
    app.before_request(_pick_lang)
    app.after_request(_remember_lang)
    app.jinja_env.globals.update(_=gettext, current_lang=current_lang, LANGS=LANGS)
