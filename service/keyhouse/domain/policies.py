"""Customer policies and their attachments."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from keyhouse.core.problems import Conflict, MissingReference, NotFound, ProblemError
from keyhouse.domain.principals import find_principal
from keyhouse.domain.resource_names import policy_rn, principal_rn
from keyhouse.iam.authorizer import bump_generation
from keyhouse.iam.document import Report, normalize, validate
from keyhouse.models import IamPolicy, PolicyAttachment, utcnow
from keyhouse.schemas.iam import AttachmentPublic, PolicyCreate, PolicyPublic, PolicyUpdate


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


def attachment_public(attachment: PolicyAttachment) -> AttachmentPublic:
    """An attachment as the API shows it."""
    principal = attachment.principal
    return AttachmentPublic(
        policy=attachment.policy.name,
        principal_kind=principal.kind,
        principal_name=principal.name,
        principal_arn=principal_rn(principal.kind, principal.name),
        created_at=attachment.created_at,
    )


def create_policy(session: Session, body: PolicyCreate, document: dict[str, Any]) -> IamPolicy:
    """A new policy at version 1 holding ``document`` (already checked); 409 on a taken name."""
    if session.scalar(select(IamPolicy.id).where(IamPolicy.name == body.name)):
        raise Conflict(f"a policy named '{body.name}' already exists")
    now = utcnow()
    policy = IamPolicy(
        name=body.name,
        description=body.description,
        document=document,
        version=1,
        created_at=now,
        updated_at=now,
    )
    session.add(policy)
    session.flush()
    return policy


def update_policy(session: Session, policy: IamPolicy, body: PolicyUpdate) -> None:
    """A new description, or a new document: a new version, in force from the next request."""
    if "description" in body.model_fields_set:
        policy.description = body.description
    if body.document is not None:
        document = checked_document(body.document)
        if document != policy.document:
            policy.document = document
            policy.version += 1
            bump_generation(session)
    policy.updated_at = utcnow()


def attach(session: Session, policy: IamPolicy, kind: str, name: str) -> PolicyAttachment:
    """Attach ``policy`` to the user or role ``name``; 404 if there is none, 409 if attached."""
    try:
        principal = find_principal(session, kind, name)
    except NotFound as exc:
        raise MissingReference("/body/principal_name", exc.detail) from None
    if session.get(PolicyAttachment, (policy.id, principal.id)) is not None:
        raise Conflict(f"policy '{policy.name}' is already attached to {principal_rn(kind, name)}")
    attachment = PolicyAttachment(
        policy_id=policy.id, principal_id=principal.id, created_at=utcnow()
    )
    session.add(attachment)
    session.flush()
    session.refresh(attachment)
    bump_generation(session)
    return attachment


def detach(session: Session, policy: IamPolicy, kind: str, name: str) -> None:
    """Detach ``policy`` from the user or role ``name``; 404 when it is not attached."""
    principal = find_principal(session, kind, name)
    attachment = session.get(PolicyAttachment, (policy.id, principal.id))
    if attachment is None:
        raise NotFound(f"policy '{policy.name}' is not attached to {principal_rn(kind, name)}")
    session.delete(attachment)
    bump_generation(session)


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
