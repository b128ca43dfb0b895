"""``/healthz``: liveness, with no authentication and no database work."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from keyhouse.api.json_body import StrictJSONRoute

router = APIRouter(route_class=StrictJSONRoute, tags=["health"])


class Health(BaseModel):
    """The service is up."""

    status: str


@router.get("/healthz", response_model=Health)
async def healthz() -> Health:
    """Answer ``{"status": "ok"}`` while the process serves requests."""
    return Health(status="ok")
