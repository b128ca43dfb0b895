"""Audit log bodies."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field


class AuditEventPublic(BaseModel):
    """One audited action."""

    id: int
    at: datetime
    principal: str | None
    key_id: str | None
    action: str
    target: str | None
    related: str | None = Field(
        description="The second resource of an action on two: for keys:RollKey, the new key."
    )
    outcome: Literal["success", "denied", "replayed"]


class AuditEventsPublic(BaseModel):
    """A page of audit events, newest first."""

    data: list[AuditEventPublic]
    next_cursor: str | None
