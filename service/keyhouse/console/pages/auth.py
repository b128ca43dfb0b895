"""Signing in with an API key, and out."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from keyhouse.console import sessions
from keyhouse.console.web import (
    SIGNIN_COOKIE,
    ConsoleDep,
    check_origin,
    page,
    read_form,
    redirect,
    secure_cookie,
    signin_token,
    state_of,
)
from keyhouse.domain.auth import KeyStatus
from keyhouse.domain.key_status import KEY_STATUS_TEXT
from keyhouse.domain.verification import check_presented_key
from keyhouse.models import utcnow

router = APIRouter()


def _local(target: str | None) -> str:
    """Only a path on this site may follow sign-in (no open redirect)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/keys"
    return target


def _sign_in_page(request: Request, target: str, error: str | None, status: int) -> Response:
    token = signin_token(request)
    response = page(request, "sign_in.html", status, signin_csrf=token, next=target, error=error)
    response.set_cookie(
        SIGNIN_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=secure_cookie(request),
        path="/sign-in",
    )
    return response


@router.get("/")
async def home(console: ConsoleDep) -> Response:
    """The console starts at the API keys."""
    return console.redirect("/keys")


@router.get("/sign-in")
async def sign_in_form(
    request: Request, next: Annotated[str | None, Query(max_length=500)] = None
) -> Response:
    """The sign-in page: paste an API key."""
    return _sign_in_page(request, _local(next), None, 200)


@router.post("/sign-in")
async def sign_in(request: Request) -> Response:
    """Check the key and open a session; the key is not kept, in the browser or here."""
    check_origin(request)
    form = await read_form(request)
    target = _local(form.get("next"))
    cookie = request.cookies.get(SIGNIN_COOKIE, "")
    sent = form.get("csrf")
    if not cookie or not hmac.compare_digest(sent.encode(), cookie.encode()):
        return _sign_in_page(
            request, target, "The sign-in form expired. Paste your key again.", 403
        )
    key = form.get("api_key")
    if not key:
        return _sign_in_page(request, target, "Paste an API key to sign in.", 422)
    state = state_of(request)
    now = utcnow()
    check = await check_presented_key(state, key, now)
    if check.status is not KeyStatus.VALID or check.caller is None:
        detail = KEY_STATUS_TEXT[check.status].message
        return _sign_in_page(request, target, f"Not signed in: {detail}.", 401)
    token = await run_in_threadpool(sessions.start, state, check.caller.key_id, now)
    state.last_used.touch(check.caller.key_id, now)
    response = redirect(request, target)
    response.set_cookie(
        sessions.COOKIE,
        token,
        max_age=int(state.settings.console_session_hours * 3600),
        httponly=True,
        samesite="strict",
        secure=secure_cookie(request),
    )
    response.delete_cookie(SIGNIN_COOKIE, path="/sign-in")
    return response


@router.post("/sign-out")
async def sign_out(console: ConsoleDep) -> Response:
    """End this session."""
    await console.form()
    await run_in_threadpool(sessions.end, state_of(console.request), console.signed_in.session_id)
    response = console.redirect("/sign-in", "You are signed out.")
    response.delete_cookie(sessions.COOKIE, httponly=True, samesite="strict")
    return response
