"""``/api/v1/roles``: machine identities such as a compute cluster's role (admins manage them)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response
from fastapi.responses import JSONResponse

from keyhouse.api.deps import (
    CurrentCaller,
    IdempotencyKey,
    ReadSessionDep,
    SessionDep,
    StateDep,
)
from keyhouse.api.docs import IDEMPOTENT
from keyhouse.api.json_body import StrictJSONRoute
from keyhouse.core.problems import problem_responses
from keyhouse.domain import audit, idempotency
from keyhouse.domain.access import authorize
from keyhouse.domain.pagination import DEFAULT_LIMIT
from keyhouse.domain.principals import (
    create_principal,
    delete_principal,
    find_principal,
    page_of,
    role_public,
    update_role,
)
from keyhouse.domain.resource_names import principal_rn
from keyhouse.iam.authorizer import bump_generation, serialize_iam_changes
from keyhouse.schemas.common import Cursor, Limit
from keyhouse.schemas.principals import RoleCreate, RolePublic, RolesPublic, RoleUpdate

router = APIRouter(
    route_class=StrictJSONRoute,
    prefix="/api/v1/roles",
    tags=["roles"],
    responses=problem_responses(401, 403, 422),
)
RoleName = Annotated[str, Path(max_length=64, description="The role's name.")]


@router.post("", status_code=201, response_model=RolePublic, responses=problem_responses(400, 409))
def create(
    body: RoleCreate,
    caller: CurrentCaller,
    session: SessionDep,
    state: StateDep,
    idempotency_key: IdempotencyKey,
) -> JSONResponse:
    """Create a role (admins)."""
    authorize(session, caller, "iam:CreateRole", principal_rn("role", body.name))

    def produce() -> idempotency.Created:
        made = create_principal(session, "role", body.name, description=body.description)
        return idempotency.Created(role_public(made), principal_rn("role", body.name))

    return idempotency.run_create(
        state,
        session,
        caller,
        idempotency_key,
        "POST /api/v1/roles",
        body,
        "iam:CreateRole",
        produce,
    )


@router.get("", response_model=RolesPublic)
def list_(
    caller: CurrentCaller,
    session: ReadSessionDep,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> RolesPublic:
    """List roles (admins)."""
    authorize(session, caller, "iam:ListRoles", "khrn:role:*")
    rows, next_cursor = page_of(session, "role", limit, cursor)
    return RolesPublic(data=[role_public(r) for r in rows], next_cursor=next_cursor)


@router.get("/{role}", response_model=RolePublic, responses=problem_responses(404))
def get(role: RoleName, caller: CurrentCaller, session: ReadSessionDep) -> RolePublic:
    """One role (admins)."""
    authorize(session, caller, "iam:GetRole", principal_rn("role", role))
    return role_public(find_principal(session, "role", role))


@router.patch(
    "/{role}", response_model=RolePublic, responses=problem_responses(404), openapi_extra=IDEMPOTENT
)
def update(
    role: RoleName, body: RoleUpdate, caller: CurrentCaller, session: SessionDep
) -> RolePublic:
    """Change a role's description (admins)."""
    authorize(session, caller, "iam:UpdateRole", principal_rn("role", role))
    found = find_principal(session, "role", role)
    update_role(found, body)
    audit.record(session, caller, "iam:UpdateRole", principal_rn("role", role))
    session.commit()
    return role_public(found)


@router.delete(
    "/{role}", status_code=204, responses=problem_responses(404, 409), openapi_extra=IDEMPOTENT
)
def delete(role: RoleName, caller: CurrentCaller, session: SessionDep) -> Response:
    """Delete a role with its keys and private secrets (admins)."""
    authorize(session, caller, "iam:DeleteRole", principal_rn("role", role))
    serialize_iam_changes(session)  # the last admin and each project's last owner stay
    delete_principal(session, find_principal(session, "role", role))
    audit.record(session, caller, "iam:DeleteRole", principal_rn("role", role))
    idempotency.forget(session, principal_rn("role", role))
    bump_generation(session)
    session.commit()
    return Response(status_code=204)
