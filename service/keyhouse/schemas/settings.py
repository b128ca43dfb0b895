"""Admin settings and the scope catalog."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from keyhouse.domain.catalog import LIFETIME_LIMIT_DAYS
from keyhouse.schemas.common import Description, Identifier, Input

LifetimeDays = Field(ge=1, le=LIFETIME_LIMIT_DAYS)


class SettingsUpdate(Input):
    """Changes to the key lifetime policy. The default may not exceed the maximum."""

    default_key_lifetime_days: int | None = Field(
        default=None,
        ge=1,
        le=LIFETIME_LIMIT_DAYS,
        description="Lifetime of a key created without an expiry, in days.",
    )
    max_key_lifetime_days: int | None = Field(
        default=None,
        ge=1,
        le=LIFETIME_LIMIT_DAYS,
        description="The longest lifetime a key may be given, in days.",
    )


class SettingsPublic(BaseModel):
    """The key lifetime policy."""

    default_key_lifetime_days: int = Field(description="Lifetime of a key created without expiry.")
    max_key_lifetime_days: int = Field(description="Longest lifetime a key may be given.")
    updated_at: datetime


class ScopeCreate(Input):
    """A custom scope, for downstream services to check."""

    name: Identifier = Field(description="The scope's name, unique in the catalog.")
    description: Description = Field(default="", description="What the scope lets a key do.")


class ScopePublic(BaseModel):
    """A scope of the catalog."""

    name: str
    description: str
    builtin: bool


class ScopesPublic(BaseModel):
    """A page of the scope catalog."""

    data: list[ScopePublic]
    next_cursor: str | None
