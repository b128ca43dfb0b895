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
from keyhouse.schemas.secrets import SecretPublic

ScopeList = Annotated[
    list[Identifier],
    Field(min_length=1, max_length=64, description="Scopes from the catalog; at least one."),
]
KeyStatusName = Literal["active", "rolled", "revoked", "expired"]

# A roll's overlap is capped by the old key's own expiry anyway; this bound only
# keeps the number a time span (ten years).
MAX_OVERLAP_SECONDS = 315_360_000


class KeyExpiry(Input):
    """An expiry for a new key: a lifetime in days or a time, not both."""

    model_config = ConfigDict(
        json_schema_extra={"allOf": [at_most_one_of("expires_in_days", "expires_at")]}
    )

    # No upper bound here: the admin's maximum is checked (and named) when the key is made.
    expires_in_days: int | None = Field(
        default=None, ge=1, description="Lifetime in days, at most the admin's maximum."
    )
    expires_at: Timestamp | None = Field(default=None, description="Expiry as a timestamp.")

    @model_validator(mode="after")
    def _one_expiry(self) -> KeyExpiry:
        if self.expires_in_days is not None and self.expires_at is not None:
            raise ValueError("give expires_in_days or expires_at, not both")
        return self

    @field_validator("expires_at")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("must carry a time zone, e.g. 2027-01-01T00:00:00Z")
        return value


class ApiKeyCreate(KeyExpiry):
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

    @model_validator(mode="after")
    def _one_owner(self) -> ApiKeyCreate:
        if self.owner_role is not None and self.owner_user is not None:
            raise ValueError("give owner_role or owner_user, not both")
        return self


class ApiKeyRoll(KeyExpiry):
    """A roll: a new key in the old one's place, the old one kept for an overlap.

    Left out, the new key keeps the old one's scopes, project restriction and
    lifetime (its length, counted from now); an expiry given is the new key's.
    """

    overlap_seconds: int = Field(
        ge=0,
        le=MAX_OVERLAP_SECONDS,
        description="How long the old key keeps working, in seconds; 0 ends it now. "
        "Never past the old key's own expiry.",
    )
    scopes: ScopeList | None = Field(default=None, description="New scopes for the new key.")
    project: Identifier | None = Field(
        default=None,
        description="A new project restriction for the new key; null lifts it. Left out, "
        "the new key keeps the old one's.",
    )
    store_in_secret_id: str | None = Field(
        default=None,
        pattern=r"^[0-9a-f]{32}$",
        description="A secret holding the old key: the new key becomes its next version "
        "(same id, same arn) instead of being returned. Needs secrets:PutSecretValue on it.",
    )


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
    replaced_by: str | None = Field(
        description="For a rolled key: the Key ID of the key that replaced it. A rolled key "
        "works until expires_at (the end of the overlap)."
    )


class ApiKeyCreated(ApiKeyPublic):
    """The response to a create: the only time the key is ever shown."""

    key: str = Field(
        description="The API key. Shown once; store it now.", json_schema_extra=SENSITIVE
    )


class ApiKeyRolled(ApiKeyPublic):
    """The response to a roll: the new key, the old one as it is now, and the secret written."""

    key: str | None = Field(
        description="The new API key, shown once; null when it went into a secret.",
        json_schema_extra=SENSITIVE,
    )
    replaces: ApiKeyPublic = Field(description="The old key: rolled, working until its expires_at.")
    secret: SecretPublic | None = Field(
        description="The secret whose new version holds the new key (store_in_secret_id)."
    )


class ApiKeysPublic(BaseModel):
    """A page of API keys."""

    data: list[ApiKeyPublic]
    next_cursor: str | None
