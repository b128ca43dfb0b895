"""Checking a presented key: for authentication, and for downstream services (``keys:verify``).

Both paths take their outcome from ``check_presented`` and their words from the one
status table (``domain.key_status``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from keyhouse.core.metrics import KEY_CHECKS
from keyhouse.core.state import AppState
from keyhouse.domain.access import project_role
from keyhouse.domain.auth import Caller, KeyCheck, check_presented
from keyhouse.domain.key_status import KEY_STATUS_TEXT, KeyStatus
from keyhouse.models import Project, utcnow
from keyhouse.schemas.auth import VerifyRequest, VerifyResponse
from keyhouse.schemas.common import PrincipalRef


async def check_presented_key(state: AppState, plaintext: str, now: datetime) -> KeyCheck:
    """Check a key without stalling the event loop on a database round trip.

    An SQLite look-up is a few microseconds of local work, cheaper done in place
    than handed to a worker thread and back; a PostgreSQL one waits on the
    network, so it runs on a worker thread while the loop serves others.
    """
    key = state.digester.present(plaintext)
    if key is None:
        return KeyCheck(KeyStatus.MALFORMED)
    lookup = state.key_lookup
    # Only a cached row whose digest matches is answered in place: a wrong
    # secret for a cached key takes the unknown key's path, thread hop included.
    if lookup.local or lookup.cached(key) is not None:
        return check_presented(lookup, key, now)
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(state.lookup_executor, check_presented, lookup, key, now)


def may_use_on(state: AppState, caller: Caller, project: str) -> bool:
    """Whether the key may be used on ``project``: its owner collaborates, no other restriction."""
    with state.read_sessions() as session:
        project_id = session.scalar(select(Project.id).where(Project.name == project))
        if project_id is None:
            return False
        if caller.project_id is not None and caller.project_id != project_id:
            return False
        return caller.is_admin or project_role(session, caller, project_id) is not None


def _scopes_held(caller: Caller, required: Sequence[str]) -> bool:
    return set(required) <= caller.scopes


async def verify(state: AppState, body: VerifyRequest) -> VerifyResponse:
    """The answer of ``keys:verify``: valid, or the first reason it is not.

    Writes nothing per call (``last_used_at`` of a valid key is batched).
    """
    now = utcnow()
    check = await check_presented_key(state, body.key, now)
    caller = check.caller
    if caller is None:
        KEY_CHECKS.labels("verify", check.status.value).inc()
        return VerifyResponse(valid=False, reason=KEY_STATUS_TEXT[check.status].reason)
    status = check.status
    if status is KeyStatus.VALID and not _scopes_held(caller, body.scopes):
        status = KeyStatus.MISSING_SCOPE
    if status is KeyStatus.VALID and body.project is not None:
        usable = await run_in_threadpool(may_use_on, state, caller, body.project)
        status = KeyStatus.VALID if usable else KeyStatus.NOT_A_COLLABORATOR
    if status is KeyStatus.VALID:
        state.last_used.touch(caller.key_id, now)
    KEY_CHECKS.labels("verify", status.value).inc()
    return VerifyResponse(
        valid=status is KeyStatus.VALID,
        reason=None if status is KeyStatus.VALID else KEY_STATUS_TEXT[status].reason,
        key_id=caller.key_id,
        principal=PrincipalRef(kind=caller.principal_kind, name=caller.principal_name),
        scopes=sorted(caller.scopes),
        project=caller.project_name,
        expires_at=caller.expires_at,
        replaced_by=caller.replaced_by,
    )
