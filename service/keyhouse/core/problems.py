"""RFC 9457 problem details: the one shape of every error the service returns."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from keyhouse.domain.key_status import KEY_STATUS_TEXT, KeyStatus

PROBLEM_MEDIA_TYPE = "application/problem+json"


class InvalidParam(BaseModel):
    """One invalid part of a request: where it is (a JSON pointer) and what is wrong."""

    pointer: str = Field(
        description="JSON pointer into the request, e.g. /body/name or /query/limit"
    )
    detail: str


class Problem(BaseModel):
    """An RFC 9457 problem detail."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(
        description="A URI naming the kind of problem, e.g. urn:keyhouse:problem:not-found"
    )
    title: str
    status: int
    detail: str | None = None
    instance: str | None = Field(default=None, description="The request path")
    request_id: str | None = None
    reason: str | None = Field(
        default=None,
        description="For 401: missing, malformed, not_found, revoked or expired.",
    )
    scope: str | None = Field(default=None, description="For 403: the scope the key lacks.")
    project: str | None = Field(default=None, description="For 403: the project concerned.")
    errors: list[InvalidParam] | None = Field(
        default=None,
        description="For 422, 409 and a 404 about a named object: each part concerned.",
    )
    current_version: int | None = Field(
        default=None, description="For 412: the version the resource has now."
    )


class ProblemError(Exception):
    """Raised anywhere in a request to answer with a problem detail.

    ``audit`` (an action and a target), when set, records the refusal in the
    audit log.
    """

    status = 500
    slug = "internal"
    title = "Internal error"

    def __init__(
        self,
        detail: str,
        *,
        audit: tuple[str, str | None] | None = None,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.audit = audit
        self.headers = headers
        self.extra = extra


class BadRequest(ProblemError):
    """400: the request cannot be understood (a bad cursor, a bad header)."""

    status, slug, title = 400, "bad-request", "Bad request"


class Unauthenticated(ProblemError):
    """401: no valid API key; ``reason`` from the key status table (``domain.key_status``)."""

    status, slug, title = 401, "unauthenticated", "Authentication required"

    def __init__(self, reason: KeyStatus, detail: str) -> None:
        text = KEY_STATUS_TEXT[reason]
        super().__init__(detail, reason=text.reason, headers={"WWW-Authenticate": "ApiKey"})

    @classmethod
    def because(cls, reason: KeyStatus) -> Unauthenticated:
        """The 401 for ``reason``, in the table's words."""
        return cls(reason, KEY_STATUS_TEXT[reason].message)


class Forbidden(ProblemError):
    """403: authenticated, but not allowed."""

    status, slug, title = 403, "forbidden", "Forbidden"


class NotFound(ProblemError):
    """404: no such resource visible to the caller."""

    status, slug, title = 404, "not-found", "Not found"


class MissingReference(NotFound):
    """404 for an object a request body names that does not exist; ``errors`` points at it."""

    def __init__(self, pointer: str, detail: str) -> None:
        super().__init__(detail, errors=[{"pointer": pointer, "detail": detail}])


class Conflict(ProblemError):
    """409: the request conflicts with the current state."""

    status, slug, title = 409, "conflict", "Conflict"


class StateConflict(Conflict):
    """409 for a well-formed request that the service's current state refuses.

    The admin's key-lifetime policy, the scope catalog, the clock, a secret's
    type: nothing in the request alone is wrong, so it is not a 422. ``errors``
    points at the part concerned, as a 422's does.
    """

    def __init__(self, pointer: str, detail: str) -> None:
        super().__init__(detail, errors=[{"pointer": pointer, "detail": detail}])


class PreconditionFailed(ProblemError):
    """412: a compare-and-set found another version than the one the caller expected."""

    status, slug, title = 412, "precondition-failed", "Precondition failed"


class Unprocessable(ProblemError):
    """422: well-formed but invalid; ``errors`` points at each invalid part."""

    status, slug, title = 422, "validation", "Invalid request"

    def __init__(self, pointer: str, detail: str) -> None:
        super().__init__(detail, errors=[{"pointer": pointer, "detail": detail}])


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` entries documenting each status as a problem detail.

    The app's OpenAPI hook moves these to the ``application/problem+json`` media type.
    """
    descriptions = {
        400: "Bad request: a malformed Idempotency-Key, or two credentials in one request",
        401: "Missing, malformed, unknown (not_found), revoked or expired API key",
        403: "The key lacks a scope, or the principal lacks access",
        404: "Not found",
        409: "Conflict with the current state (an existing name, the scope catalog, the admin's "
        "key-lifetime policy, the clock, a secret's type): `errors` names the part concerned",
        412: "The expected version is not the current one (`current_version` names it)",
        422: "Invalid request: `errors` names each invalid field",
        503: "Not ready, or the storage is unavailable (`Retry-After` says when to retry)",
    }
    return {status: {"model": Problem, "description": descriptions[status]} for status in statuses}
