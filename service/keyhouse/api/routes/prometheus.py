"""``GET /metrics``: the Prometheus exposition of core/metrics.py (no key needed)."""

from __future__ import annotations

from fastapi import APIRouter, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from keyhouse.core.metrics import REGISTRY

# Not in the OpenAPI document: a text exposition for scrapers, not an API for the client.
router = APIRouter(tags=["metrics"], include_in_schema=False)


@router.get("/metrics")
async def metrics() -> Response:
    """Every metric, in the Prometheus text format."""
    return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)
