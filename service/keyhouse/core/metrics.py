"""Prometheus metrics (``GET /metrics``), on a registry of the service's own.

Labels only ever take values from closed sets or route templates: a route
label is ``/api/v1/secrets/{secret_id}/value``, never a path with an id or a
name in it, and nothing a caller sends (a key, a value, a query) becomes a label.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram

REGISTRY = CollectorRegistry(auto_describe=True)

REQUESTS = Counter(
    "keyhouse_http_requests",
    "HTTP requests answered, by route template, method and status.",
    ["route", "method", "status"],
    registry=REGISTRY,
)
LATENCY = Histogram(
    "keyhouse_http_request_duration_seconds",
    "Time from a request's arrival to the end of its answer, by route template and method.",
    ["route", "method"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
    registry=REGISTRY,
)
KEY_CHECKS = Counter(
    "keyhouse_key_checks",
    "API keys checked, by where (request: authentication; verify: keys:verify) and outcome "
    "(valid, malformed, not_found, revoked, expired, missing_scope, not_a_collaborator).",
    ["source", "outcome"],
    registry=REGISTRY,
)
KEY_CACHE = Counter(
    "keyhouse_key_cache_lookups",
    "PostgreSQL key cache look-ups, by result (hit, miss).",
    ["result"],
    registry=REGISTRY,
)
IDEMPOTENT_REPLAYS = Counter(
    "keyhouse_idempotent_replays",
    "Creates answered with the first response of their Idempotency-Key.",
    registry=REGISTRY,
)
STORAGE_ERRORS = Counter(
    "keyhouse_storage_errors",
    "Requests and background writes refused by a storage fault, by the status answered "
    "(503, 507) and its cause.",
    ["status", "cause"],
    registry=REGISTRY,
)

UNMATCHED_ROUTE = "(unmatched)"
