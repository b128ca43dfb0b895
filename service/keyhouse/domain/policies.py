"""Customer policies and their attachments."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from keyhouse.core.problems import Conflict, NotFound, ProblemError
from keyhouse.domain.resource_names import policy_rn, principal_rn
from keyhouse.iam.document import Report, normalize, validate
from keyhouse.models import IamPolicy, PolicyAttachment
from keyhouse.schemas.iam import PolicyPublic


class InvalidDocument(ProblemError):
    """422: the policy document does not validate; ``errors`` points into the body."""

    status, slug, title = 422, "validation", "Invalid request"


def _refuse(report: Report, field: str, what: str, findings: str = "errors") -> InvalidDocument:
    errors = [
        {"pointer": f"/body/{field}{finding.pointer}", "detail": finding.message}
        for finding in getattr(report, findings)
    ]
    summary = "; ".join(f"{e['pointer']}: {e['detail']}" for e in errors[:5])
    return InvalidDocument(f"the policy document {what}: {summary}", errors=errors)


def checked_document(raw: Any, field: str = "document") -> dict[str, Any]:
    """The normalized document, or a 422 listing every error with its pointer."""
    report = validate(raw)
    if not report.valid:
        raise _refuse(report, field, "is invalid")
    return normalize(raw if isinstance(raw, dict) else {})


def report_within_limits(raw: Any, field: str = "document") -> Report:
    """The validation report of a document; a 422 naming the limit when one is exceeded.

    Within the limits, errors are the report's business (``:validate`` answers them).
    """
    report = validate(raw)
    if report.limits:
        raise _refuse(report, field, "exceeds a limit", findings="limits")
    return report


def find_policy(session: Session, name: str, *, for_update: bool = False) -> IamPolicy:
    """A customer policy by name, or 404; ``for_update`` reads it under its row lock."""
    statement = select(IamPolicy).where(IamPolicy.name == name)
    if for_update:
        statement = statement.with_for_update().execution_options(populate_existing=True)
    policy = session.scalar(statement)
    if policy is None:
        raise NotFound(f"policy '{name}' does not exist")
    return policy


def attachment_count(session: Session, policy: IamPolicy) -> int:
    """How many principals ``policy`` is attached to."""
    return (
        session.scalar(
            select(func.count())
            .select_from(PolicyAttachment)
            .where(PolicyAttachment.policy_id == policy.id)
        )
        or 0
    )


def to_public(session: Session, policy: IamPolicy) -> PolicyPublic:
    """A policy as the API shows it."""
    return _public(policy, attachment_count(session, policy))


def to_public_page(session: Session, policies: Sequence[IamPolicy]) -> list[PolicyPublic]:
    """A page of policies: their attachments counted in one query, not one per policy."""
    counted = (
        select(PolicyAttachment.policy_id, func.count())
        .where(PolicyAttachment.policy_id.in_([p.id for p in policies]))
        .group_by(PolicyAttachment.policy_id)
    )
    counts = {policy_id: count for policy_id, count in session.execute(counted)}
    return [_public(p, counts.get(p.id, 0)) for p in policies]


def _public(policy: IamPolicy, attachments: int) -> PolicyPublic:
    return PolicyPublic(
        id=policy.id,
        arn=policy_rn(policy.name),
        name=policy.name,
        description=policy.description,
        document=policy.document,
        version=policy.version,
        attachments=attachments,
        created_at=policy.created_at,
        updated_at=policy.updated_at,
    )


def delete_policy(session: Session, policy: IamPolicy) -> None:
    """Delete a policy; refused while it is attached, naming to whom."""
    holders = [
        principal_rn(a.principal.kind, a.principal.name)
        for a in session.scalars(
            select(PolicyAttachment).where(PolicyAttachment.policy_id == policy.id)
        )
    ]
    if holders:
        raise Conflict(
            f"policy '{policy.name}' is attached to {', '.join(sorted(holders))}; detach it first"
        )
    session.delete(policy)
