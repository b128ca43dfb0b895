"""``/api/v1/iam/policies``: customer policies and their attachments (admins)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response
from fastapi.responses import JSONResponse
from sqlalchemy import select

from keyhouse.api.deps import (
    CurrentCaller,
    IdempotencyKey,
    PrincipalKindPath,
    PrincipalNamePath,
    ReadSessionDep,
    SessionDep,
    StateDep,
)
from keyhouse.api.docs import IDEMPOTENT
from keyhouse.api.json_body import StrictJSONRoute
from keyhouse.core.problems import problem_responses
from keyhouse.domain import audit, idempotency
from keyhouse.domain import policies as policies_domain
from keyhouse.domain.access import authorize
from keyhouse.domain.pagination import DEFAULT_LIMIT, paginate
from keyhouse.domain.resource_names import policy_rn, principal_rn
from keyhouse.models import IamPolicy, PolicyAttachment
from keyhouse.schemas.common import Cursor, Limit
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
        policy = policies_domain.create_policy(session, body, document)
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


@router.get("/{policy}", response_model=PolicyPublic, responses=problem_responses(404))
def get_policy(policy: PolicyName, caller: CurrentCaller, session: ReadSessionDep) -> PolicyPublic:
    """One policy, with its current document and version."""
    authorize(session, caller, "iam:GetPolicy", policy_rn(policy))
    return policies_domain.to_public(session, policies_domain.find_policy(session, policy))


@router.patch(
    "/{policy}",
    response_model=PolicyPublic,
    responses=problem_responses(404),
    openapi_extra=IDEMPOTENT,
)
def update_policy(
    policy: PolicyName, body: PolicyUpdate, caller: CurrentCaller, session: SessionDep
) -> PolicyPublic:
    """Change a policy's description, or its document (a new version, in force at once)."""
    authorize(session, caller, "iam:UpdatePolicy", policy_rn(policy))
    # Locked: two concurrent document changes make two versions, not one.
    found = policies_domain.find_policy(session, policy, for_update=True)
    policies_domain.update_policy(session, found, body)
    audit.record(session, caller, "iam:UpdatePolicy", policy_rn(policy))
    session.commit()
    return policies_domain.to_public(session, found)


@router.delete(
    "/{policy}",
    status_code=204,
    responses=problem_responses(404, 409),
    openapi_extra=IDEMPOTENT,
)
def delete_policy(policy: PolicyName, caller: CurrentCaller, session: SessionDep) -> Response:
    """Delete a policy; refused while it is attached (the answer says to whom)."""
    authorize(session, caller, "iam:DeletePolicy", policy_rn(policy))
    policies_domain.delete_policy(session, policies_domain.find_policy(session, policy))
    audit.record(session, caller, "iam:DeletePolicy", policy_rn(policy))
    idempotency.forget(session, policy_rn(policy))
    session.commit()
    return Response(status_code=204)


@router.post(
    "/{policy}/attachments",
    status_code=201,
    response_model=AttachmentPublic,
    responses=problem_responses(400, 404, 409),
)
def attach_policy(
    policy: PolicyName,
    body: AttachmentCreate,
    caller: CurrentCaller,
    session: SessionDep,
    state: StateDep,
    idempotency_key: IdempotencyKey,
) -> JSONResponse:
    """Attach a policy to a user or role; it is in force from the next request."""
    target = principal_rn(body.principal_kind, body.principal_name)
    authorize(session, caller, "iam:AttachPolicy", target)
    found = policies_domain.find_policy(session, policy)

    def produce() -> idempotency.Created:
        attachment = policies_domain.attach(
            session, found, body.principal_kind, body.principal_name
        )
        return idempotency.Created(
            policies_domain.attachment_public(attachment), f"{policy_rn(policy)} -> {target}"
        )

    return idempotency.run_create(
        state,
        session,
        caller,
        idempotency_key,
        f"POST /api/v1/iam/policies/{policy}/attachments",
        body,
        "iam:AttachPolicy",
        produce,
    )


@router.get(
    "/{policy}/attachments", response_model=AttachmentsPublic, responses=problem_responses(404)
)
def list_attachments(
    policy: PolicyName,
    caller: CurrentCaller,
    session: ReadSessionDep,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> AttachmentsPublic:
    """The users and roles a policy is attached to."""
    authorize(session, caller, "iam:ListAttachments", policy_rn(policy))
    found = policies_domain.find_policy(session, policy)
    rows, next_cursor = paginate(
        session,
        "attachments",
        select(PolicyAttachment).where(PolicyAttachment.policy_id == found.id),
        [PolicyAttachment.created_at, PolicyAttachment.principal_id],
        limit,
        cursor,
        lambda a: (a.created_at, a.principal_id),
    )
    return AttachmentsPublic(
        data=[policies_domain.attachment_public(a) for a in rows], next_cursor=next_cursor
    )


@router.delete(
    "/{policy}/attachments/{principal_kind}/{principal_name}",
    status_code=204,
    responses=problem_responses(404),
    openapi_extra=IDEMPOTENT,
)
def detach_policy(
    policy: PolicyName,
    principal_kind: PrincipalKindPath,
    principal_name: PrincipalNamePath,
    caller: CurrentCaller,
    session: SessionDep,
) -> Response:
    """Detach a policy from a user or role; it stops applying from the next request."""
    target = principal_rn(principal_kind, principal_name)
    authorize(session, caller, "iam:DetachPolicy", target)
    found = policies_domain.find_policy(session, policy)
    policies_domain.detach(session, found, principal_kind, principal_name)
    audit.record(session, caller, "iam:DetachPolicy", f"{policy_rn(policy)} -> {target}")
    idempotency.forget(session, f"{policy_rn(policy)} -> {target}")
    session.commit()
    return Response(status_code=204)
