"""OpenAPI extensions the routes declare for the client generator."""

from __future__ import annotations

from typing import Any

IDEMPOTENT: dict[str, Any] = {"x-idempotent": True}
"""Marks an operation that is safe to repeat although its method is POST or PATCH.

Repeating it leaves the service as one call would (a PATCH sets fields, a revoke
stays revoked, a verify reads), so the generated client retries it after a
lost response. Creates need no mark: their Idempotency-Key makes them safe.
"""
