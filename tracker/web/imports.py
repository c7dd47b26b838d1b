"""The import pages (editors): upload a GIS file, see its preview, confirm it.

Upload (GET/POST /imports/_new) reads the file and plans it (tracker.services.imports) without
writing; the file is kept under the instance folder by its SHA-256 until it is confirmed. The
preview shows what would be created, changed (field by field, old → new) and rejected (with
the feature's number and the reason), the unknown columns and what was noticed about the CRS.
Confirm (POST /imports/_confirm) applies exactly the previewed plan: the form carries the
file's hash, the options and the plan's token, and a file, options or database that changed
in between answer 409 with nothing written.
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

from flask import Blueprint, render_template, request
from sqlalchemy import select

from tracker.audit import Actor
from tracker.errors import Conflict, InvalidFields, TrackerError, ValidationError
from tracker.formats.gdal import read_upload
from tracker.i18n import gettext, has_text
from tracker.models import Source
from tracker.services.imports import ImportPlan, Options, apply_import, plan_import
from tracker.web.access import require_role, signed_in_user
from tracker.web.crs_choice import chosen_crs, crs_choices
from tracker.web.edit_forms import message_for
from tracker.web.request import db_session, state

bp = Blueprint("imports", __name__)

HEX64 = re.compile(r"[0-9a-f]{64}")
KEEP_SECONDS = 24 * 3600  # an upload not confirmed within a day is removed


def _folder() -> Path:
    folder = Path(state().settings.instance_path) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _prune(folder: Path) -> None:
    now = time.time()
    for path in folder.glob("*.upload"):
        if now - path.stat().st_mtime > KEEP_SECONDS:
            path.unlink(missing_ok=True)


def _options(form: Any) -> Options:
    crs = chosen_crs(form.get("crs"))
    layer = (form.get("layer") or "").strip()[:255] or None
    source = (form.get("source") or "").strip()[:255] or None
    return Options(crs=crs, layer=layer, source=source)


def _page(template: str, status: int = 200, **context: Any) -> Any:
    sources = [(s.key, f"{s.title or s.publisher} ({s.key})")
               for s in db_session().scalars(select(Source).order_by(Source.key))]
    html = render_template(template, crs_choices=crs_choices(), field_message=message_for,
                           sources=sources, max_mb=state().settings.max_upload_mb, **context)
    return html, status, {"Cache-Control": "no-store"}


def _why(exc: TrackerError) -> str | None:
    """What a refused file needs, in the reader's language (by the part of the file the
    refusal names: the file itself, its CRS, its layer, a geometry); the register's own
    words are shown beside it."""
    key = f"import.why.{getattr(exc, 'field', None) or ''}"
    return gettext(key, mb=state().settings.max_upload_mb) if has_text(key) else None


def _read(data: bytes, name: str, options: Options) -> Any:
    settings = state().settings
    return read_upload(data, name, max_bytes=settings.max_upload_bytes,
                       region=settings.region_bbox, crs=options.crs, layer=options.layer,
                       max_vertices=settings.max_vertices)


@bp.route("/imports/_new", methods=["GET", "POST"])
@require_role("editor")
def upload() -> Any:
    if request.method == "GET":
        return _page("editing/import.html", options=Options())
    request.max_content_length = state().settings.max_upload_bytes + 64 * 1024
    upload = request.files.get("file")
    try:
        options = _options(request.form)
    except ValidationError as exc:
        return _page("editing/import.html", 422, options=Options(), error=exc.message)
    if upload is None or not upload.filename:
        return _page("editing/import.html", 422, options=options,
                     error=gettext("import.error.no_file"))
    name = Path(upload.filename.replace("\\", "/")).name[:255]
    data = upload.read(state().settings.max_upload_bytes + 1)
    try:
        read = _read(data, name, options)
        plan = plan_import(db_session(), read, options, today=state().today())
    except TrackerError as exc:
        return _page("editing/import.html", 422, options=options, error=exc.message,
                     file_name=name, why=_why(exc))
    folder = _folder()
    _prune(folder)
    (folder / f"{plan.sha256}.upload").write_bytes(data)
    return _page("editing/import_preview.html", plan=plan, options=options)


@bp.route("/imports/_confirm", methods=["POST"])
@require_role("editor")
def confirm() -> Any:
    form = request.form
    sha = form.get("sha256", "")
    name = Path((form.get("file_name") or "upload").replace("\\", "/")).name[:255]
    token = form.get("token", "")
    path = _folder() / f"{sha}.upload"
    if not HEX64.fullmatch(sha) or not path.exists():
        return _page("editing/import.html", 409, options=Options(),
                     error=gettext("import.error.gone"))
    options = _options(form)
    user = signed_in_user()
    assert user is not None  # require_role ran first
    data = path.read_bytes()
    plan: ImportPlan | None = None
    try:
        read = _read(data, name, options)
        plan = apply_import(db_session(), Actor.of(user), read, options,
                            today=state().today(), expected_token=token,
                            author=user.display_name)
    except Conflict as exc:
        fresh = plan_import(db_session(), _read(data, name, options), options,
                            today=state().today())
        return _page("editing/import_preview.html", 409, plan=fresh, options=options,
                     conflict=exc.message)
    except InvalidFields as exc:
        return _page("editing/import.html", 422, options=options, error=exc.message)
    path.unlink(missing_ok=True)
    return _page("editing/import_done.html", 201, plan=plan)
