"""The TrackerError family: each error knows its HTTP status; one handler renders them."""

from __future__ import annotations

from typing import Any


class TrackerError(Exception):
    """Base: a message a person can act on, and the HTTP status it maps to."""

    http_status = 500
    error = "internal_error"

    def __init__(self, message: str, detail: str | None = None, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.detail = detail
        self.field = field

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"error": self.message, "detail": self.detail}
        if self.field:
            out["parameter"] = self.field
        return out


class ValidationError(TrackerError):
    """Data that breaks a rule of the domain (a constraint, a vocabulary, a geometry)."""

    http_status = 400
    error = "invalid_data"


class BadParameter(TrackerError):
    """A request or CLI parameter that cannot be parsed or is out of range."""

    http_status = 400
    error = "bad_parameter"


class NotFound(TrackerError):
    http_status = 404
    error = "not_found"


class SchemaBehind(TrackerError):
    """The database is not at the revision this code needs: `tracker init-db` migrates it.
    No app process migrates on its own (several workers would race)."""

    http_status = 503
    error = "schema_behind"

class Unauthorized(TrackerError):
    """No credentials, or credentials that do not identify an active user."""

    http_status = 401
    error = "unauthorized"


class Forbidden(TrackerError):
    """A known user whose role does not allow the action."""

    http_status = 403
    error = "forbidden"


class TooManyAttempts(TrackerError):
    """Too many failed sign-ins: refused until `retry_after` seconds have passed."""

    http_status = 429
    error = "too_many_attempts"

    def __init__(self, message: str, retry_after: int, detail: str | None = None):
        super().__init__(message, detail=detail)
        self.retry_after = retry_after


class Conflict(TrackerError):
    """The change collides with what is stored (a code that is already taken)."""

    http_status = 409
    error = "conflict"


class PreconditionFailed(TrackerError):
    """A write based on a version that is no longer current (a stale If-Match or edit form):
    nothing was changed. `current_version` is the version now stored; `changes` what others
    changed since (plain dicts: at, actor, kind, summary, fields), for the reply to say."""

    http_status = 412
    error = "precondition_failed"

    def __init__(self, message: str, detail: str | None = None,
                 current_version: int | None = None,
                 changes: list[dict[str, Any]] | None = None):
        super().__init__(message, detail=detail)
        self.current_version = current_version
        self.changes = changes or []

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "changes": self.changes}


class InvalidFields(TrackerError):
    """Input that breaks the register's rules, field by field: `errors` lists every field
    that is wrong and why ({"field", "message"}), so a client can fix them all at once."""

    http_status = 422
    error = "invalid_fields"

    def __init__(self, message: str, errors: list[dict[str, str]], detail: str | None = None):
        super().__init__(message, detail=detail)
        self.errors = errors

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "errors": self.errors}


class PreconditionRequired(TrackerError):
    """A write that did not say which version it changes (no If-Match): refused, so no
    client can overwrite a change it never saw."""

    http_status = 428
    error = "precondition_required"


class UnsupportedMediaType(TrackerError):
    """A request body that is not the media type the endpoint reads (JSON)."""

    http_status = 415
    error = "unsupported_media_type"
