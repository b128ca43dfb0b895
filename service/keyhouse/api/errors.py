"""Exception handlers: every error leaves as an RFC 9457 problem detail.

Validation errors never echo the rejected input: it may be a secret value.
"""

from __future__ import annotations

import logging
import sqlite3
from typing import Any

import psycopg
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy import exc as sa_exc
from sqlalchemy.exc import IntegrityError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from keyhouse.core.crypto import DecryptionError
from keyhouse.core.problems import PROBLEM_MEDIA_TYPE, ProblemError
from keyhouse.core.state import AppState
from keyhouse.core.storage import RETRY_AFTER_SECONDS, classify
from keyhouse.domain import audit

log = logging.getLogger("keyhouse")

_HTTP_TITLES = {
    404: ("not-found", "Not found"),
    405: ("method-not-allowed", "Method not allowed"),
    400: ("bad-request", "Bad request"),
    413: ("content-too-large", "Request body too large"),
}


def _request_id(request: Request) -> str | None:
    value = request.scope.get("state", {}).get("request_id")
    return value if isinstance(value, str) else None


def problem_response(
    request: Request,
    status: int,
    slug: str,
    title: str,
    detail: str,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    """A problem detail response for ``request``."""
    body = {
        "type": f"urn:keyhouse:problem:{slug}",
        "title": title,
        "status": status,
        "detail": detail,
        "instance": request.url.path,
        "request_id": _request_id(request),
        **extra,
    }
    return JSONResponse(body, status_code=status, headers=headers, media_type=PROBLEM_MEDIA_TYPE)


def _pointer(location: tuple[Any, ...]) -> str:
    return "/" + "/".join(str(part) for part in location)


def _record_denial(request: Request, exc: ProblemError) -> None:
    caller = getattr(request.state, "caller", None)
    if exc.audit is None or caller is None:
        return
    state: AppState = request.app.state.keyhouse
    action, target = exc.audit
    try:
        with state.sessions() as session, session.begin():
            audit.record(session, caller, action, target, outcome="denied")
    except Exception as exc:  # the refusal is still answered if the audit write fails
        fault = classify(exc)
        if fault is None:
            log.exception("could not record a denied %s in the audit log", action)
        else:
            state.storage.fault(fault, exc)


async def _problem(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ProblemError)
    if exc.audit is not None:
        await run_in_threadpool(_record_denial, request, exc)
    return problem_response(
        request, exc.status, exc.slug, exc.title, exc.detail, headers=exc.headers, **exc.extra
    )


async def _validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = []
    for error in exc.errors():
        location = tuple(error.get("loc", ()))
        message = str(error.get("msg", "invalid"))
        if message.startswith("Value error, "):
            message = message.removeprefix("Value error, ")
        errors.append({"pointer": _pointer(location), "detail": message})
    summary = "; ".join(f"{e['pointer']}: {e['detail']}" for e in errors[:5])
    return problem_response(request, 422, "validation", "Invalid request", summary, errors=errors)


async def _http(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    return problem_for_http_error(request, exc)


def problem_for_http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    """The problem detail for a routing or protocol error (404, 405, 413...)."""
    slug, title = _HTTP_TITLES.get(exc.status_code, ("http-error", "HTTP error"))
    headers = getattr(exc, "headers", None)
    detail = str(exc.detail)
    if exc.status_code == 404:
        detail = f"no route {request.method} {request.url.path}"
    elif exc.status_code == 405:
        allowed = _allowed_methods(request)
        headers = {**(headers or {}), "Allow": ", ".join(allowed)}
        detail = f"{request.method} is not allowed on {request.url.path}; use {', '.join(allowed)}"
    return problem_response(request, exc.status_code, slug, title, detail, headers=headers)


def _allowed_methods(request: Request) -> list[str]:
    # The router stops at the first route whose path matches; a path can have several.
    scope = {**request.scope, "method": "GET"}
    methods: set[str] = set()
    pending = list(request.app.routes)
    while pending:
        route = pending.pop()
        included = getattr(route, "original_router", None)  # an included APIRouter
        if included is not None:
            pending.extend(included.routes)
            continue
        route_methods = getattr(route, "methods", None)
        if route_methods and route.matches(scope)[0] is not Match.NONE:
            methods |= set(route_methods)
    methods.discard("HEAD")
    return sorted(methods)


async def _integrity(request: Request, exc: Exception) -> JSONResponse:
    # A concurrent request won a uniqueness race; the database refused ours.
    return problem_response(
        request,
        409,
        "conflict",
        "Conflict",
        "the request conflicts with a change made at the same time; read and retry",
    )


async def _decryption(request: Request, exc: Exception) -> JSONResponse:
    log.error("a stored ciphertext did not authenticate (request %s)", _request_id(request))
    return problem_response(
        request,
        500,
        "decryption-failed",
        "Stored value cannot be decrypted",
        "the stored value does not authenticate under this service's master key",
    )


def _internal_error(request: Request, exc: BaseException) -> JSONResponse:
    """The 500 for a bug: logged once with its traceback; the connection is closed after it."""
    log.error(
        "unhandled %s in %s %s (request %s)",
        type(exc).__name__,
        request.method,
        request.url.path,
        _request_id(request),
        exc_info=exc,
    )
    return problem_response(
        request,
        500,
        "internal",
        "Internal error",
        "the service failed to handle this request; the request id identifies it in the logs",
        # Whatever failed may have left the request half read: start afresh.
        headers={"Connection": "close"},
    )


async def _storage(request: Request, exc: Exception) -> JSONResponse:
    fault = classify(exc)
    if fault is None:
        return _internal_error(request, exc)
    state: AppState = request.app.state.keyhouse
    state.storage.fault(fault, exc)
    if fault.status == 507:
        slug, title, advice = "storage-full", "Insufficient storage", "free space on its disk"
    else:
        slug, title, advice = "storage-unavailable", "Storage unavailable", "retry in a moment"
    return problem_response(
        request,
        fault.status,
        slug,
        title,
        f"the service's storage cannot serve this request now ({fault.cause}); {advice}",
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        storage=fault.cause,
    )


async def _client_disconnect(request: Request, exc: Exception) -> JSONResponse:
    # Nobody is left to read the answer; one quiet line, no traceback.
    log.info(
        "client went away before sending the whole request: %s %s (request %s)",
        request.method,
        request.url.path,
        _request_id(request),
    )
    return problem_response(
        request, 400, "bad-request", "Bad request", "the request body was not received in full"
    )


class UnhandledErrors:
    """Answers a bug with a 500 problem, without re-raising it.

    Starlette's own catch-all (``ServerErrorMiddleware``) answers and then
    re-raises, which makes uvicorn drop the keep-alive connection unannounced:
    the client's next request on it got no answer. Here the 500 says
    ``Connection: close``, and the exception ends with its one log line.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False
        status = 0

        async def watch(message: Message) -> None:
            nonlocal started, status
            if message["type"] == "http.response.start":
                started, status = True, int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except Exception as exc:
            request = Request(scope, receive)
            response = _internal_error(request, exc)
            if not started:  # otherwise the server closes the half-sent response
                await response(scope, receive, send)
            return
        state = getattr(scope.get("app"), "state", None)
        keyhouse = getattr(state, "keyhouse", None) if state is not None else None
        if keyhouse is not None and status < 500 and scope.get("path") != "/healthz":
            keyhouse.storage.ok()


def install(app: FastAPI) -> None:
    """Register the problem-details handlers on ``app``.

    None of them is registered for ``Exception``: see ``UnhandledErrors``.
    """
    app.add_exception_handler(ProblemError, _problem)
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(StarletteHTTPException, _http)
    app.add_exception_handler(IntegrityError, _integrity)
    app.add_exception_handler(DecryptionError, _decryption)
    app.add_exception_handler(ClientDisconnect, _client_disconnect)
    for storage_error in (
        sa_exc.DBAPIError,
        sa_exc.TimeoutError,
        sa_exc.DisconnectionError,
        sqlite3.Error,
        psycopg.Error,
    ):
        app.add_exception_handler(storage_error, _storage)
    app.add_middleware(UnhandledErrors)
