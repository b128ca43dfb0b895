"""What every console page shares: templates, forms, CSRF, notices and the signed-in context."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Annotated, Any
from urllib.parse import parse_qs, urlsplit

from fastapi import Depends, Request
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.concurrency import run_in_threadpool
from starlette.responses import HTMLResponse, RedirectResponse, Response

from keyhouse.console import sessions
from keyhouse.console.api import ConsoleApi
from keyhouse.core.state import AppState
from keyhouse.models import utcnow

TEMPLATES = Path(__file__).parent / "templates"
MAX_FORM_BYTES = 256 * 1024
FLASH_COOKIE = "kh_flash"
SIGNIN_COOKIE = "kh_signin"

ENDED = {
    "unknown": "Your session has ended. Sign in again.",
    "expired": "Your session reached its time limit. Sign in again.",
    "idle": "You were signed out after a while without activity. Sign in again.",
    "revoked": "The API key of your session was revoked or deleted: its session has ended.",
    "key_expired": "The API key of your session has expired: its session has ended.",
    "signed_out": "You are signed out.",
}


def when(value: Any) -> str:
    moment = _parse_time(value)
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "—"


def _ago(value: Any) -> str:
    moment = _parse_time(value)
    if moment is None:
        return "never"
    seconds = int((datetime.now(UTC) - moment).total_seconds())
    if seconds < 60:
        return "just now"
    for size, unit in ((86400, "day"), (3600, "hour"), (60, "minute")):
        if seconds >= size:
            count = seconds // size
            return f"{count} {unit}{'s' if count != 1 else ''} ago"
    return "just now"


def _iso(value: Any) -> str:
    moment = _parse_time(value)
    return moment.isoformat() if moment else ""


def _parse_time(value: Any) -> datetime | None:
    if value is None or value == "":
        return None
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return moment.astimezone(UTC)


# One environment for the process: each template is compiled once and kept
# (the templates ship with the package, so no per-render check of their files).
environment = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(["html"], default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
    auto_reload=False,
)
environment.filters["when"] = when
environment.filters["ago"] = _ago
environment.filters["iso"] = _iso


def rows(items: list[Any]) -> list[Any]:
    """A list's JSON objects as attribute records, for the rows of a page.

    Jinja reads ``row.name`` as an attribute first and as a key second: on a
    dict every field costs a failed attribute look-up, which on a page of 50
    rows was half its rendering time.
    """
    return [_record(item) for item in items]


def _record(value: Any) -> Any:
    if isinstance(value, dict):
        return SimpleNamespace(**{k: _record(v) for k, v in value.items()})
    if isinstance(value, list):
        return [_record(v) for v in value]
    return value


def state_of(request: Request) -> AppState:
    """The service's shared state."""
    state: AppState = request.app.state.keyhouse
    return state


def secure_cookie(request: Request) -> bool:
    """Cookies are ``Secure`` whenever the browser reached us over TLS (directly or via a proxy)."""
    return request.url.scheme == "https"


def _flash_key(request: Request) -> bytes:
    return state_of(request).envelope.derive("keyhouse/console-flash")


def _seal(request: Request, payload: dict[str, str]) -> str:
    body = base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")
    mac = hmac.new(_flash_key(request), body.encode(), hashlib.sha256).hexdigest()
    return f"{body}.{mac}"


def _unseal(request: Request, sealed: str) -> dict[str, str] | None:
    body, _, mac = sealed.partition(".")
    wanted = hmac.new(_flash_key(request), body.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(mac, wanted):
        return None
    try:
        payload = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    except ValueError:
        return None
    return payload if isinstance(payload, dict) else None


def redirect(request: Request, url: str, notice: str | None = None, kind: str = "ok") -> Response:
    """303 to ``url``, carrying a one-time notice for the next page (a signed cookie)."""
    response = RedirectResponse(url, status_code=303)
    if notice is not None:
        response.set_cookie(
            FLASH_COOKIE,
            _seal(request, {"text": notice, "kind": kind}),
            httponly=True,
            samesite="strict",
            secure=secure_cookie(request),
        )
    return response


def page(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    """Render ``template``; pages are never cached (some show a key or a value once)."""
    notice = None
    sealed = request.cookies.get(FLASH_COOKIE)
    if sealed:
        notice = _unseal(request, sealed)
    html = environment.get_template(template).render(request=request, notice=notice, **context)
    response = HTMLResponse(html, status_code=status)
    if sealed:
        response.delete_cookie(FLASH_COOKIE, samesite="strict", httponly=True)
    return response


class Form:
    """An ``application/x-www-form-urlencoded`` body."""

    def __init__(self, fields: dict[str, list[str]]) -> None:
        self.fields = fields

    def get(self, name: str, default: str = "") -> str:
        """The first value of ``name``, stripped of surrounding spaces."""
        values = self.fields.get(name)
        return values[0].strip() if values else default

    def raw(self, name: str) -> str:
        """The first value of ``name`` exactly as sent (secret values keep their spaces)."""
        values = self.fields.get(name)
        return values[0] if values else ""

    def getall(self, name: str) -> list[str]:
        """Every value of ``name`` (checkboxes)."""
        return [v.strip() for v in self.fields.get(name, []) if v.strip()]

    def optional(self, name: str) -> str | None:
        """The value of ``name``, or None when empty."""
        return self.get(name) or None


class Refused(Exception):
    """A request the console will not act on (bad form, CSRF); answered with a plain page."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class SignInRequired(Exception):
    """No live session: the browser is sent to the sign-in page."""

    def __init__(self, reason: str | None) -> None:
        super().__init__(reason)
        self.reason = reason


async def read_form(request: Request) -> Form:
    """The posted form; 415 for another body type, 413 past the size limit."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind != "application/x-www-form-urlencoded":
        raise Refused(415, "The console accepts only its own forms.")
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            raise Refused(413, f"The form is larger than {MAX_FORM_BYTES // 1024} KiB.")
    try:
        fields = parse_qs(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
    except UnicodeDecodeError:
        raise Refused(400, "The form is not valid UTF-8.") from None
    return Form(fields)


def check_origin(request: Request) -> None:
    """Refuse a cross-site post: its Origin (when the browser sends one) must be ours."""
    origin = request.headers.get("origin")
    if origin is None or origin == "null":
        if origin == "null":
            raise Refused(403, "This form was posted from another site and was refused.")
        return
    own = f"{request.url.scheme}://{request.url.netloc}"
    parts = urlsplit(origin)
    if f"{parts.scheme}://{parts.netloc}" != own:
        raise Refused(403, "This form was posted from another site and was refused.")


def check_csrf(form: Form, expected: str) -> None:
    """Every form carries the session's CSRF token; one without it changes nothing."""
    sent = form.get("csrf")
    if not sent or not hmac.compare_digest(sent.encode(), expected.encode()):
        raise Refused(
            403, "This form's security token is missing or out of date. Reload the page and retry."
        )


def signin_token(request: Request) -> str:
    """The pre-session CSRF token of the sign-in form (double-submitted with a cookie)."""
    return request.cookies.get(SIGNIN_COOKIE) or secrets.token_urlsafe(24)


class Console:
    """One request of a signed-in browser: who it is, its CSRF token, and the API as that key."""

    def __init__(self, request: Request, signed_in: sessions.SignedIn) -> None:
        self.request = request
        self.signed_in = signed_in
        self.caller = signed_in.caller
        self.csrf = signed_in.csrf
        self.api = ConsoleApi(request.app, signed_in.caller)

    def page(self, template: str, status: int = 200, **context: Any) -> HTMLResponse:
        """A page with the layout's context: the caller, the CSRF token, the navigation."""
        return page(self.request, template, status, me=self.caller, csrf=self.csrf, **context)

    def redirect(self, url: str, notice: str | None = None, kind: str = "ok") -> Response:
        """303 to ``url`` with a notice."""
        return redirect(self.request, url, notice, kind)

    async def form(self) -> Form:
        """The posted form, after the origin and CSRF checks."""
        check_origin(self.request)
        form = await read_form(self.request)
        check_csrf(form, self.csrf)
        return form


async def signed_in(request: Request) -> AsyncIterator[Console]:
    """The signed-in context of a console request; sign-in page otherwise."""
    token = request.cookies.get(sessions.COOKIE)
    if not token:
        raise SignInRequired(None)
    state = state_of(request)
    now = utcnow()
    outcome = await run_in_threadpool(sessions.resume, state, token, now)
    if isinstance(outcome, sessions.Ended):
        raise SignInRequired(outcome.reason)
    state.last_used.touch(outcome.caller.key_id, now)
    client = request.client
    caller = outcome.caller
    if client is not None:
        caller = replace(caller, source_ip=client.host)
    console = Console(request, sessions.SignedIn(outcome.session_id, caller, outcome.csrf))
    try:
        yield console
    finally:
        await console.api.aclose()


ConsoleDep = Annotated[Console, Depends(signed_in)]
