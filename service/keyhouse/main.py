"""The FastAPI application."""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from keyhouse import __version__, console
from keyhouse.api import errors, published_rules
from keyhouse.api.request_size import RequestSizeLimit
from keyhouse.api.routes import (
    api_keys,
    audit,
    auth,
    health,
    iam_policies,
    iam_tools,
    projects,
    prometheus,
    roles,
    scopes,
    secrets,
    settings,
    users,
)
from keyhouse.core import metrics
from keyhouse.core.config import Settings, get_settings
from keyhouse.core.problems import PROBLEM_MEDIA_TYPE
from keyhouse.core.state import AppState
from keyhouse.schemas.auth import VerifyRequest

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
_request_log = logging.getLogger("keyhouse.request")


class RequestIdMiddleware:
    """Gives every request an id (the caller's ``x-request-id`` if sane) and echoes it back.

    It also measures the request for ``/metrics`` and, when ``log_requests``,
    writes its one log line (see core/logs.py for the fields).
    """

    def __init__(self, app: ASGIApp, log_requests: bool = True) -> None:
        self.app = app
        self.log_requests = log_requests

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        request_id = None
        for name, value in scope["headers"]:
            if name == b"x-request-id":
                candidate = value.decode("latin-1")
                request_id = candidate if _REQUEST_ID.match(candidate) else None
                break
        request_id = request_id or uuid.uuid4().hex
        state = scope.setdefault("state", {})
        state["request_id"] = request_id
        encoded = request_id.encode()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                message["headers"] = [*message.get("headers", []), (b"x-request-id", encoded)]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - started
            # path_format is the template without convertors ({secret_id}, not
            # {secret_id:secret_id}): the label a dashboard expects.
            route = getattr(scope.get("route"), "path_format", None) or metrics.UNMATCHED_ROUTE
            method = scope["method"]
            metrics.REQUESTS.labels(route, method, str(status)).inc()
            metrics.LATENCY.labels(route, method).observe(elapsed)
            if self.log_requests:
                caller = state.get("caller")
                _request_log.info(
                    "%s %s %d",
                    method,
                    route,
                    status,
                    extra={
                        "request_id": request_id,
                        "method": method,
                        "route": route,
                        "status": status,
                        "duration_ms": round(elapsed * 1000, 2),
                        "principal": caller.principal_ref if caller is not None else None,
                        "key_id": caller.key_id if caller is not None else None,
                    },
                )


def operation_id(route: APIRoute) -> str:
    """``<tag>-<name>``: stable, readable operation ids for the client generator."""
    return f"{route.tags[0]}-{route.name.rstrip('_')}"


SECURITY_SCHEMES = {
    "ApiKeyHeader": {"type": "apiKey", "in": "header", "name": "x-api-key"},
    "ApiKeyAuthorization": {
        "type": "apiKey",
        "in": "header",
        "name": "Authorization",
        "description": "The key after the word ApiKey: `Authorization: ApiKey <key>`.",
    },
}


TWO_CREDENTIALS = (
    "Bad request: two credentials in one request (x-api-key and Authorization: ApiKey, "
    "or either header twice)"
)
BODY_PROBLEMS = {
    "413": "The body exceeds the service's size limit (KEYHOUSE_MAX_BODY_BYTES)",
    "415": "The body is not application/json",
    "422": "Invalid request: `errors` names each invalid field",
}


def _finish_document(schema: dict[str, Any]) -> dict[str, Any]:
    """Document errors as ``application/problem+json`` and which operations need a key."""
    schema.setdefault("components", {})["securitySchemes"] = SECURITY_SCHEMES
    for path_item in schema.get("paths", {}).values():
        for operation in path_item.values():
            if "requestBody" in operation:
                # Every body is read strictly (api/json_body.py) within the size limit.
                responses = operation.setdefault("responses", {})
                for status, description in BODY_PROBLEMS.items():
                    responses.setdefault(status, {"description": description})
            if "401" in operation.get("responses", {}):
                operation["security"] = [{"ApiKeyHeader": []}, {"ApiKeyAuthorization": []}]
                # api/deps.presented_key: one credential per request.
                operation["responses"].setdefault("400", {"description": TWO_CREDENTIALS})
            for status, response in operation.get("responses", {}).items():
                if not status.startswith(("4", "5")):
                    continue
                response["content"] = {
                    PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}
                }
    components = schema.get("components", {}).get("schemas", {})
    # keys:verify parses its own body (see routes/auth.py); publish the schema it documents.
    verify_request = VerifyRequest.model_json_schema(ref_template="#/components/schemas/{model}")
    for prop in verify_request["properties"].values():
        # FastAPI leaves out "default": null from the schemas it writes; so does this one.
        if "default" in prop and prop["default"] is None:
            del prop["default"]
    components["VerifyRequest"] = verify_request
    for unused in ("HTTPValidationError", "ValidationError"):
        components.pop(unused, None)
    published_rules.publish(schema)
    return schema


def create_app(config: Settings | None = None, *, log_requests: bool = True) -> FastAPI:
    """Build the application; the database and master key open when it starts.

    ``log_requests`` writes one log line per request (``keyhouse.request``).
    """
    config = config or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        state = AppState.from_settings(config)
        app.state.keyhouse = state
        state.start()
        try:
            yield
        finally:
            state.close()

    app = FastAPI(
        title="Keyhouse",
        version=__version__,
        description="API keys, secrets, projects and access policies as code.",
        lifespan=lifespan,
        generate_unique_id_function=operation_id,
    )
    errors.install(app)
    # Inside the request id middleware: its 413 carries the id.
    app.add_middleware(RequestSizeLimit, max_bytes=config.max_body_bytes)
    # Outermost, so that every answer (a 500 from errors.UnhandledErrors too) carries the id.
    app.add_middleware(RequestIdMiddleware, log_requests=log_requests)
    for module in (
        health,
        auth,
        api_keys,
        secrets,
        projects,
        users,
        roles,
        iam_policies,
        iam_tools,
        settings,
        scopes,
        audit,
        prometheus,
    ):
        app.include_router(module.router)
    console.install(app)

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = _finish_document(
                get_openapi(
                    title=app.title,
                    version=app.version,
                    description=app.description,
                    routes=app.routes,
                )
            )
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app
