"""POST /api/v1/imports: a GIS file into the register, without Flask (tracker.web.api adapts).

The body is the file's bytes; `filename` names it (its suffix says the format). `dry_run=1`
answers the plan (200) and writes nothing; otherwise the import is applied (201), all or
nothing. `plan` (the token of a dry run) makes it apply only that plan: a file, options or
database changed since answers 409. A file that cannot be imported answers 400 naming its
problem, rejected features 422 with each feature's reason; 401/403 as every write.
"""

from __future__ import annotations

import json
import re
from typing import Any

from sqlalchemy.orm import Session

from tracker import auth
from tracker.api.http import JSON, Reply, Request
from tracker.api.v1 import PREFIX
from tracker.audit import Actor
from tracker.errors import BadParameter
from tracker.formats.gdal import read_upload
from tracker.models import User
from tracker.params import parse_crs, single
from tracker.services.imports import ImportPlan, Options, apply_import, plan_import
from tracker.text import shown

FILENAME = re.compile(r"[^/\\\x00-\x1f]{1,255}")
TOKEN = re.compile(r"[0-9a-f]{32}")
TRUE, FALSE = ("1", "true", "yes"), ("0", "false", "no")


def _flag(args: Any, name: str) -> bool:
    text = (single(args, name) or "0").lower()
    if text not in TRUE + FALSE:
        raise BadParameter(f"{name} must be 1 or 0", detail=f"got {shown(text)}", field=name)
    return text in TRUE


def _text(args: Any, name: str, pattern: re.Pattern[str] | None = None) -> str | None:
    value = single(args, name)
    if value is not None and (len(value) > 255 or (pattern and not pattern.fullmatch(value))):
        raise BadParameter(f"{name} is not valid", detail=f"got {shown(value)}", field=name)
    return value


def plan_body(plan: ImportPlan) -> bytes:
    return json.dumps(plan.summary(), ensure_ascii=False, default=str).encode("utf-8")


def import_file(session: Session, request: Request, body: bytes, user: User | None, *,
                max_bytes: int, region: tuple[float, float, float, float],
                max_vertices: int) -> Reply:
    """POST /api/v1/imports?filename=…[&dry_run=1][&crs=EPSG:N][&layer=…][&source=…][&plan=…]"""
    auth.require(user, "import")
    assert user is not None
    args = request.args
    name = _text(args, "filename", FILENAME)
    if name is None:
        raise BadParameter("filename is required: the file's name, whose suffix says its "
                           "format (.geojson .gpkg .zip .kml .kmz .csv .xlsx)", field="filename")
    dry_run = _flag(args, "dry_run")
    options = Options(crs=parse_crs(args), layer=_text(args, "layer"),
                      source=_text(args, "source"))
    token = _text(args, "plan", TOKEN)
    read = read_upload(body, name, max_bytes=max_bytes, region=region, crs=options.crs,
                       layer=options.layer, max_vertices=max_vertices)
    if dry_run:
        plan = plan_import(session, read, options, today=request.today)
        return Reply(200, plan_body(plan), JSON, {"Cache-Control": "no-store"})
    plan = apply_import(session, Actor.of(user), read, options, today=request.today,
                        expected_token=token, author=user.display_name)
    return Reply(201, plan_body(plan), JSON, {
        "Cache-Control": "no-store",
        "Location": request.url(f"{PREFIX}/projects")})
