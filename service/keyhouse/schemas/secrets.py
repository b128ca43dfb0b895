"""Secret bodies."""

from __future__ import annotations

import base64
import binascii
import re
from datetime import datetime
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from keyhouse.schemas.common import SENSITIVE, Description, Identifier, Input, SecretName

MAX_VALUE_CHARS = 9000
SecretType = Literal["text", "file"]
Visibility = Literal["private", "project"]
VALUE_FIELD = Field(
    min_length=1,
    max_length=MAX_VALUE_CHARS,
    description="The value: text as is, or for type=file the base64 of the file's bytes. "
    f"At most {MAX_VALUE_CHARS} characters.",
    json_schema_extra={"writeOnly": True, **SENSITIVE},
)


BASE64_PATTERN = r"^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$"
"""Standard base64 with its padding, nothing around it: what a file value must be."""
_BASE64 = re.compile(BASE64_PATTERN)


def check_file_value(value: str) -> None:
    """Refuse a file value that is not strict base64 (without echoing it)."""
    try:
        if not _BASE64.fullmatch(value):
            raise ValueError
        base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("value must be base64 when type is 'file'") from None


def _no_default(schema: dict[str, Any]) -> None:
    # The default depends on another field: documented in words, not as a value.
    schema.pop("default", None)


def _file_values_are_base64(nullable_type: bool) -> dict[str, Any]:
    """JSON Schema: with type 'file' the value matches BASE64_PATTERN."""
    other = {"enum": ["text", None]} if nullable_type else {"const": "text"}
    return {
        "anyOf": [
            {"properties": {"type": other}},
            {
                "properties": {"type": {"const": "file"}, "value": {"pattern": BASE64_PATTERN}},
                "required": ["type"],
            },
        ]
    }


class _ValueBody(Input):
    """A value; subclasses say whether ``type`` has a default."""

    # Declared before value, so that value's validator can read it.
    type: SecretType | None
    value: str = VALUE_FIELD

    @field_validator("value")
    @classmethod
    def _file_is_base64(cls, value: str, info: ValidationInfo) -> str:
        if info.data.get("type") == "file":
            check_file_value(value)
        return value


class SecretValueInput(_ValueBody):
    """A value and how to read it."""

    model_config = ConfigDict(json_schema_extra=_file_values_are_base64(nullable_type=False))

    type: SecretType = Field(default="text", description="text, or file (value is base64).")


class SecretValueUpdate(_ValueBody):
    """A new value; without ``type`` the secret keeps its current type.

    With type 'file' the value must be base64 (a 422); without a type, a file
    secret's new value must be too (a 409: it conflicts with the secret's type).
    """

    model_config = ConfigDict(json_schema_extra=_file_values_are_base64(nullable_type=True))

    type: SecretType | None = Field(
        default=None, description="text, or file (value is base64); omit to keep the type."
    )
    expected_version: int | None = Field(
        default=None,
        ge=1,
        description="Compare-and-set: write only if the secret is still at this version "
        "(the same as an If-Match header); otherwise 412 naming the current version.",
    )


class SecretCreate(SecretValueInput):
    """A new secret, private to its creator or shared with a project.

    A project secret names its project (which alone implies visibility 'project'); a private
    one names none. A file's value is base64.
    """

    model_config = ConfigDict(
        json_schema_extra={
            "allOf": [
                _file_values_are_base64(nullable_type=False),
                {
                    "anyOf": [
                        {
                            "properties": {
                                "visibility": {"const": "project"},
                                "project": {"type": "string"},
                            },
                            # visibility may be left out: a project implies 'project'.
                            "required": ["project"],
                        },
                        {
                            "properties": {
                                "visibility": {"const": "private"},
                                "project": {"type": "null"},
                            }
                        },
                    ]
                },
            ]
        }
    )

    name: SecretName = Field(
        description="A path-like name, e.g. hopsworks/role/databricks/type/api-key; unique "
        "among the owner's private secrets, or within the project."
    )
    # Given a project, the secret is shared with it unless told otherwise (as in Terraform).
    visibility: Visibility = Field(
        default="private",
        description="private (only its owner) or project (every member of project). "
        "Default: project when project is given, else private.",
        json_schema_extra=_no_default,
    )
    project: Identifier | None = Field(
        default=None,
        description="The project to share the secret with; implies visibility 'project'.",
    )
    description: Description | None = Field(default=None, description="What the secret is for.")

    @model_validator(mode="before")
    @classmethod
    def _project_implies_visibility(cls, data: Any) -> Any:
        if isinstance(data, dict) and "visibility" not in data and data.get("project"):
            return {**data, "visibility": "project"}
        return data

    @model_validator(mode="after")
    def _project_matches_visibility(self) -> SecretCreate:
        if self.visibility == "project" and self.project is None:
            raise ValueError("project is required when visibility is 'project'")
        if self.visibility == "private" and self.project is not None:
            raise ValueError("project must be omitted when visibility is 'private'")
        return self


class SecretUpdate(Input):
    """Changes to a secret's metadata."""

    description: Description | None = Field(
        default=None, description="A new description; null clears it."
    )


class SecretPublic(BaseModel):
    """A secret's metadata: never its value."""

    id: str
    arn: str = Field(
        description="khrn:secret:project/<project>/<name> or khrn:secret:<kind>/<owner>/<name>"
    )
    name: str
    type: SecretType
    visibility: Visibility
    project: str | None
    owner: str | None = Field(description="user/<name> or role/<name> of the creator")
    description: str | None
    version: int = Field(description="Starts at 1; increments on every value change.")
    created_at: datetime
    updated_at: datetime


class SecretValue(BaseModel):
    """A secret's value, as stored (base64 for files)."""

    id: str
    name: str
    type: SecretType
    version: int
    value: str = Field(json_schema_extra=SENSITIVE)


class SecretsPublic(BaseModel):
    """A page of secrets (metadata only)."""

    data: list[SecretPublic]
    next_cursor: str | None
