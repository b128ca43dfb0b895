"""``/api/v1/iam/policies``: customer policies and their attachments (admins)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response
from fastapi.responses import JSONResponse
from sqlalchemy import select

from keyhouse.api.deps import (
    CurrentCaller,
    IdempotencyKey,
    ReadSessionDep,
    SessionDep,
    StateDep,
)
from keyhouse.api.docs import IDEMPOTENT
from keyhouse.api.json_body import StrictJSONRoute
from keyhouse.core.problems import Conflict, MissingReference, NotFound, problem_responses
from keyhouse.domain import audit, idempotency
from keyhouse.domain import policies as policies_domain
from keyhouse.domain.access import authorize
from keyhouse.domain.pagination import DEFAULT_LIMIT, paginate
from keyhouse.domain.principals import find_principal
from keyhouse.domain.resource_names import policy_rn, principal_rn
from keyhouse.iam.authorizer import bump_generation
from keyhouse.models import IamPolicy, PolicyAttachment, utcnow
from keyhouse.schemas.common import Cursor, Limit, PrincipalKind
from keyhouse.schemas.iam import (
    AttachmentCreate,
    AttachmentPublic,
    AttachmentsPublic,
    PoliciesPublic,
    PolicyCreate,
    PolicyPublic,
    PolicyUpdate,
)

router = APIRouter(
    route_class=StrictJSONRoute,
    prefix="/api/v1/iam/policies",
    tags=["iam"],
    responses=problem_responses(401, 403, 422),
)
PolicyName = Annotated[str, Path(max_length=64, description="The policy's name.")]


def _attachment(attachment: PolicyAttachment) -> AttachmentPublic:
    principal = attachment.principal
    return AttachmentPublic(
        policy=attachment.policy.name,
        principal_kind=principal.kind,
        principal_name=principal.name,
        principal_arn=principal_rn(principal.kind, principal.name),
        created_at=attachment.created_at,
    )


@router.post(
    "", status_code=201, response_model=PolicyPublic, responses=problem_responses(400, 409)
)
def create_policy(
    body: PolicyCreate,
    caller: CurrentCaller,
    session: SessionDep,
    state: StateDep,
    idempotency_key: IdempotencyKey,
) -> JSONResponse:
    """Create a policy from a document (validated: errors point into it)."""
    authorize(session, caller, "iam:CreatePolicy", policy_rn(body.name))
    document = policies_domain.checked_document(body.document)

    def produce() -> idempotency.Created:
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
        return idempotency.Created(policies_domain.to_public(session, policy), policy_rn(body.name))

    return idempotency.run_create(
        state,
        session,
        caller,
        idempotency_key,
        "POST /api/v1/iam/policies",
        body,
        "iam:CreatePolicy",
        produce,
    )


@router.get("", response_model=PoliciesPublic)
def list_policies(
    caller: CurrentCaller,
    session: ReadSessionDep,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> PoliciesPublic:
    """List the customer policies."""
    authorize(session, caller, "iam:ListPolicies", "khrn:policy:*")
    rows, next_cursor = paginate(
        session,
        "policies",
        select(IamPolicy),
        [IamPolicy.name],
        limit,
        cursor,
        lambda p: (p.name,),
    )
    return PoliciesPublic(
        data=policies_domain.to_public_page(session, rows), next_cursor=next_cursor
    )


@router.get("/{name}", response_model=PolicyPublic, responses=problem_responses(404))
def get_policy(name: PolicyName, caller: CurrentCaller, session: ReadSessionDep) -> PolicyPublic:
    """One policy, with its current document and version."""
    authorize(session, caller, "iam:GetPolicy", policy_rn(name))
    return policies_domain.to_public(session, policies_domain.find_policy(session, name))


@router.patch(
    "/{name}",
    response_model=PolicyPublic,
    responses=problem_responses(404),
    openapi_extra=IDEMPOTENT,
)
def update_policy(
    name: PolicyName, body: PolicyUpdate, caller: CurrentCaller, session: SessionDep
) -> PolicyPublic:
    """Change a policy's description, or its document (a new version, in force at once)."""
    authorize(session, caller, "iam:UpdatePolicy", policy_rn(name))
    # Locked: two concurrent document changes make two versions, not one.
    policy = policies_domain.find_policy(session, name, for_update=True)
    if "description" in body.model_fields_set:
        policy.description = body.description
    if body.document is not None:
        document = policies_domain.checked_document(body.document)
        if document != policy.document:
            policy.document = document
            policy.version += 1
            bump_generation(session)
    policy.updated_at = utcnow()
    audit.record(session, caller, "iam:UpdatePolicy", policy_rn(name))
    session.commit()
    return policies_domain.to_public(session, policy)


@router.delete(
    "/{name}",
    status_code=204,
    responses=problem_responses(404, 409),
    openapi_extra=IDEMPOTENT,
)
def delete_policy(name: PolicyName, caller: CurrentCaller, session: SessionDep) -> Response:
    """Delete a policy; refused while it is attached (the answer says to whom)."""
    authorize(session, caller, "iam:DeletePolicy", policy_rn(name))
    policies_domain.delete_policy(session, policies_domain.find_policy(session, name))
    audit.record(session, caller, "iam:DeletePolicy", policy_rn(name))
    session.commit()
    return Response(status_code=204)


@router.post(
    "/{name}/attachments",
    status_code=201,
    response_model=AttachmentPublic,
    responses=problem_responses(400, 404, 409),
)
def attach_policy(
    name: PolicyName,
    body: AttachmentCreate,
    caller: CurrentCaller,
    session: SessionDep,
    state: StateDep,
    idempotency_key: IdempotencyKey,
) -> JSONResponse:
    """Attach a policy to a user or role; it is in force from the next request."""
    target = principal_rn(body.principal_kind, body.principal_name)
    authorize(session, caller, "iam:AttachPolicy", target)
    policy = policies_domain.find_policy(session, name)

    def produce() -> idempotency.Created:
        try:
            principal = find_principal(session, body.principal_kind, body.principal_name)
        except NotFound as exc:
            raise MissingReference("/body/principal_name", exc.detail) from None
        if session.get(PolicyAttachment, (policy.id, principal.id)) is not None:
            raise Conflict(f"policy '{name}' is already attached to {target}")
        attachment = PolicyAttachment(
            policy_id=policy.id, principal_id=principal.id, created_at=utcnow()
        )
        session.add(attachment)
        session.flush()
        session.refresh(attachment)
        bump_generation(session)
        return idempotency.Created(_attachment(attachment), f"{policy_rn(name)} -> {target}")

    return idempotency.run_create(
        state,
        session,
        caller,
        idempotency_key,
        f"POST /api/v1/iam/policies/{name}/attachments",
        body,
        "iam:AttachPolicy",
        produce,
    )


@router.get(
    "/{name}/attachments", response_model=AttachmentsPublic, responses=problem_responses(404)
)
def list_attachments(
    name: PolicyName,
    caller: CurrentCaller,
    session: ReadSessionDep,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> AttachmentsPublic:
    """The users and roles a policy is attached to."""
    authorize(session, caller, "iam:ListAttachments", policy_rn(name))
    policy = policies_domain.find_policy(session, name)
    rows, next_cursor = paginate(
        session,
        "attachments",
        select(PolicyAttachment).where(PolicyAttachment.policy_id == policy.id),
        [PolicyAttachment.created_at, PolicyAttachment.principal_id],
        limit,
        cursor,
        lambda a: (a.created_at, a.principal_id),
    )
    return AttachmentsPublic(data=[_attachment(a) for a in rows], next_cursor=next_cursor)


@router.delete(
    "/{name}/attachments/{principal_kind}/{principal_name}",
    status_code=204,
    responses=problem_responses(404),
    openapi_extra=IDEMPOTENT,
)
def detach_policy(
    name: PolicyName,
    principal_kind: PrincipalKind,
    principal_name: Annotated[str, Path(max_length=64)],
    caller: CurrentCaller,
    session: SessionDep,
) -> Response:
    """Detach a policy from a user or role; it stops applying from the next request."""
    target = principal_rn(principal_kind, principal_name)
    authorize(session, caller, "iam:DetachPolicy", target)
    policy = policies_domain.find_policy(session, name)
    principal = find_principal(session, principal_kind, principal_name)
    attachment = session.get(PolicyAttachment, (policy.id, principal.id))
    if attachment is None:
        raise NotFound(f"policy '{name}' is not attached to {target}")
    session.delete(attachment)
    audit.record(session, caller, "iam:DetachPolicy", f"{policy_rn(name)} -> {target}")
    bump_generation(session)
    session.commit()
    return Response(status_code=204)
