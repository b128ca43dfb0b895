"""``/api/v1/api-keys``: the caller's API keys."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response
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
from keyhouse.core.keys import KEY_ID_PATTERN
from keyhouse.core.problems import problem_responses
from keyhouse.domain import api_keys as keys
from keyhouse.domain import audit, idempotency, rotation
from keyhouse.domain.access import authorize
from keyhouse.domain.key_cache import announce_change
from keyhouse.domain.pagination import DEFAULT_LIMIT, paginate
from keyhouse.domain.resource_names import key_rn
from keyhouse.models import ApiKey, utcnow
from keyhouse.schemas.api_keys import (
    ApiKeyCreate,
    ApiKeyCreated,
    ApiKeyPublic,
    ApiKeyRoll,
    ApiKeyRolled,
    ApiKeysPublic,
    ApiKeyUpdate,
    KeyStatusName,
)
from keyhouse.schemas.common import Cursor, Limit

router = APIRouter(
    route_class=StrictJSONRoute,
    prefix="/api/v1/api-keys",
    tags=["api-keys"],
    responses=problem_responses(401, 403, 422),
)
KeyId = Annotated[str, Path(pattern=KEY_ID_PATTERN, description="The Key ID.")]


@router.post(
    "",
    status_code=201,
    response_model=ApiKeyCreated,
    responses=problem_responses(400, 404, 409),
)
def create(
    body: ApiKeyCreate,
    caller: CurrentCaller,
    session: SessionDep,
    state: StateDep,
    idempotency_key: IdempotencyKey,
) -> JSONResponse:
    """Create an API key. The response holds the key itself: the only time it is shown."""
    authorize(session, caller, "keys:CreateKey", "khrn:apikey:*")

    def produce() -> idempotency.Created:
        created = keys.create_key(session, state.digester, caller, body, utcnow())
        return idempotency.Created(created, key_rn(created.id))

    return idempotency.run_create(
        state,
        session,
        caller,
        idempotency_key,
        "POST /api/v1/api-keys",
        body,
        "keys:CreateKey",
        produce,
    )


@router.get("", response_model=ApiKeysPublic)
def list_(
    caller: CurrentCaller,
    session: ReadSessionDep,
    name: Annotated[str | None, Query(max_length=64, description="Exact key name.")] = None,
    prefix: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=12,
            description="Start of the key (its first 12 characters at most).",
        ),
    ] = None,
    status: Annotated[KeyStatusName | None, Query(description="Only keys in this state.")] = None,
    search: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=64,
            description="Keys whose name contains this (any case) or whose prefix starts with it.",
        ),
    ] = None,
    unused_days: Annotated[
        int | None,
        Query(ge=1, le=36500, description="Only keys not used in this many days (or never)."),
    ] = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> ApiKeysPublic:
    """List the keys the caller owns or created: never the keys themselves."""
    authorize(session, caller, "keys:ListKeys", "khrn:apikey:*")
    now = utcnow()
    statement = keys.visible_to(caller)
    if name is not None:
        statement = statement.where(ApiKey.name == name)
    if prefix is not None:
        statement = statement.where(ApiKey.prefix.startswith(prefix, autoescape=True))
    if status is not None:
        statement = keys.filter_status(statement, status, now)
    if search is not None:
        statement = keys.filter_search(statement, search)
    if unused_days is not None:
        statement = keys.filter_unused(statement, now - timedelta(days=unused_days))
    rows, next_cursor = paginate(
        session,
        "api-keys",
        statement,
        [ApiKey.created_at, ApiKey.id],
        limit,
        cursor,
        lambda k: (k.created_at, k.id),
        branches=keys.ways_to_see(caller),
    )
    return ApiKeysPublic(data=[keys.to_public(k, now) for k in rows], next_cursor=next_cursor)


@router.get("/{key_id}", response_model=ApiKeyPublic, responses=problem_responses(404))
def get(key_id: KeyId, caller: CurrentCaller, session: ReadSessionDep) -> ApiKeyPublic:
    """One key, by its Key ID."""
    authorize(session, caller, "keys:GetKey", key_rn(key_id))
    return keys.to_public(keys.get_visible(session, caller, key_id), utcnow())


@router.patch(
    "/{key_id}",
    response_model=ApiKeyPublic,
    responses=problem_responses(404, 409),
    openapi_extra=IDEMPOTENT,
)
def update(
    key_id: KeyId, body: ApiKeyUpdate, caller: CurrentCaller, session: SessionDep
) -> ApiKeyPublic:
    """Rename a key or change its scopes."""
    authorize(session, caller, "keys:UpdateKey", key_rn(key_id))
    now = utcnow()
    key = keys.get_visible(session, caller, key_id, for_update=True)
    keys.update_key(session, caller, key, body, now)
    audit.record(session, caller, "keys:UpdateKey", key_rn(key_id))
    announce_change(session, key_id)
    session.commit()
    return keys.to_public(key, now)


@router.post(
    "/{key_id}/revoke",
    response_model=ApiKeyPublic,
    responses=problem_responses(404),
    openapi_extra=IDEMPOTENT,
)
def revoke(key_id: KeyId, caller: CurrentCaller, session: SessionDep) -> ApiKeyPublic:
    """Revoke a key. Final: it stays listed as revoked and never works again."""
    authorize(session, caller, "keys:RevokeKey", key_rn(key_id))
    now = utcnow()
    key = keys.get_visible(session, caller, key_id, for_update=True)
    keys.revoke_key(key, now)
    audit.record(session, caller, "keys:RevokeKey", key_rn(key_id))
    idempotency.forget(session, key_rn(key_id))
    announce_change(session, key_id)
    session.commit()
    return keys.to_public(key, now)


@router.post(
    "/{key_id}/roll",
    status_code=201,
    response_model=ApiKeyRolled,
    responses=problem_responses(400, 404, 409),
)
def roll(
    key_id: KeyId,
    body: ApiKeyRoll,
    caller: CurrentCaller,
    session: SessionDep,
    state: StateDep,
    idempotency_key: IdempotencyKey,
) -> JSONResponse:
    """Roll a key: a new key in its place, while the old one works for an overlap.

    The new key has the old one's name, owner, scopes, project restriction and
    lifetime unless the body changes them. It is shown once, or written into the
    secret that holds the old key as its next version (same id, same arn). The
    old key is listed as ``rolled`` and expires after ``overlap_seconds``.
    Allowed to whoever may create that key.
    """
    authorize(session, caller, "keys:RollKey", key_rn(key_id))

    def produce() -> idempotency.Created:
        rolled = rotation.roll_key(
            session, state.envelope, state.digester, caller, key_id, body, utcnow()
        )
        if rolled.secret is not None:
            audit.record(session, caller, "secrets:PutSecretValue", rolled.secret.arn)
        announce_change(session, key_id)
        return idempotency.Created(rolled, key_rn(key_id), related=rolled.arn)

    return idempotency.run_create(
        state,
        session,
        caller,
        idempotency_key,
        f"POST /api/v1/api-keys/{key_id}/roll",
        body,
        "keys:RollKey",
        produce,
    )


@router.delete(
    "/{key_id}", status_code=204, responses=problem_responses(404), openapi_extra=IDEMPOTENT
)
def delete(key_id: KeyId, caller: CurrentCaller, session: SessionDep) -> Response:
    """Delete a key and its record."""
    authorize(session, caller, "keys:DeleteKey", key_rn(key_id))
    key = keys.get_visible(session, caller, key_id)
    session.delete(key)
    audit.record(session, caller, "keys:DeleteKey", key_rn(key_id))
    idempotency.forget(session, key_rn(key_id))
    announce_change(session, key_id)
    session.commit()
    return Response(status_code=204)
