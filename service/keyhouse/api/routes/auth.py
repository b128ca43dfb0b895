"""``whoami`` (test a key) and ``keys:verify`` (for downstream services)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from keyhouse.api.deps import authenticate, check_presented_key
from keyhouse.api.docs import IDEMPOTENT
from keyhouse.core.problems import problem_responses
from keyhouse.core.state import AppState
from keyhouse.domain.access import project_role
from keyhouse.domain.auth import Caller, KeyStatus
from keyhouse.models import Project, utcnow
from keyhouse.schemas.auth import VerifyRequest, VerifyResponse, Whoami, WhoamiKey
from keyhouse.schemas.common import PrincipalRef

router = APIRouter(prefix="/api/v1", tags=["keys"])


@router.get("/whoami", response_model=Whoami, responses=problem_responses(401))
async def whoami(request: Request) -> Response:
    """Who the calling key belongs to: the "test this key" call. Needs no scope."""
    # The hot path: authenticated without the dependency machinery (see verify).
    caller = await authenticate(request)
    return _json(
        Whoami(
            principal=PrincipalRef(kind=caller.principal_kind, name=caller.principal_name),
            is_admin=caller.is_admin,
            key=WhoamiKey(
                id=caller.key_id,
                name=caller.key_name,
                prefix=caller.key_prefix,
                scopes=sorted(caller.scopes),
                project=caller.project_name,
                expires_at=caller.expires_at,
                replaced_by=caller.replaced_by,
            ),
        )
    )


def _collaborates(state: AppState, caller: Caller, project: str) -> bool:
    """Whether the key may be used on ``project``: its owner collaborates, no other restriction."""
    with state.read_sessions() as session:
        project_id = session.scalar(select(Project.id).where(Project.name == project))
        if project_id is None:
            return False
        if caller.project_id is not None and caller.project_id != project_id:
            return False
        return caller.is_admin or project_role(session, caller, project_id) is not None


@router.post(
    "/keys:verify",
    response_model=VerifyResponse,
    responses=problem_responses(422),
    openapi_extra={
        **IDEMPOTENT,
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/VerifyRequest"}}
            },
        },
    },
)
async def verify(request: Request) -> Response:
    """Check a key for a downstream service: valid or not, and why.

    Needs no API key of its own: the answer only describes the key presented,
    which its holder already has. Never writes to the database per call.
    """
    # The hot path: the body parsed and the answer serialized here, skipping
    # FastAPI's dependency solving and response re-validation (the request
    # schema is documented by openapi_extra and published by main.py).
    try:
        body = VerifyRequest.model_validate_json(await request.body())
    except ValidationError as exc:
        raise RequestValidationError(
            [{**error, "loc": ("body", *error["loc"])} for error in exc.errors(include_input=False)]
        ) from None
    state: AppState = request.app.state.keyhouse
    return _json(await _verify(state, body))


def _json(model: BaseModel) -> Response:
    return Response(content=model.model_dump_json(), media_type="application/json")


async def _verify(state: AppState, body: VerifyRequest) -> VerifyResponse:
    now = utcnow()
    check = await check_presented_key(state, body.key, now)
    caller = check.caller
    if caller is None:
        return VerifyResponse(valid=False, reason=check.status.value, key_id=None)
    status = check.status
    if status is KeyStatus.VALID and not set(body.scopes) <= caller.scopes:
        status = KeyStatus.MISSING_SCOPE
    if status is KeyStatus.VALID and body.project is not None:
        collaborates = await run_in_threadpool(_collaborates, state, caller, body.project)
        if not collaborates:
            status = KeyStatus.NOT_A_COLLABORATOR
    if status is KeyStatus.VALID:
        state.last_used.touch(caller.key_id, now)
    return VerifyResponse(
        valid=status is KeyStatus.VALID,
        reason=None if status is KeyStatus.VALID else status.value,
        key_id=caller.key_id,
        principal=PrincipalRef(kind=caller.principal_kind, name=caller.principal_name),
        scopes=sorted(caller.scopes),
        project=caller.project_name,
        expires_at=caller.expires_at,
        replaced_by=caller.replaced_by,
    )
