"""Front-end assets served from pip packages (XStatic), so pages work with no internet."""

from __future__ import annotations

import importlib
from pathlib import Path

from flask import Blueprint, abort, send_from_directory
from werkzeug.wrappers import Response

bp = Blueprint("assets", __name__)

PACKAGES = {
    "leaflet": "xstatic.pkg.leaflet",
    "markercluster": "xstatic.pkg.leaflet_markercluster",
    "jquery": "xstatic.pkg.jquery",
    "font-awesome": "xstatic.pkg.font_awesome",
}
ONE_DAY = 86400


def package_dir(name: str) -> Path:
    module = importlib.import_module(PACKAGES[name])
    return Path(module.BASE_DIR)


@bp.route("/assets/<name>/<path:filename>")
def asset(name: str, filename: str) -> Response:
    if name not in PACKAGES:
        abort(404)
    return send_from_directory(package_dir(name), filename, max_age=ONE_DAY)
