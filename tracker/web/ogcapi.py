"""/ogc: OGC API – Features. Thin: build a Request, call tracker.api.ogc, respond."""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from tracker.api import ogc as ogcapi
from tracker.api import ogc_items
from tracker.api.ogc_meta import PREFIX
from tracker.web.adapter import add_cors, api_request, feature_cache, install_feature_cache, respond
from tracker.web.request import db_session

bp = Blueprint("ogcapi", __name__, url_prefix=PREFIX)
bp.record_once(lambda setup: install_feature_cache(setup.app))
bp.after_request(add_cors)


@bp.route("", strict_slashes=False)
def landing() -> Any:
    return respond(ogcapi.landing(api_request()))


@bp.route("/conformance")
def conformance() -> Any:
    return respond(ogcapi.conformance(api_request()))


@bp.route("/collections")
def collections() -> Any:
    return respond(ogcapi.collections(db_session(), api_request()))


@bp.route("/collections/<cid>")
def collection(cid: str) -> Any:
    return respond(ogcapi.collection(db_session(), api_request(), cid))


@bp.route("/collections/<cid>/schema")
def schema(cid: str) -> Any:
    return respond(ogcapi.schema(api_request(), cid))


@bp.route("/collections/<cid>/items")
def items(cid: str) -> Any:
    return respond(ogc_items.items(db_session(), api_request(), cid, feature_cache()))


@bp.route("/collections/<cid>/items/<fid>")
def item(cid: str, fid: str) -> Any:
    return respond(ogc_items.item(db_session(), api_request(), cid, fid))
