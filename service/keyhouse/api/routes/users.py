"""``/api/v1/users``: people (admins manage them)."""

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
from keyhouse.core.problems import Conflict, problem_responses
from keyhouse.domain import audit, idempotency
from keyhouse.domain.access import authorize
from keyhouse.domain.pagination import DEFAULT_LIMIT
from keyhouse.domain.principals import (
    admin_count,
    create_principal,
    delete_principal,
    find_principal,
    page_of,
)
from keyhouse.domain.resource_names import principal_rn
from keyhouse.iam.authorizer import bump_generation, serialize_iam_changes
from keyhouse.models import Principal
from keyhouse.schemas.common import Cursor, Limit
from keyhouse.schemas.principals import UserCreate, UserPublic, UsersPublic, UserUpdate

router = APIRouter(
    route_class=StrictJSONRoute,
    prefix="/api/v1/users",
    tags=["users"],
    responses=problem_responses(401, 403, 422),
)
UserName = Annotated[str, Path(max_length=64, description="The user's name.")]


def _public(user: Principal) -> UserPublic:
    return UserPublic(
        arn=principal_rn("user", user.name),
        id=user.id,
        name=user.name,
        email=user.email,
        is_admin=user.is_admin,
        created_at=user.created_at,
    )


@router.post("", status_code=201, response_model=UserPublic, responses=problem_responses(400, 409))
def create(
    body: UserCreate,
    caller: CurrentCaller,
    session: SessionDep,
    state: StateDep,
    idempotency_key: IdempotencyKey,
) -> JSONResponse:
    """Create a user (admins)."""
    authorize(session, caller, "iam:CreateUser", principal_rn("user", body.name))

    def produce() -> idempotency.Created:
        user = create_principal(
            session, "user", body.name, email=body.email, is_admin=body.is_admin
        )
        return idempotency.Created(_public(user), principal_rn("user", body.name))

    return idempotency.run_create(
        state,
        session,
        caller,
        idempotency_key,
        "POST /api/v1/users",
        body,
        "iam:CreateUser",
        produce,
    )


@router.get("", response_model=UsersPublic)
def list_(
    caller: CurrentCaller,
    session: ReadSessionDep,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> UsersPublic:
    """List users (admins)."""
    authorize(session, caller, "iam:ListUsers", "khrn:user:*")
    rows, next_cursor = page_of(session, "user", limit, cursor)
    return UsersPublic(data=[_public(u) for u in rows], next_cursor=next_cursor)


@router.get("/{name}", response_model=UserPublic, responses=problem_responses(404))
def get(name: UserName, caller: CurrentCaller, session: ReadSessionDep) -> UserPublic:
    """One user (admins)."""
    authorize(session, caller, "iam:GetUser", principal_rn("user", name))
    return _public(find_principal(session, "user", name))


@router.patch(
    "/{name}",
    response_model=UserPublic,
    responses=problem_responses(404, 409),
    openapi_extra=IDEMPOTENT,
)
def update(
    name: UserName, body: UserUpdate, caller: CurrentCaller, session: SessionDep
) -> UserPublic:
    """Change a user's email or admin flag (admins); the last admin stays an admin."""
    authorize(session, caller, "iam:UpdateUser", principal_rn("user", name))
    serialize_iam_changes(session)  # the last admin stays admin: counted below
    user = find_principal(session, "user", name)
    if "email" in body.model_fields_set:
        user.email = body.email
    if body.is_admin is not None and body.is_admin != user.is_admin:
        if not body.is_admin and admin_count(session) <= 1:
            raise Conflict(f"user '{name}' is the last admin and must stay an admin")
        user.is_admin = body.is_admin
    audit.record(session, caller, "iam:UpdateUser", principal_rn("user", name))
    bump_generation(session)
    session.commit()
    return _public(user)


@router.delete(
    "/{name}", status_code=204, responses=problem_responses(404, 409), openapi_extra=IDEMPOTENT
)
def delete(name: UserName, caller: CurrentCaller, session: SessionDep) -> Response:
    """Delete a user with their keys and private secrets (admins)."""
    authorize(session, caller, "iam:DeleteUser", principal_rn("user", name))
    serialize_iam_changes(session)  # the last admin and each project's last owner stay
    delete_principal(session, find_principal(session, "user", name))
    audit.record(session, caller, "iam:DeleteUser", principal_rn("user", name))
    bump_generation(session)
    session.commit()
    return Response(status_code=204)
