"""POST /api/v1/imports in the OpenAPI document (tracker.api.v1_imports)."""

from __future__ import annotations

from typing import Any

from tracker.api.http import JSON
from tracker.api.openapi_schemas import nullable, ref
from tracker.api.openapi_writes import ERROR_SCHEMAS, SECURITY

ERRORS = {
    400: "The file cannot be imported as it is (its format, size, archive, CRS, axes, "
         "geometry), or a parameter is wrong: the message names the problem.",
    401: "No credentials, or a token that is unknown, revoked or of a disabled user.",
    403: "The role may not import (importing needs an editor).",
    409: "`plan` is not the plan the file gives now: the file, the options or a project it "
         "reads changed since the dry run. Nothing was imported.",
    413: "The file is larger than TRACKER_MAX_UPLOAD_MB.",
    422: "Features are rejected (`errors`: `feature N.field` and why): nothing was imported.",
}


def _param(name: str, description: str, **schema: Any) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": name == "filename",
            "description": description, "schema": {"type": "string", **schema}}


def _entry() -> dict[str, Any]:
    return {"type": "object", "properties": {
        "feature": {"type": "integer"}, "code": {"type": "string"},
        "version": nullable({"type": "integer"}),
        "changes": {"type": "array", "items": {"type": "object", "properties": {
            "field": {"type": "string"}, "old": {}, "new": {}}}}}}


def schemas() -> dict[str, Any]:
    return {"ImportPlan": {"type": "object", "required": ["file", "counts", "token"],
                           "properties": {
        "file": {"type": "object", "properties": {
            "name": {"type": "string"}, "format": {"type": "string"},
            "sha256": {"type": "string"}, "crs": nullable({"type": "string"}),
            "layers": {"type": "array", "items": {"type": "string"}}}},
        "options": {"type": "object"},
        "counts": {"type": "object", "properties": {k: {"type": "integer"} for k in (
            "features", "created", "changed", "unchanged", "rejected")}},
        "notes": {"type": "array", "items": {"type": "string"}},
        "unknown_columns": {"type": "array", "items": {"type": "string"}},
        "ignored_columns": {"type": "object", "additionalProperties": {"type": "string"}},
        "created": {"type": "array", "items": _entry()},
        "changed": {"type": "array", "items": _entry()},
        "unchanged": {"type": "array", "items": {"type": "string"}},
        "rejected": {"type": "array", "items": {"type": "object", "properties": {
            "number": {"type": "integer"}, "code": nullable({"type": "string"}),
            "field": {"type": "string"}, "message": {"type": "string"}}}},
        "token": {"type": "string", "description": "Send it back as `plan` to apply exactly "
                  "this plan."},
        "import_id": nullable({"type": "integer"})}}}


def operations() -> dict[str, dict[str, Any]]:
    plan = {JSON: {"schema": ref("ImportPlan")}}
    return {"/api/v1/imports": {"post": {
        "summary": "Import a GIS file", "tags": ["writes"], "operationId": "importFile",
        "description": "The body is the file (GeoJSON, GeoPackage, zipped Shapefile, KML/KMZ, "
        "CSV or XLSX with WKT or coordinate columns), in the CRS it declares (VN-2000 through "
        "the published parameters, EPSG:6960). Features are matched to projects by code; "
        "all or nothing. `dry_run=1` answers the plan (what would be created, changed field "
        "by field, and rejected) and writes nothing.",
        "security": SECURITY,
        "parameters": [
            _param("filename", "The file's name; its suffix says the format.",
                   maxLength=255),
            _param("dry_run", "1: only the plan, nothing written.", enum=["0", "1"]),
            _param("crs", "The CRS of a file that declares none (EPSG:5897).",
                   pattern=r"^(EPSG:)?[0-9]{4,6}$"),
            _param("layer", "The layer, Shapefile, KML folder or sheet to read.",
                   maxLength=255),
            _param("source", "Key of a stored source cited for features without one.",
                   maxLength=255),
            _param("plan", "The token of a dry run: apply only that plan (else 409).",
                   pattern=r"^[0-9a-f]{32}$")],
        "requestBody": {"required": True, "content": {"application/octet-stream": {
            "schema": {"type": "string", "format": "binary"}}}},
        "responses": {
            "200": {"description": "The plan of a dry run (nothing written).",
                    "content": plan},
            "201": {"description": "Imported: the plan applied, with its import_id.",
                    "content": plan},
            **{str(c): {"description": text, "content": {JSON: {"schema": ref(
                ERROR_SCHEMAS.get(c, "Error"))}}} for c, text in ERRORS.items()}}}}}
