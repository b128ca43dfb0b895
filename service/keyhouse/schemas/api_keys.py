"""API key bodies."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from keyhouse.schemas.common import (
    SENSITIVE,
    Identifier,
    Input,
    KeyName,
    PrincipalRef,
    Timestamp,
    at_most_one_of,
)

ScopeList = Annotated[
    list[Identifier],
    Field(min_length=1, max_length=64, description="Scopes from the catalog; at least one."),
]
KeyStatusName = Literal["active", "revoked", "expired"]


class ApiKeyCreate(Input):
    """A new API key. Without an expiry it lives for the admin's default lifetime.

    At most one of owner_role and owner_user, and one of expires_in_days and expires_at.
    """

    model_config = ConfigDict(
        json_schema_extra={
            "allOf": [
                at_most_one_of("owner_role", "owner_user"),
                at_most_one_of("expires_in_days", "expires_at"),
            ]
        }
    )

    name: KeyName = Field(description="Unique among the owner's keys.")
    scopes: ScopeList
    project: Identifier | None = Field(
        default=None, description="Restrict the key to this project."
    )
    owner_role: Identifier | None = Field(
        default=None, description="Create the key for this role instead of the caller (admins)."
    )
    owner_user: Identifier | None = Field(
        default=None, description="Create the key for this user instead of the caller (admins)."
    )
    # No upper bound here: the admin's maximum is checked (and named) when the key is made.
    expires_in_days: int | None = Field(
        default=None, ge=1, description="Lifetime in days, at most the admin's maximum."
    )
    expires_at: Timestamp | None = Field(default=None, description="Expiry as a timestamp.")

    @model_validator(mode="after")
    def _one_owner_one_expiry(self) -> ApiKeyCreate:
        if self.owner_role is not None and self.owner_user is not None:
            raise ValueError("give owner_role or owner_user, not both")
        if self.expires_in_days is not None and self.expires_at is not None:
            raise ValueError("give expires_in_days or expires_at, not both")
        return self

    @field_validator("expires_at")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("must carry a time zone, e.g. 2027-01-01T00:00:00Z")
        return value


class ApiKeyUpdate(Input):
    """Changes to a key: a new name, a new set of scopes, or both."""

    name: KeyName | None = Field(
        default=None, description="A new name, unique among the owner's keys."
    )
    scopes: ScopeList | None = Field(
        default=None,
        description="The new set of scopes, replacing the old (only scopes the caller holds).",
    )


class ApiKeyPublic(BaseModel):
    """An API key as listed: never the key itself."""

    id: str = Field(description="The Key ID, also the middle part of the key.")
    arn: str = Field(description="khrn:apikey:<key id>")
    name: str
    prefix: str = Field(description="The first characters of the key, to recognise it.")
    owner: PrincipalRef
    project: str | None
    scopes: list[str]
    status: KeyStatusName
    created_at: datetime
    expires_at: datetime
    last_used_at: datetime | None = Field(
        description="Recorded at most once a minute per key, written in batches."
    )
    revoked_at: datetime | None


class ApiKeyCreated(ApiKeyPublic):
    """The response to a create: the only time the key is ever shown."""

    key: str = Field(
        description="The API key. Shown once; store it now.", json_schema_extra=SENSITIVE
    )


class ApiKeysPublic(BaseModel):
    """A page of API keys."""

    data: list[ApiKeyPublic]
    next_cursor: str | None
