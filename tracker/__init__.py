"""The Cần Thơ – Hậu Giang infrastructure tracker. `create_app` is the only assembly point."""

from __future__ import annotations

from typing import Any

from flask import Flask

from tracker.config import REPO_ROOT, load_settings
from tracker.state import TrackerState


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app from TRACKER_* variables, overridden by `config` (field names)."""
    settings = load_settings(config)
    app = Flask(__name__, template_folder=str(REPO_ROOT / "templates"),
                instance_path=settings.instance_path)
    app.config["SECRET_KEY"] = settings.secret_key
    app.config["BOOTSTRAP_SERVE_LOCAL"] = True
    app.config["JSON_SORT_KEYS"] = False
    state = TrackerState.build(settings)
    app.extensions["tracker"] = state

    from tracker.web import register

    register(app)

    from tracker.cli import register_commands

    register_commands(app)
    return app
