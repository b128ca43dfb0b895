"""OpenAPI extensions the routes declare for the client generator."""

from __future__ import annotations

from typing import Any

IDEMPOTENT: dict[str, Any] = {"x-idempotent": True}
"""Marks an operation that is safe to repeat after a lost response.

Repeating it leaves the service as one call would: a PATCH sets fields, a revoke
stays revoked, a verify reads, a DELETE finds nothing more to delete (and
answers 404). The generated client retries such operations, reads and creates
(whose Idempotency-Key makes them safe); nothing else. ``PUT .../value`` is
left out on purpose: each call is a new version.
"""
