"""Dependencies shared by the routes: state, sessions, the authenticated caller."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Annotated

from fastapi import Depends, Header, Path, Request
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from keyhouse.core.metrics import KEY_CHECKS
from keyhouse.core.problems import BadRequest, Unauthenticated
from keyhouse.core.state import AppState
from keyhouse.domain import idempotency
from keyhouse.domain.auth import Caller
from keyhouse.domain.key_cache import SESSION_CACHE
from keyhouse.domain.key_status import KeyStatus
from keyhouse.domain.pagination import SESSION_CURSOR_KEY
from keyhouse.domain.verification import check_presented_key
from keyhouse.iam.authorizer import SESSION_AUTHORIZER
from keyhouse.models import utcnow
from keyhouse.schemas.common import PrincipalKind

log = logging.getLogger("keyhouse")


async def get_state(request: Request) -> AppState:
    """The app's shared state (async: a sync dependency would cost a worker-thread hop)."""
    state: AppState = request.app.state.keyhouse
    return state


StateDep = Annotated[AppState, Depends(get_state)]


# The session dependencies are async generators: a session is created without
# I/O (its connection is taken when the route first uses it, on the route's
# worker thread), so only closing it, which may roll back, needs a worker
# thread. A sync generator would cost a thread hop on the way in as well.


def close_session(session: Session) -> None:
    """Close ``session``; a failure (the database went away meanwhile) never escapes.

    By the time a session closes its request has been answered (or its error
    is being answered): a failing rollback must not abort that answer. The
    connection is invalidated instead, so the pool never hands it out again.
    """
    try:
        session.close()
    except Exception as exc:
        log.warning("closing a database session failed (%s); connection discarded", exc_name(exc))
        with contextlib.suppress(Exception):
            session.invalidate()


def exc_name(exc: BaseException) -> str:
    """The exception's type name and the cause's, without their messages."""
    cause = getattr(exc, "orig", None)
    return type(exc).__name__ + (f"/{type(cause).__name__}" if cause is not None else "")


async def get_session(state: StateDep) -> AsyncIterator[Session]:
    """A session for work that writes (on SQLite its transactions begin IMMEDIATE)."""
    session = state.sessions()
    session.info[SESSION_CACHE] = state.key_lookup.cache
    session.info[SESSION_AUTHORIZER] = state.authorizer
    session.info[SESSION_CURSOR_KEY] = state.cursor_key
    try:
        yield session
    finally:
        await run_in_threadpool(close_session, session)


async def get_read_session(state: StateDep) -> AsyncIterator[Session]:
    """A session for read-only work."""
    session = state.read_sessions()
    session.info[SESSION_AUTHORIZER] = state.authorizer
    session.info[SESSION_CURSOR_KEY] = state.cursor_key
    try:
        yield session
    finally:
        await run_in_threadpool(close_session, session)


SessionDep = Annotated[Session, Depends(get_session)]
ReadSessionDep = Annotated[Session, Depends(get_read_session)]


def presented_key(request: Request) -> str:
    """The key from ``x-api-key`` or ``Authorization: ApiKey <key>``; 401 when absent.

    One credential per request: both headers carrying a key, or either twice, is
    a 400 rather than a silent choice. (An ``Authorization`` of another scheme
    beside ``x-api-key``, such as a proxy's, is left alone.)
    """
    keys = request.headers.getlist("x-api-key")
    authorizations = request.headers.getlist("authorization")
    api_key_authorizations = [a for a in authorizations if a.partition(" ")[0].lower() == "apikey"]
    if len(keys) + len(api_key_authorizations) > 1 or len(authorizations) > 1:
        raise BadRequest(
            "send one API key, in one header: either x-api-key or Authorization: ApiKey, "
            "not both, and not either twice"
        )
    if keys and keys[0].strip():
        return keys[0].strip()
    if authorizations:
        scheme, _, value = authorizations[0].partition(" ")
        if scheme.lower() != "apikey" or not value.strip():
            raise Unauthenticated(
                KeyStatus.MALFORMED, "the Authorization header must read 'ApiKey <key>'"
            )
        return value.strip()
    raise Unauthenticated.because(KeyStatus.MISSING)


async def get_caller(request: Request) -> Caller:
    """Authenticate the request's API key (the dependency behind ``CurrentCaller``)."""
    return await authenticate(request)


CONSOLE_CALLER = "keyhouse.console_caller"
"""ASGI scope key under which the web console hands its signed-in caller to the API.

Only an in-process call can set it (no HTTP request can write the ASGI scope);
the console checks the session and its key before it does.
"""


async def authenticate(request: Request) -> Caller:
    """The caller behind the request's API key; 401 saying why when there is none.

    The look-up uses its own connection, so the route's transaction (which may
    write) starts after it.
    """
    console_caller = request.scope.get(CONSOLE_CALLER)
    if isinstance(console_caller, Caller):
        request.state.caller = console_caller
        return console_caller
    state: AppState = request.app.state.keyhouse
    plaintext = presented_key(request)
    now = utcnow()
    check = await check_presented_key(state, plaintext, now)
    KEY_CHECKS.labels("request", check.status.value).inc()
    if check.status is not KeyStatus.VALID or check.caller is None:
        raise Unauthenticated.because(check.status)
    state.last_used.touch(check.caller.key_id, now)
    client = request.client
    caller = replace(check.caller, source_ip=client.host if client else None)
    request.state.caller = caller
    return caller


CurrentCaller = Annotated[Caller, Depends(get_caller)]


async def idempotency_key(
    value: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            description="Makes a retried create return the first response instead of "
            "creating again: the same key and body, sent with the same API key within the "
            "window, replay the first response until what it created is deleted (or, for an "
            "API key, revoked), then create anew; another body is a 409. 1 to 255 printable "
            "ASCII characters, or a 400.",
            # Documented here, checked by check_header (a 400, not FastAPI's 422).
            json_schema_extra={
                "minLength": 1,
                "maxLength": idempotency.MAX_KEY_LENGTH,
                "pattern": "^[ -~]+$",
            },
        ),
    ] = None,
) -> str | None:
    """The request's ``Idempotency-Key``, checked before the route runs."""
    return idempotency.check_header(value)


IdempotencyKey = Annotated[str | None, Depends(idempotency_key)]

# Path parameters naming a member or a holder: /<...>/{principal_kind}/{principal_name}.
PrincipalKindPath = Annotated[PrincipalKind, Path(description="user or role.")]
PrincipalNamePath = Annotated[str, Path(max_length=64, description="The user's or role's name.")]
