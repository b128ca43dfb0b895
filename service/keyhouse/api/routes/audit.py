"""``/api/v1/audit``: the audit log (admins)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy import select

from keyhouse.api.deps import CurrentCaller, ReadSessionDep
from keyhouse.api.json_body import StrictJSONRoute
from keyhouse.core.problems import problem_responses
from keyhouse.domain import audit
from keyhouse.domain.access import authorize
from keyhouse.domain.pagination import DEFAULT_LIMIT, decode_int_cursor, encode_cursor
from keyhouse.models import AuditEvent
from keyhouse.schemas.audit import AuditEventsPublic
from keyhouse.schemas.common import Cursor, Limit

router = APIRouter(
    route_class=StrictJSONRoute,
    prefix="/api/v1/audit",
    tags=["audit"],
    responses=problem_responses(401, 403, 422),
)


@router.get("", response_model=AuditEventsPublic)
def list_(
    caller: CurrentCaller,
    session: ReadSessionDep,
    principal: Annotated[
        str | None, Query(max_length=64, description="Only events by this user or role (by name).")
    ] = None,
    action: Annotated[
        str | None,
        Query(max_length=64, description="Only this action, e.g. secrets:GetSecretValue."),
    ] = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> AuditEventsPublic:
    """Audited actions, newest first (admins)."""
    authorize(session, caller, "audit:ListEvents", "khrn:audit")
    statement = select(AuditEvent)
    if principal is not None:
        statement = statement.where(AuditEvent.principal_name == principal)
    if action is not None:
        statement = statement.where(AuditEvent.action == action)
    if cursor is not None:
        statement = statement.where(AuditEvent.id < decode_int_cursor(session, "audit", cursor))
    rows = list(session.scalars(statement.order_by(AuditEvent.id.desc()).limit(limit + 1)))
    next_cursor = (
        encode_cursor(session, "audit", [rows[limit - 1].id]) if len(rows) > limit else None
    )
    return AuditEventsPublic(
        data=[audit.event_public(e) for e in rows[:limit]], next_cursor=next_cursor
    )
