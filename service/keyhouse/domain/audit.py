"""The audit log: who did what, with which key, to what, and whether it was allowed."""

from __future__ import annotations

from sqlalchemy.orm import Session

from keyhouse.domain.auth import Caller
from keyhouse.models import AuditEvent, utcnow


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
