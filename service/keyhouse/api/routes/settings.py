"""``/api/v1/settings``: the admin's key lifetime policy."""

from __future__ import annotations

from fastapi import APIRouter

from keyhouse.api.deps import CurrentCaller, ReadSessionDep, SessionDep
from keyhouse.api.docs import IDEMPOTENT
from keyhouse.api.json_body import StrictJSONRoute
from keyhouse.core.problems import Unprocessable, problem_responses
from keyhouse.domain import audit
from keyhouse.domain.access import authorize
from keyhouse.domain.lifetime import current_settings
from keyhouse.models import ServiceSettings, utcnow
from keyhouse.schemas.settings import SettingsPublic, SettingsUpdate

router = APIRouter(
    route_class=StrictJSONRoute,
    prefix="/api/v1/settings",
    tags=["settings"],
    responses=problem_responses(401),
)


def _public(row: ServiceSettings) -> SettingsPublic:
    return SettingsPublic(
        default_key_lifetime_days=row.default_key_lifetime_days,
        max_key_lifetime_days=row.max_key_lifetime_days,
        updated_at=row.updated_at,
    )


@router.get("", response_model=SettingsPublic)
def get(caller: CurrentCaller, session: ReadSessionDep) -> SettingsPublic:
    """The key lifetime policy; readable with any valid key (plans check against it)."""
    return _public(current_settings(session))


@router.patch(
    "",
    response_model=SettingsPublic,
    responses=problem_responses(403, 422),
    openapi_extra=IDEMPOTENT,
)
def update(body: SettingsUpdate, caller: CurrentCaller, session: SessionDep) -> SettingsPublic:
    """Change the default and maximum key lifetime (admins). Existing keys keep their expiry."""
    authorize(session, caller, "settings:UpdateSettings", "khrn:settings")
    # Locked: a change of one field keeps the other as committed by a concurrent change.
    row = current_settings(session, for_update=True)
    default = body.default_key_lifetime_days or row.default_key_lifetime_days
    maximum = body.max_key_lifetime_days or row.max_key_lifetime_days
    if default > maximum:
        pointer = (
            "/body/default_key_lifetime_days"
            if body.default_key_lifetime_days is not None
            else "/body/max_key_lifetime_days"
        )
        raise Unprocessable(
            pointer,
            f"default_key_lifetime_days ({default}) may not exceed "
            f"max_key_lifetime_days ({maximum})",
        )
    row.default_key_lifetime_days = default
    row.max_key_lifetime_days = maximum
    row.updated_at = utcnow()
    audit.record(session, caller, "settings:UpdateSettings", "khrn:settings")
    session.commit()
    return _public(row)
