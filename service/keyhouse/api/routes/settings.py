"""``/api/v1/settings``: the admin's key lifetime policy."""

from __future__ import annotations

from fastapi import APIRouter

from keyhouse.api.deps import CurrentCaller, ReadSessionDep, SessionDep
from keyhouse.api.docs import IDEMPOTENT
from keyhouse.api.json_body import StrictJSONRoute
from keyhouse.core.problems import problem_responses
from keyhouse.domain import audit
from keyhouse.domain.access import authorize
from keyhouse.domain.lifetime import current_settings, settings_public, update_settings
from keyhouse.schemas.settings import SettingsPublic, SettingsUpdate

router = APIRouter(
    route_class=StrictJSONRoute,
    prefix="/api/v1/settings",
    tags=["settings"],
    responses=problem_responses(401),
)


@router.get("", response_model=SettingsPublic)
def get(caller: CurrentCaller, session: ReadSessionDep) -> SettingsPublic:
    """The key lifetime policy; readable with any valid key (plans check against it)."""
    return settings_public(current_settings(session))


@router.patch(
    "",
    response_model=SettingsPublic,
    responses=problem_responses(403, 409, 422),
    openapi_extra=IDEMPOTENT,
)
def update(body: SettingsUpdate, caller: CurrentCaller, session: SessionDep) -> SettingsPublic:
    """Change the default and maximum key lifetime (admins). Existing keys keep their expiry.

    The default may not exceed the maximum, whichever of the two the request changes: a 409
    naming the field, as the settings would then contradict themselves.
    """
    authorize(session, caller, "settings:UpdateSettings", "khrn:settings")
    # Locked: a change of one field keeps the other as committed by a concurrent change.
    row = current_settings(session, for_update=True)
    update_settings(row, body)
    audit.record(session, caller, "settings:UpdateSettings", "khrn:settings")
    session.commit()
    return settings_public(row)
