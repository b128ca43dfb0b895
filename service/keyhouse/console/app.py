"""Mounting the console on the service: its pages at ``/``, its files at ``/console/static``."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from fastapi import FastAPI, Request
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from keyhouse.console import sessions
from keyhouse.console.pages import (
    access,
    admin,
    auth,
    key_roll,
    keys,
    projects,
    secrets,
    test_key,
)
from keyhouse.console.web import ENDED, Refused, SignInRequired, page, redirect

STATIC = Path(__file__).parent / "static"

# Pages load only the service's own script and style sheet: no inline script or
# style, no other origin, no framing, forms post only back here.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
HEADERS = [
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (b"cross-origin-opener-policy", b"same-origin"),
]
NO_STORE = (b"cache-control", b"no-store")

ROUTERS = (auth, keys, key_roll, test_key, secrets, projects, access, admin)
PREFIXES = (
    *("/console/", "/sign-in", "/sign-out", "/keys", "/test-key", "/secrets"),
    *("/projects", "/access", "/admin"),
)


def is_console_path(path: str) -> bool:
    """Whether ``path`` is the console's (everything else is the API's)."""
    return path == "/" or path.startswith(PREFIXES)


class ConsoleHeaders:
    """Security headers on every console response; pages are never stored by caches."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not is_console_path(scope["path"]):
            await self.app(scope, receive, send)
            return
        static = scope["path"].startswith("/console/static/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                extra = HEADERS if static else [*HEADERS, NO_STORE]
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, send_with_headers)


async def _sign_in_required(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, SignInRequired)
    target = request.url.path
    if request.url.query and request.method == "GET":
        target += "?" + request.url.query
    url = "/sign-in" if target in ("/", "/sign-in") else f"/sign-in?next={quote(target)}"
    notice = ENDED.get(exc.reason or "")
    response = redirect(request, url, notice, "warn")
    if exc.reason is not None:
        response.delete_cookie(sessions.COOKIE, httponly=True, samesite="strict")
    return response


async def _refused(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, Refused)
    return page(request, "refused.html", exc.status, message=exc.message)


def install(app: FastAPI) -> None:
    """Add the console to ``app``: pages, static files, headers, sign-in redirects."""
    for module in ROUTERS:
        app.include_router(module.router, include_in_schema=False, tags=["console"])
    app.mount("/console/static", StaticFiles(directory=STATIC), name="console-static")
    app.add_exception_handler(SignInRequired, _sign_in_required)
    app.add_exception_handler(Refused, _refused)
    app.add_middleware(ConsoleHeaders)
