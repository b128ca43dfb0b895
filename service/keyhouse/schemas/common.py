"""Field types and models shared by several resources."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, Strict

_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_KEY_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._-]*$")
_SEGMENT_RE = re.compile(r"^[A-Za-z0-9._-]+$")


def _no_dot_dot(value: str) -> str:
    if ".." in value:
        raise ValueError("must not contain '..'")
    return value


def _identifier(value: str) -> str:
    if not _NAME_RE.fullmatch(value):
        raise ValueError(
            "must start with a letter or digit and hold only letters, digits, '.', '_' and '-'"
        )
    return _no_dot_dot(value)


def _key_name(value: str) -> str:
    if not _KEY_NAME_RE.fullmatch(value) or value != value.strip():
        raise ValueError(
            "must start with a letter or digit, hold only letters, digits, spaces, '.', '_' "
            "and '-', and not end with a space"
        )
    return _no_dot_dot(value)


def _secret_name(value: str) -> str:
    if value.startswith("/"):
        raise ValueError("must not start with '/' (write hopsworks/role/x, not /hopsworks/role/x)")
    if value.endswith("/"):
        raise ValueError("must not end with '/'")
    for segment in value.split("/"):
        if not segment:
            raise ValueError("must not contain an empty path segment ('//')")
        if segment in {".", ".."} or ".." in segment:
            raise ValueError("must not contain '.' or '..' path segments")
        if not _SEGMENT_RE.fullmatch(segment):
            raise ValueError(
                "path segments may hold only letters, digits, '.', '_' and '-', separated by '/'"
            )
    return value


SENSITIVE: dict[str, Any] = {"x-sensitive": True}
"""Schema extension on a field that carries an API key or a secret value.

The generated client keeps such a field in a ``pydantic.SecretStr``, so that a
repr, a log line or a notebook cell never shows it.
"""


# The rules above as JSON Schema patterns, published in the OpenAPI document
# (the validators stay the ones that decide, for their clearer messages; a test
# holds both to the same answers).
# Without look-arounds, so that every JSON Schema engine (and pydantic's Rust one,
# in the generated client) reads them: dots never side by side, written as "a
# dot may only come before another character".
_SEGMENT = r"\.?[A-Za-z0-9_-](?:\.?[A-Za-z0-9_-])*\.?"
IDENTIFIER_PATTERN = r"^[A-Za-z0-9](?:\.?[A-Za-z0-9_-])*\.?$"
KEY_NAME_PATTERN = (
    r"^[A-Za-z0-9](?:(?:\.?[A-Za-z0-9 _-])*\.?[A-Za-z0-9_-]|(?:\.?[A-Za-z0-9 _-])*\.)?$"
)
SECRET_NAME_PATTERN = rf"^{_SEGMENT}(?:/{_SEGMENT})*$"

Identifier = Annotated[
    str,
    Field(min_length=1, max_length=64, json_schema_extra={"pattern": IDENTIFIER_PATTERN}),
    AfterValidator(_identifier),
]
"""Names of users, roles, projects and scopes."""

KeyName = Annotated[
    str,
    Field(min_length=1, max_length=64, json_schema_extra={"pattern": KEY_NAME_PATTERN}),
    AfterValidator(_key_name),
]
"""Names of API keys (spaces allowed, as in a settings page)."""

SecretName = Annotated[
    str,
    Field(min_length=1, max_length=256, json_schema_extra={"pattern": SECRET_NAME_PATTERN}),
    AfterValidator(_secret_name),
]
"""Path-like secret names such as ``hopsworks/role/databricks/type/api-key``."""

Description = Annotated[str, Field(max_length=500)]

ProjectRole = Literal["owner", "member", "viewer"]
PrincipalKind = Literal["user", "role"]


def at_most_one_of(first: str, second: str) -> dict[str, Any]:
    """JSON Schema: ``first`` and ``second`` are not both given (null counts as not given)."""
    return {
        "anyOf": [
            {"properties": {first: {"type": "null"}}},
            {"properties": {second: {"type": "null"}}},
        ]
    }


class Input(BaseModel):
    """Base of request bodies: unknown fields are an error, not silently dropped.

    Types are strict: ``true`` is not a number of days, ``"7"`` is not 7, ``1`` is
    not a name. Timestamps are the one JSON string parsed into a value (see ``Timestamp``).
    """

    model_config = ConfigDict(extra="forbid", strict=True)


def _timestamp_text(value: object) -> object:
    if not isinstance(value, str):
        raise ValueError("must be an RFC 3339 timestamp string, e.g. 2027-01-01T00:00:00Z")
    return value


Timestamp = Annotated[datetime, BeforeValidator(_timestamp_text), Strict(False)]
"""A timestamp in a request body: a JSON string, parsed (strict mode takes only datetimes)."""


class PrincipalRef(BaseModel):
    """A user or role, by kind and name."""

    kind: PrincipalKind
    name: str


Limit = Annotated[int, Field(ge=1, le=200, description="Items per page (1-200).")]
CURSOR_PATTERN = r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}$"
"""A cursor's form: base64url of the sort values, a dot, base64url of their 16-byte HMAC."""
Cursor = Annotated[
    str | None,
    Field(
        max_length=500,
        description="The next_cursor of the previous page of this same list, passed back "
        "unchanged. Opaque and signed by the service: any other value, even of this form, "
        "is a 422 naming /query/cursor.",
        json_schema_extra={"pattern": CURSOR_PATTERN},
    ),
]
