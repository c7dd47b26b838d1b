"""The map on a page: the Folium frame (built once per process for each language, kind of
map and settings, see maps.project_map) and this request's data beside it, and the route that
serves the frame's script as a file (so no page needs an inline script).

Two kinds of map: "overview" (the planners' map: search box, legend, open layer list) and
"project" (the small map on a project page).
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, request, url_for

from maps.project_map import (
    LABEL_KEYS,
    Assets,
    FrameOptions,
    MapData,
    MapParts,
    frame_for,
    render_parts,
)
from tracker.i18n import LANGS, current_lang, gettext
from tracker.web.request import state
from tracker.web.static_files import static_url

bp = Blueprint("map_frames", __name__)

VARIANTS = {
    "overview": {"search": True, "legend": True, "collapsed_control": False},
    "project": {"search": False, "legend": False, "collapsed_control": True},
}
ONE_YEAR = 365 * 86400


def _assets() -> Assets:
    return Assets(
        leaflet_js=url_for("assets.asset", name="leaflet", filename="leaflet.js"),
        leaflet_css=url_for("assets.asset", name="leaflet", filename="leaflet.css"),
        map_js=static_url("tracker-map.js"),
        map_css=static_url("tracker-map.css"),
    )


def frame_options(variant: str, lang: str) -> FrameOptions:
    """The frame's options: the app's settings, the language's labels, the kind of map."""
    settings = state().settings
    return FrameOptions(assets=_assets(),
                        labels={key: gettext(f"map.{key}", lang) for key in LABEL_KEYS},
                        lang=lang, osm_tiles=settings.osm_tiles, tiles_url=settings.tiles_url,
                        **VARIANTS[variant])


def map_parts(variant: str, data: MapData) -> MapParts:
    """The map for this request: the cached frame, `data` as JSON, the frame script's URL."""
    lang = current_lang()
    opts = frame_options(variant, lang)
    frame = frame_for(opts)
    script_url = url_for("map_frames.frame_script", variant=variant, lang=lang,
                         v=frame.version)
    return render_parts(frame, opts, data, script_url)


@bp.route("/map/frame/<variant>.<lang>.js")
def frame_script(variant: str, lang: str) -> Response:
    """The frame's script. Its URL carries the content version: kept for a year when the
    version is current (the bytes never change under that URL), revalidated otherwise."""
    if variant not in VARIANTS or lang not in LANGS:
        abort(404)
    frame = frame_for(frame_options(variant, lang))
    response = Response(frame.script, mimetype="text/javascript")
    response.set_etag(frame.version)
    if request.args.get("v") == frame.version:
        response.headers["Cache-Control"] = f"public, max-age={ONE_YEAR}, immutable"
    else:
        response.headers["Cache-Control"] = "no-cache"
    response.make_conditional(request)
    return response
