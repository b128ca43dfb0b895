"""``whoami`` (test a key) and ``keys:verify`` (for downstream services)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError

from keyhouse.api.deps import authenticate
from keyhouse.api.docs import IDEMPOTENT
from keyhouse.api.json_body import StrictJSONRoute, read_json
from keyhouse.core.problems import problem_responses
from keyhouse.core.state import AppState
from keyhouse.domain import verification
from keyhouse.schemas.auth import VerifyRequest, VerifyResponse, Whoami, WhoamiKey
from keyhouse.schemas.common import PrincipalRef

router = APIRouter(route_class=StrictJSONRoute, prefix="/api/v1", tags=["keys"])


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
        body = VerifyRequest.model_validate(await read_json(request))
    except ValidationError as exc:
        raise RequestValidationError(
            [{**error, "loc": ("body", *error["loc"])} for error in exc.errors(include_input=False)]
        ) from None
    state: AppState = request.app.state.keyhouse
    return _json(await verification.verify(state, body))


def _json(model: BaseModel) -> Response:
    return Response(content=model.model_dump_json(), media_type="application/json")
