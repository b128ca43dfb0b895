"""Bodies of ``whoami`` and ``keys:verify``."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from keyhouse.schemas.common import SENSITIVE, Identifier, Input, PrincipalRef

# The public reasons of domain.key_status.VERIFY_REASONS (a test keeps the two equal).
VerifyReason = Literal[
    "not_found", "malformed", "revoked", "expired", "missing_scope", "not_a_collaborator"
]


class WhoamiKey(BaseModel):
    """The key that made the request."""

    id: str
    name: str
    prefix: str
    scopes: list[str]
    project: str | None
    expires_at: datetime
    replaced_by: str | None = Field(
        description="Set once the key was rolled: the Key ID of its replacement. The key "
        "works until expires_at; fetch the new one (re-read the secret that holds it)."
    )


class Whoami(BaseModel):
    """Who the calling key belongs to: the "test this key" answer."""

    principal: PrincipalRef
    is_admin: bool
    key: WhoamiKey


class VerifyRequest(Input):
    """A key to check, with what the downstream service needs of it."""

    key: Annotated[
        str,
        Field(
            min_length=1,
            max_length=200,
            description="The API key to check.",
            json_schema_extra={"writeOnly": True, **SENSITIVE},
        ),
    ]
    scopes: list[Identifier] = Field(
        default_factory=list, max_length=64, description="Scopes the key must all hold."
    )
    project: Identifier | None = Field(
        default=None, description="A project the key's owner must collaborate on."
    )


class VerifyResponse(BaseModel):
    """Whether a key may be used, and why not."""

    valid: bool
    reason: VerifyReason | None = Field(
        description="Why the key is not valid: not_found, malformed, revoked, expired, "
        "missing_scope or not_a_collaborator."
    )
    key_id: str | None = None
    principal: PrincipalRef | None = None
    scopes: list[str] | None = None
    project: str | None = None
    expires_at: datetime | None = None
    replaced_by: str | None = Field(
        default=None,
        description="Set once the key was rolled: the Key ID of its replacement. A rolled key "
        "stays valid until expires_at (the end of the overlap), then answers expired.",
    )
