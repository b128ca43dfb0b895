"""The audit log: who did what, with which key, to what, and whether it was allowed."""

from __future__ import annotations

from sqlalchemy.orm import Session

from keyhouse.domain.auth import Caller
from keyhouse.models import AuditEvent, utcnow
from keyhouse.schemas.audit import AuditEventPublic


def record(
    session: Session,
    caller: Caller | None,
    action: str,
    target: str | None,
    outcome: str = "success",
    *,
    related: str | None = None,
) -> None:
    """Add an audit event to ``session``; it commits with the change it describes."""
    session.add(
        AuditEvent(
            at=utcnow(),
            principal_id=caller.principal_id if caller else None,
            principal_kind=caller.principal_kind if caller else None,
            principal_name=caller.principal_name if caller else None,
            key_id=caller.key_id if caller else None,
            action=action,
            target=target,
            related=related,
            outcome=outcome,
        )
    )


def event_public(event: AuditEvent) -> AuditEventPublic:
    """An audit event as the API shows it."""
    principal = event.principal_name and f"{event.principal_kind}/{event.principal_name}"
    return AuditEventPublic(
        id=event.id,
        at=event.at,
        principal=principal or None,
        key_id=event.key_id,
        action=event.action,
        target=event.target,
        related=event.related,
        outcome=event.outcome,
    )
