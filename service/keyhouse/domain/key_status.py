"""The one table of key-check outcomes: the public reason and message of each.

``KeyStatus`` is a closed set (as Unkey's ``keys/status.go``); a 401 and a
``keys:verify`` answer both take their words from here, so a key refused for
one reason reads the same on both paths.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class KeyStatus(StrEnum):
    """Why a presented key is or is not usable. A closed set; the value is the public reason."""

    VALID = "valid"
    MISSING = "missing"
    MALFORMED = "malformed"
    NOT_FOUND = "not_found"
    REVOKED = "revoked"
    EXPIRED = "expired"
    MISSING_SCOPE = "missing_scope"
    NOT_A_COLLABORATOR = "not_a_collaborator"


@dataclass(frozen=True, slots=True)
class StatusText:
    """What a caller is told about a status: the reason code and a sentence."""

    reason: str
    message: str


KEY_STATUS_TEXT: dict[KeyStatus, StatusText] = {
    KeyStatus.VALID: StatusText("valid", "the API key is valid"),
    KeyStatus.MISSING: StatusText(
        "missing", "no API key: send it in the x-api-key header or as 'Authorization: ApiKey <key>'"
    ),
    KeyStatus.MALFORMED: StatusText(
        "malformed", "the API key is malformed: wrong format or checksum"
    ),
    KeyStatus.NOT_FOUND: StatusText("not_found", "the API key is not known to this service"),
    KeyStatus.REVOKED: StatusText("revoked", "the API key has been revoked"),
    KeyStatus.EXPIRED: StatusText("expired", "the API key has expired"),
    KeyStatus.MISSING_SCOPE: StatusText(
        "missing_scope", "the API key lacks a scope the caller requires"
    ),
    KeyStatus.NOT_A_COLLABORATOR: StatusText(
        "not_a_collaborator",
        "the API key cannot be used on the project: its owner is not a collaborator, "
        "or the key is restricted to another project",
    ),
}

AUTHENTICATION_REASONS = (
    KeyStatus.MISSING,
    KeyStatus.MALFORMED,
    KeyStatus.NOT_FOUND,
    KeyStatus.REVOKED,
    KeyStatus.EXPIRED,
)
"""The statuses a 401 can carry."""

VERIFY_REASONS = (
    KeyStatus.NOT_FOUND,
    KeyStatus.MALFORMED,
    KeyStatus.REVOKED,
    KeyStatus.EXPIRED,
    KeyStatus.MISSING_SCOPE,
    KeyStatus.NOT_A_COLLABORATOR,
)
"""The statuses ``keys:verify`` can answer with, when a key is not valid."""
