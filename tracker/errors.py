"""The TrackerError family: each error knows its HTTP status; one handler renders them."""

from __future__ import annotations


class TrackerError(Exception):
    """Base: a message a person can act on, and the HTTP status it maps to."""

    http_status = 500
    error = "internal_error"

    def __init__(self, message: str, detail: str | None = None, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.detail = detail
        self.field = field

    def to_dict(self) -> dict[str, str | None]:
        out: dict[str, str | None] = {"error": self.message, "detail": self.detail}
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
