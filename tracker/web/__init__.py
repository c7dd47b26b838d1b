"""Flask: the blueprints, assembled by `register` (request plumbing in request.py, the one
error renderer in errors.py)."""

from __future__ import annotations

from flask import Flask
from flask_bootstrap import Bootstrap5

from tracker import i18n
from tracker.web import (
    access,
    account,
    api,
    assets,
    audit_pages,
    component_pages,
    deploy,
    editing,
    errors,
    imports,
    map_frames,
    ogcapi,
    pages,
    reports,
    security_headers,
)
from tracker.web.request import close_session, require_current_schema


def register(app: Flask) -> None:
    deploy.install(app, app.extensions["tracker"].settings)
    Bootstrap5(app)
    i18n.init_app(app)
    access.init_app(app)  # after i18n: its refusals speak the reader's language
    app.before_request(require_current_schema)
    app.teardown_appcontext(close_session)
    errors.install(app)
    security_headers.register(app, app.extensions["tracker"].settings)
    app.register_blueprint(assets.bp)
    app.register_blueprint(pages.bp)
    app.register_blueprint(map_frames.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(ogcapi.bp)
    app.register_blueprint(account.bp)
    app.register_blueprint(editing.bp)
    app.register_blueprint(component_pages.bp)
    app.register_blueprint(imports.bp)
    app.register_blueprint(audit_pages.bp)
    app.register_blueprint(reports.bp)
