"""``/healthz`` (alive) and ``/readyz`` (able to serve): for load balancers and orchestrators.

Neither needs a key. ``/healthz`` does no I/O at all: a process that answers
it is alive, whatever its database does. ``/readyz`` asks the database.
"""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from keyhouse.api.deps import StateDep
from keyhouse.api.errors import problem_response
from keyhouse.api.json_body import StrictJSONRoute
from keyhouse.core.db import applied_revisions, migration_heads
from keyhouse.core.problems import problem_responses
from keyhouse.core.state import AppState
from keyhouse.core.storage import RETRY_AFTER_SECONDS, classify

router = APIRouter(route_class=StrictJSONRoute, tags=["health"])

Check = Literal["ok", "failing", "not used"]


class Health(BaseModel):
    """The service is up."""

    status: str


class Readiness(BaseModel):
    """Each check of ``/readyz``: ``ok``, ``failing`` or ``not used``."""

    status: Literal["ready", "not ready"]
    database: Check = Field(description="The database answers a query.")
    migrations: Check = Field(description="The schema is at the service's latest migration.")
    key_listener: Check = Field(
        description="PostgreSQL: the key cache's LISTEN connection is up (not used on SQLite "
        "or with the cache off)."
    )
    detail: str | None = None


@router.get("/healthz", response_model=Health)
async def healthz() -> Health:
    """Answer ``{"status": "ok"}`` while the process serves requests."""
    return Health(status="ok")


def _readiness(state: AppState) -> Readiness:
    cache = state.key_lookup.cache
    listener: Check = "not used" if cache is None else ("ok" if cache.active else "failing")
    try:
        applied = applied_revisions(state.read_engine)
    except Exception as exc:
        fault = classify(exc)
        cause = fault.cause if fault is not None else type(exc).__name__
        return Readiness(
            status="not ready",
            database="failing",
            migrations="failing",
            key_listener=listener,
            detail=f"the database does not answer: {cause}",
        )
    migrations: Check = "ok" if applied == migration_heads() else "failing"
    ready = migrations == "ok" and listener != "failing"
    detail = None
    if migrations == "failing":
        detail = "the database schema is not at this version's migrations: run `keyhouse server`"
    elif listener == "failing":
        detail = "the key cache's LISTEN connection to PostgreSQL is down"
    return Readiness(
        status="ready" if ready else "not ready",
        database="ok",
        migrations=migrations,
        key_listener=listener,
        detail=detail,
    )


@router.get("/readyz", response_model=Readiness, responses=problem_responses(503))
async def readyz(request: Request, state: StateDep) -> Readiness | JSONResponse:
    """Ready to serve: the database answers, its schema is current, the key listener is up.

    503 (a problem detail listing the same checks) otherwise, so a load balancer
    takes this replica out until it is back.
    """
    readiness = await run_in_threadpool(_readiness, state)
    if readiness.status == "ready":
        state.storage.ok()
        return readiness
    checks = readiness.model_dump(exclude={"status", "detail"})
    return problem_response(
        request,
        503,
        "not-ready",
        "Not ready",
        readiness.detail or "not ready",
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        checks=checks,
    )
