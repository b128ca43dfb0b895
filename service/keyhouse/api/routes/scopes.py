"""``/api/v1/scopes``: the scope catalog."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import select

from keyhouse.api.deps import (
    CurrentCaller,
    IdempotencyKey,
    ReadSessionDep,
    SessionDep,
    StateDep,
)
from keyhouse.api.json_body import StrictJSONRoute
from keyhouse.core.problems import problem_responses
from keyhouse.domain import idempotency
from keyhouse.domain.access import authorize
from keyhouse.domain.pagination import MAX_LIMIT, paginate
from keyhouse.domain.scopes import create_scope, scope_public
from keyhouse.models import Scope
from keyhouse.schemas.common import Cursor, Limit
from keyhouse.schemas.settings import ScopeCreate, ScopePublic, ScopesPublic

router = APIRouter(
    route_class=StrictJSONRoute,
    prefix="/api/v1/scopes",
    tags=["scopes"],
    responses=problem_responses(401),
)


@router.get("", response_model=ScopesPublic, responses=problem_responses(422))
def list_(
    caller: CurrentCaller, session: ReadSessionDep, limit: Limit = MAX_LIMIT, cursor: Cursor = None
) -> ScopesPublic:
    """The scope catalog; readable with any valid key."""
    rows, next_cursor = paginate(
        session, "scopes", select(Scope), [Scope.name], limit, cursor, lambda s: (s.name,)
    )
    return ScopesPublic(data=[scope_public(s) for s in rows], next_cursor=next_cursor)


@router.post(
    "", status_code=201, response_model=ScopePublic, responses=problem_responses(400, 403, 409, 422)
)
def create(
    body: ScopeCreate,
    caller: CurrentCaller,
    session: SessionDep,
    state: StateDep,
    idempotency_key: IdempotencyKey,
) -> JSONResponse:
    """Add a custom scope for downstream services to check (admins)."""
    authorize(session, caller, "scopes:CreateScope", f"khrn:scope:{body.name}")

    def produce() -> idempotency.Created:
        return idempotency.Created(
            scope_public(create_scope(session, body)), f"khrn:scope:{body.name}"
        )

    return idempotency.run_create(
        state,
        session,
        caller,
        idempotency_key,
        "POST /api/v1/scopes",
        body,
        "scopes:CreateScope",
        produce,
    )
