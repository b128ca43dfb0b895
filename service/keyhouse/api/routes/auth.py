"""``whoami`` (test a key) and ``keys:verify`` (for downstream services)."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import select

from keyhouse.api.deps import CurrentCaller, ReadSessionDep, StateDep
from keyhouse.core.problems import problem_responses
from keyhouse.domain.access import project_role
from keyhouse.domain.auth import KeyStatus, check_key
from keyhouse.models import Project, utcnow
from keyhouse.schemas.auth import VerifyRequest, VerifyResponse, Whoami, WhoamiKey
from keyhouse.schemas.common import PrincipalRef

router = APIRouter(prefix="/api/v1", tags=["keys"])


@router.get("/whoami", response_model=Whoami, responses=problem_responses(401))
def whoami(caller: CurrentCaller) -> Whoami:
    """Who the calling key belongs to: the "test this key" call. Needs no scope."""
    return Whoami(
        principal=PrincipalRef(kind=caller.principal_kind, name=caller.principal_name),
        is_admin=caller.is_admin,
        key=WhoamiKey(
            id=caller.key_id,
            name=caller.key_name,
            prefix=caller.key_prefix,
            scopes=sorted(caller.scopes),
            project=caller.project_name,
            expires_at=caller.expires_at,
        ),
    )


@router.post("/keys:verify", response_model=VerifyResponse, responses=problem_responses(422))
def verify(body: VerifyRequest, session: ReadSessionDep, state: StateDep) -> VerifyResponse:
    """Check a key for a downstream service: valid or not, and why.

    Needs no API key of its own: the answer only describes the key presented,
    which its holder already has. Never writes to the database per call.
    """
    now = utcnow()
    check = check_key(session, state.digester, body.key, now)
    caller = check.caller
    if caller is None:
        return VerifyResponse(valid=False, reason=check.status.value, key_id=None)
    status = check.status
    if status is KeyStatus.VALID and not set(body.scopes) <= caller.scopes:
        status = KeyStatus.MISSING_SCOPE
    if status is KeyStatus.VALID and body.project is not None:
        project_id = session.scalar(select(Project.id).where(Project.name == body.project))
        restricted_elsewhere = caller.project_id is not None and caller.project_id != project_id
        if (
            project_id is None
            or restricted_elsewhere
            or (not caller.is_admin and project_role(session, caller, project_id) is None)
        ):
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
    )
