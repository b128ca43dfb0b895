"""Every failure as one line on stderr, naming what was wrong, and an exit status.

Exit statuses: 0 done; 1 the service refused or failed (or a check came out
negative, as ``keys verify`` of a bad key); 2 bad usage, configuration or local
input; 3 the service could not be reached; 130 interrupted (Ctrl-C).
"""

from __future__ import annotations

from keyhouse_client import (
    APIError,
    AuthenticationError,
    ConfigurationError,
    FileTooLargeError,
    KeyhouseError,
    PermissionDeniedError,
    ServerError,
    TransportError,
    ValidationError,
)

REFUSED = 1
USAGE = 2
UNREACHABLE = 3


class CliError(Exception):
    """A failure the command explains itself: ``message`` is the whole line."""

    def __init__(self, message: str, exit_code: int = USAGE) -> None:
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code


def _field(pointer: str) -> str:
    # "/body/expires_in_days" -> "expires_in_days"; "/query/name" -> "name"
    parts = pointer.strip("/").split("/")
    if parts and parts[0] in {"body", "query", "path", "header"}:
        parts = parts[1:]
    return "/".join(parts) or pointer


def _pointed(error: APIError) -> str | None:
    # A 422, and a 404 or 409 about a part of the request, point at each part concerned.
    items = error.problem.get("errors")
    if not isinstance(items, list) or not items:
        return None
    parts = []
    for item in items:
        field = _field(str(item.get("pointer", ""))) if isinstance(item, dict) else ""
        detail = str(item.get("detail", "invalid")) if isinstance(item, dict) else str(item)
        parts.append(detail if not field or detail.startswith(field) else f"{field}: {detail}")
    return "; ".join(parts)


def _api(error: APIError) -> str:
    pointed = _pointed(error)
    if isinstance(error, ValidationError) and pointed:
        return "invalid request: " + pointed
    if isinstance(error, AuthenticationError):
        reason = f" ({error.reason})" if error.reason else ""
        return f"the API key was refused{reason}: {error.detail or error.title}"
    if isinstance(error, PermissionDeniedError):
        return f"refused: {error.detail or error.title}"
    if pointed:
        return pointed
    detail = error.detail or error.title
    if isinstance(error, ServerError):
        request = f" (request {error.request_id})" if error.request_id else ""
        return f"the service failed with {error.status}: {detail}{request}"
    return detail


def describe(error: BaseException) -> tuple[str, int] | None:
    """The line and exit status for ``error``, or None when it is not a known failure."""
    if isinstance(error, CliError):
        return error.message, error.exit_code
    if isinstance(error, TransportError):
        return str(error), UNREACHABLE  # it names the URL
    if isinstance(error, ConfigurationError | FileTooLargeError):
        return str(error), USAGE
    if isinstance(error, APIError):
        return _api(error), REFUSED
    if isinstance(error, KeyhouseError):
        return str(error), REFUSED
    if isinstance(error, OSError) and error.filename is not None:
        return f"{error.filename}: {error.strerror}", USAGE
    return None
