"""Dependencies shared by the routes: state, sessions, the authenticated caller."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Header, Path, Request
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from keyhouse.core.keys import parse_key_id
from keyhouse.core.problems import Unauthenticated
from keyhouse.core.state import AppState
from keyhouse.domain.auth import Caller, KeyCheck, KeyStatus, check_key
from keyhouse.domain.key_cache import SESSION_CACHE
from keyhouse.iam.authorizer import SESSION_AUTHORIZER
from keyhouse.models import utcnow
from keyhouse.schemas.common import PrincipalKind


async def get_state(request: Request) -> AppState:
    """The app's shared state (async: a sync dependency would cost a worker-thread hop)."""
    state: AppState = request.app.state.keyhouse
    return state


StateDep = Annotated[AppState, Depends(get_state)]


# The session dependencies are async generators: a session is created without
# I/O (its connection is taken when the route first uses it, on the route's
# worker thread), so only closing it, which may roll back, needs a worker
# thread. A sync generator would cost a thread hop on the way in as well.


async def get_session(state: StateDep) -> AsyncIterator[Session]:
    """A session for work that writes (on SQLite its transactions begin IMMEDIATE)."""
    session = state.sessions()
    session.info[SESSION_CACHE] = state.key_lookup.cache
    session.info[SESSION_AUTHORIZER] = state.authorizer
    try:
        yield session
    finally:
        await run_in_threadpool(session.close)


async def get_read_session(state: StateDep) -> AsyncIterator[Session]:
    """A session for read-only work."""
    session = state.read_sessions()
    session.info[SESSION_AUTHORIZER] = state.authorizer
    try:
        yield session
    finally:
        await run_in_threadpool(session.close)


SessionDep = Annotated[Session, Depends(get_session)]
ReadSessionDep = Annotated[Session, Depends(get_read_session)]

_NOT_AUTHENTICATED = {
    KeyStatus.MALFORMED: ("malformed", "the API key is malformed: wrong format or checksum"),
    KeyStatus.NOT_FOUND: ("unknown", "the API key is not known to this service"),
    KeyStatus.REVOKED: ("revoked", "the API key has been revoked"),
    KeyStatus.EXPIRED: ("expired", "the API key has expired"),
}


def presented_key(request: Request) -> str:
    """The key from ``x-api-key`` or ``Authorization: ApiKey <key>``; 401 when absent."""
    header = request.headers.get("x-api-key")
    if header:
        return header.strip()
    authorization = request.headers.get("authorization")
    if authorization:
        scheme, _, value = authorization.partition(" ")
        if scheme.lower() != "apikey" or not value.strip():
            raise Unauthenticated("malformed", "the Authorization header must read 'ApiKey <key>'")
        return value.strip()
    raise Unauthenticated(
        "missing", "no API key: send it in the x-api-key header or as 'Authorization: ApiKey <key>'"
    )


async def check_presented_key(state: AppState, plaintext: str, now: datetime) -> KeyCheck:
    """Check a key without stalling the event loop on a database round trip.

    An SQLite look-up is a few microseconds of local work, cheaper done in place
    than handed to a worker thread and back; a PostgreSQL one waits on the
    network, so it runs on a worker thread while the loop serves others.
    """
    lookup = state.key_lookup
    if lookup.local or lookup.cached(parse_key_id(plaintext)) is not None:
        return check_key(lookup, state.digester, plaintext, now)
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(
        state.lookup_executor, check_key, state.key_lookup, state.digester, plaintext, now
    )


async def get_caller(request: Request) -> Caller:
    """Authenticate the request's API key (the dependency behind ``CurrentCaller``)."""
    return await authenticate(request)


async def authenticate(request: Request) -> Caller:
    """The caller behind the request's API key; 401 saying why when there is none.

    The look-up uses its own connection, so the route's transaction (which may
    write) starts after it.
    """
    state: AppState = request.app.state.keyhouse
    plaintext = presented_key(request)
    now = utcnow()
    check = await check_presented_key(state, plaintext, now)
    if check.status is not KeyStatus.VALID or check.caller is None:
        reason, detail = _NOT_AUTHENTICATED[check.status]
        raise Unauthenticated(reason, detail)
    state.last_used.touch(check.caller.key_id, now)
    client = request.client
    caller = replace(check.caller, source_ip=client.host if client else None)
    request.state.caller = caller
    return caller


CurrentCaller = Annotated[Caller, Depends(get_caller)]


IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        description="Makes a retried create return the first response instead of creating again.",
    ),
]

# Path parameters naming a member or a holder: /<...>/{principal_kind}/{principal_name}.
PrincipalKindPath = Annotated[PrincipalKind, Path(description="user or role.")]
PrincipalNamePath = Annotated[str, Path(max_length=64, description="The user's or role's name.")]
