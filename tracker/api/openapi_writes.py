"""The write operations of the OpenAPI document (tracker.api.v1_write): create, change, record
a status update or an investment estimate, replace the components, delete; their security
schemes, request bodies and answers.

The bodies are described as loosely as JSON Schema can say them truthfully (types,
vocabularies, patterns); the register's full rules (lengths, ranges, the geometry, dates in
order) answer 422 with every field that is wrong.
"""

from __future__ import annotations

from typing import Any

from tracker import vocab
from tracker.api.http import JSON
from tracker.api.openapi_schemas import PARTIAL_DATE, geometry_schema, nullable, ref

SECURITY_SCHEMES = {
    "bearerToken": {"type": "http", "scheme": "bearer", "bearerFormat": "cht_…",
                    "description": "A personal API token (made on /account or by `tracker "
                    "token create`). No CSRF token is needed."},
    "sessionCookie": {"type": "apiKey", "in": "cookie", "name": "session",
                      "description": "A signed-in browser session; every write also sends "
                      "the page's CSRF token in the X-CSRFToken header."},
}
SECURITY: list[dict[str, list[str]]] = [{"bearerToken": []}, {"sessionCookie": []}]
WRITE_PARAMETERS = {
    "ifMatch": {"name": "If-Match", "in": "header", "required": True,
                "description": "The project's strong ETag as you read it (GET "
                "/api/v1/projects/{code}). Missing: 428; another one: 412, nothing changed.",
                "schema": {"type": "string"}},
}
ERRORS = {
    400: "The body is not JSON that can be read (`parameter`: body).",
    401: "No credentials, or a token that is unknown, revoked or of a disabled user.",
    403: "The role may not do this (writing needs an editor, deleting an admin).",
    404: "No such project.",
    412: "If-Match is not the project's current ETag: it changed since you read it. "
         "Nothing was changed; `changes` says who changed what since.",
    415: "The body is not application/json.",
    422: "Fields that break the register's rules: `errors` lists each one and why.",
    428: "If-Match is missing (or `*`): say which version you read.",
}
ERROR_SCHEMAS = {412: "StaleVersion", 422: "FieldErrors"}


def _string(**extra: Any) -> dict[str, Any]:
    return nullable({"type": "string", **extra})


def _enum(terms: tuple[vocab.Term, ...] | tuple[Any, ...]) -> dict[str, Any]:
    return {"type": "string", "enum": list(vocab.codes(terms))}


def _enum_or_null(terms: tuple[vocab.Term, ...]) -> dict[str, Any]:
    """OpenAPI 3.0: a nullable enum lists null among its values."""
    return nullable({"type": "string", "enum": [*vocab.codes(terms), None]})


MONEY = nullable({"type": "integer", "format": "int64", "minimum": 0})
PARTIAL = _string(pattern=PARTIAL_DATE)


def _source_ref() -> dict[str, Any]:
    new = {"type": "object", "required": ["key", "publisher"], "properties": {
        "key": {"type": "string", "pattern": r"^[a-z0-9]+(-[a-z0-9]+)*$"},
        "title": _string(), "publisher": {"type": "string"},
        "published": _string(format="date"), "url": _string(), "locator": _string(),
        "note": _string()}, "additionalProperties": False}
    return {"description": "The source of the values: the key of a stored source, or a new "
            "source.", "oneOf": [{"type": "string"}, new]}


def _attributes() -> dict[str, Any]:
    return {
        "name_vi": {"type": "string"}, "name_en": _string(), "kind": _enum(vocab.KINDS),
        "field": _enum(vocab.COOPERATION_FIELDS), "description_vi": _string(),
        "description_en": _string(), "governing_body": _string(), "project_owner": _string(),
        "private_investor": _string(),
        "programme_role": {"type": "string", "enum": list(vocab.codes(vocab.PROGRAMME_ROLES))},
        "corridor": _string(),
        "stated_length_km": nullable({"type": "number", "minimum": 0}),
        "total_investment_vnd": MONEY, "planned_start": PARTIAL, "planned_end": PARTIAL,
        "actual_start": PARTIAL, "actual_end": PARTIAL,
        "provinces": {"type": "array", "items": _enum(vocab.PROVINCES)},
        "geometry": geometry_schema(),
        "geometry_accuracy": _enum_or_null(vocab.GEOMETRY_ACCURACY),
        "geometry_note": _string(), "geometry_note_en": _string(),
        "source": _source_ref(),
    }


def _update() -> dict[str, Any]:
    return {
        "as_of": {"type": "string", "pattern": PARTIAL_DATE,
                  "description": "The day (or month, or year) the status is true as of."},
        "status": _enum(vocab.STATUSES),
        "progress_pct": nullable({"type": "number", "minimum": 0, "maximum": 100}),
        "disbursed_vnd": MONEY, "note": _string(), "note_en": _string(),
        "source": _source_ref(),
    }


def _estimate() -> dict[str, Any]:
    return {
        "amount_vnd": {"type": "integer", "format": "int64", "minimum": 0},
        "as_of": {"type": "string", "pattern": PARTIAL_DATE,
                  "description": "The day (or month, or year) the source gives the figure."},
        "basis": _enum(vocab.ESTIMATE_BASES),
        "qualifier": _enum(vocab.QUALIFIERS),
        "original_amount": nullable({"type": "number", "minimum": 0}),
        "original_currency": _string(pattern="^[A-Z]{3}$"),
        "note": _string(), "note_en": _string(),
        "key": {"type": "string", "pattern": r"^[a-z0-9]+(-[a-z0-9]+)*$",
                "description": "Default: made from the basis and the date."},
        "source": _source_ref(),
    }


def _component() -> dict[str, Any]:
    qualifier = _enum_or_null(vocab.QUALIFIERS)
    return {"type": "object", "additionalProperties": False, "properties": {
        "province": _enum_or_null(vocab.PROVINCES), "name_vi": _string(),
        "name_en": _string(), "governing_body": _string(),
        "stated_length_km": {"description": "As the source writes it: a number, or text "
                             "that keeps its decimals (\"37,40\").",
                             "oneOf": [nullable({"type": "number", "minimum": 0}),
                                       {"type": "string"}]},
        "stated_length_decimals": nullable({
            "type": "integer", "minimum": 0, "maximum": 6,
            "description": "The decimals the source writes, for a number (as read)."}),
        "length_qualifier": qualifier, "amount_vnd": MONEY, "amount_qualifier": qualifier,
        "note": _string(), "note_en": _string(),
        "source": _string(description="A stored source's key (default: the change's).")}}


def schemas() -> dict[str, Any]:
    """The request bodies and the write errors (merged into components/schemas)."""
    create = {**_attributes(), **_update(),
              "code": {"type": "string", "pattern": r"^[a-z0-9]+(-[a-z0-9]+)*$"}}
    create["as_of"] = {**create["as_of"], "description": "As of (default: today)."}
    error = {"error": {"type": "string"}, "detail": _string()}
    return {
        "ProjectCreate": {"type": "object",
                          "required": ["code", "name_vi", "kind", "status", "source"],
                          "properties": create, "additionalProperties": False},
        "ProjectPatch": {"type": "object", "properties": _attributes(),
                         "additionalProperties": False},
        "UpdateCreate": {"type": "object", "required": ["as_of", "status", "source"],
                         "properties": _update(), "additionalProperties": False},
        "EstimateCreate": {"type": "object",
                           "required": ["amount_vnd", "as_of", "basis", "source"],
                           "properties": _estimate(), "additionalProperties": False},
        "ComponentsReplace": {"type": "object", "required": ["components"],
                              "additionalProperties": False, "properties": {
                                  "components": {"type": "array", "maxItems": 50,
                                                 "items": _component()},
                                  "source": _source_ref()}},
        "FieldErrors": {"type": "object", "required": ["error", "errors"], "properties": {
            **error, "errors": {"type": "array", "items": {
                "type": "object", "required": ["field", "message"], "properties": {
                    "field": {"type": "string"}, "message": {"type": "string"}}}}}},
        "StaleVersion": {"type": "object", "required": ["error", "changes"], "properties": {
            **error, "current_version": nullable({"type": "integer"}),
            "changes": {"type": "array", "items": {"type": "object", "properties": {
                "at": {"type": "string", "format": "date-time"},
                "actor": {"type": "string"}, "kind": {"type": "string"},
                "summary": {"type": "string"}, "version": nullable({"type": "integer"}),
                "fields": {"type": "array", "items": {"type": "string"}}}}}}},
    }


def _errors(*codes: int) -> dict[str, Any]:
    return {str(c): {"description": ERRORS[c], "content": {
        JSON: {"schema": ref(ERROR_SCHEMAS.get(c, "Error"))}}} for c in codes}


def _project(status: int, description: str, location: str | None = None) -> dict[str, Any]:
    headers: dict[str, Any] = {
        "ETag": {"description": "The project's new strong ETag (for the next If-Match).",
                 "required": True, "schema": {"type": "string"}}}
    if location:
        headers["Location"] = {"description": location, "schema": {"type": "string"}}
    return {str(status): {"description": description, "headers": headers,
                          "content": {JSON: {"schema": ref("ProjectDetail")}}}}


def _op(summary: str, description: str, params: list[str], body: str | None,
        responses: dict[str, Any], operation_id: str) -> dict[str, Any]:
    op: dict[str, Any] = {
        "summary": summary, "description": description, "tags": ["writes"],
        "operationId": operation_id, "security": SECURITY,
        "parameters": [{"$ref": f"#/components/parameters/{p}"} for p in params],
        "responses": responses}
    if body:
        op["requestBody"] = {"required": True, "content": {
            JSON: {"schema": ref(body)}}}
    return op


def write_operations() -> dict[str, dict[str, Any]]:
    """The write operations by path and method."""
    return {
        "/api/v1/projects": {"post": _op(
            "Create a project", "An editor adds a project with its first status (as_of "
            "defaults to today). 201 with the project and its ETag.", [], "ProjectCreate",
            {**_project(201, "Created.", "The project's URL."),
             **_errors(400, 401, 403, 415, 422)}, "createProject")},
        "/api/v1/projects/{code}": {
            "patch": _op(
                "Change a project's values", "Only the fields sent change (the geometry as "
                "GeoJSON); status, progress and disbursement come from status updates. "
                "`source` is cited for the changed values, and is required when a fact "
                "changes (roles, programme role, corridor, length, total, dates).",
                ["code", "ifMatch"],
                "ProjectPatch", {**_project(200, "Changed (or nothing to change)."),
                                 **_errors(400, 401, 403, 404, 412, 415, 422, 428)},
                "editProject"),
            "delete": _op(
                "Delete a project (admins)", "A soft delete: the project leaves every view "
                "and export; its history and audit trail are kept.", ["code", "ifMatch"],
                None, {"204": {"description": "Deleted."},
                       **_errors(401, 403, 404, 412, 428)}, "deleteProject")},
        "/api/v1/projects/{code}/updates": {"post": _op(
            "Record a status update", "Appends to the history; the project's current "
            "status, progress and disbursement move when it is the latest.",
            ["code", "ifMatch"], "UpdateCreate",
            {**_project(201, "Recorded: the project with its current values.",
                        "The project's history."),
             **_errors(400, 401, 403, 404, 412, 415, 422, 428)}, "recordUpdate")},
        "/api/v1/projects/{code}/components": {"put": _op(
            "Replace a project's components", "The whole list, as the source splits the "
            "project (a province's share of a national expressway, a named section); an "
            "empty list removes them. Each component cites a source (its own, or `source`); "
            "a province must be one of the project's.", ["code", "ifMatch"],
            "ComponentsReplace",
            {**_project(200, "Replaced (or nothing to change): the project."),
             **_errors(400, 401, 403, 404, 412, 415, 422, 428)}, "replaceComponents")},
        "/api/v1/projects/{code}/estimates": {"post": _op(
            "Record an investment estimate", "A dated figure of the total investment (a "
            "proposal, an approved or an adjusted one) with its source. It takes its place "
            "by date; when it is the latest, the project's total, its basis, date and "
            "qualifier become its own (typing a total is refused once a project has "
            "estimates).", ["code", "ifMatch"], "EstimateCreate",
            {**_project(201, "Recorded: the project with its current total.",
                        "The project's estimates."),
             **_errors(400, 401, 403, 404, 412, 415, 422, 428)}, "recordEstimate")},
    }
