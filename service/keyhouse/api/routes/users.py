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
from keyhouse.core.problems import problem_responses
from keyhouse.domain import audit, idempotency
from keyhouse.domain.access import authorize
from keyhouse.domain.pagination import DEFAULT_LIMIT
from keyhouse.domain.principals import (
    create_principal,
    delete_principal,
    find_principal,
    page_of,
    update_user,
    user_public,
)
from keyhouse.domain.resource_names import principal_rn
from keyhouse.iam.authorizer import bump_generation, serialize_iam_changes
from keyhouse.schemas.common import Cursor, Limit
from keyhouse.schemas.principals import UserCreate, UserPublic, UsersPublic, UserUpdate

router = APIRouter(
    route_class=StrictJSONRoute,
    prefix="/api/v1/users",
    tags=["users"],
    responses=problem_responses(401, 403, 422),
)
UserName = Annotated[str, Path(max_length=64, description="The user's name.")]


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
        made = create_principal(
            session, "user", body.name, email=body.email, is_admin=body.is_admin
        )
        return idempotency.Created(user_public(made), principal_rn("user", body.name))

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
    return UsersPublic(data=[user_public(u) for u in rows], next_cursor=next_cursor)


@router.get("/{user}", response_model=UserPublic, responses=problem_responses(404))
def get(user: UserName, caller: CurrentCaller, session: ReadSessionDep) -> UserPublic:
    """One user (admins)."""
    authorize(session, caller, "iam:GetUser", principal_rn("user", user))
    return user_public(find_principal(session, "user", user))


@router.patch(
    "/{user}",
    response_model=UserPublic,
    responses=problem_responses(404, 409),
    openapi_extra=IDEMPOTENT,
)
def update(
    user: UserName, body: UserUpdate, caller: CurrentCaller, session: SessionDep
) -> UserPublic:
    """Change a user's email or admin flag (admins); the last admin stays an admin."""
    authorize(session, caller, "iam:UpdateUser", principal_rn("user", user))
    serialize_iam_changes(session)  # the last admin stays admin: counted in update_user
    found = find_principal(session, "user", user)
    update_user(session, found, body)
    audit.record(session, caller, "iam:UpdateUser", principal_rn("user", user))
    session.commit()
    return user_public(found)


@router.delete(
    "/{user}", status_code=204, responses=problem_responses(404, 409), openapi_extra=IDEMPOTENT
)
def delete(user: UserName, caller: CurrentCaller, session: SessionDep) -> Response:
    """Delete a user with their keys and private secrets (admins)."""
    authorize(session, caller, "iam:DeleteUser", principal_rn("user", user))
    serialize_iam_changes(session)  # the last admin and each project's last owner stay
    delete_principal(session, find_principal(session, "user", user))
    audit.record(session, caller, "iam:DeleteUser", principal_rn("user", user))
    idempotency.forget(session, principal_rn("user", user))
    bump_generation(session)
    session.commit()
    return Response(status_code=204)
