"""Console sessions: a random token in the browser, its digest and the key id in the database.

The API key is checked once, at sign-in; a session then acts as that key. Each
request looks the key up again (the same cached look-up API requests use), so a
key revoked, expired or deleted ends its sessions on the next click. Sessions
end after ``console_idle_minutes`` without a request and ``console_session_hours``
after sign-in, whichever comes first.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select, update

from keyhouse.core.db import transaction
from keyhouse.core.state import AppState
from keyhouse.domain.auth import Caller, KeyStatus, check_key_id
from keyhouse.models import ConsoleSession

COOKIE = "kh_session"
# last_seen_at is written at most this often per session (or a quarter of the idle
# limit, if shorter): idle expiry needs no finer grain, and most requests write nothing.
TOUCH_EVERY = timedelta(seconds=60)


@dataclass(frozen=True, slots=True)
class SignedIn:
    """A live session: its caller (the key's principal and scopes) and its CSRF token."""

    session_id: str
    caller: Caller
    csrf: str


@dataclass(frozen=True, slots=True)
class Ended:
    """Why a session that was presented no longer works."""

    reason: str  # "expired", "idle", "revoked", "key_expired", "unknown"


def new_token() -> str:
    """A session token: 256 random bits."""
    return secrets.token_urlsafe(32)


def session_id(token: str) -> str:
    """What the database keeps of a token (its SHA-256): a stolen table opens no session."""
    return hashlib.sha256(token.encode()).hexdigest()


def csrf_token(state: AppState, token: str) -> str:
    """The session's CSRF token: an HMAC of its token under a key derived from the master key."""
    key = state.envelope.derive("keyhouse/console-csrf")
    return hmac.new(key, token.encode(), hashlib.sha256).hexdigest()


def start(state: AppState, key_id: str, now: datetime) -> str:
    """Open a session for ``key_id`` (already verified); the token for the browser."""
    token = new_token()
    settings = state.settings
    idle = timedelta(minutes=settings.console_idle_minutes)
    with transaction(state.sessions) as session:
        # Sessions that ran out are removed as new ones start: the table stays small.
        session.execute(
            delete(ConsoleSession).where(
                or_(ConsoleSession.expires_at <= now, ConsoleSession.last_seen_at <= now - idle)
            )
        )
        session.add(
            ConsoleSession(
                id=session_id(token),
                key_id=key_id,
                created_at=now,
                last_seen_at=now,
                expires_at=now + timedelta(hours=settings.console_session_hours),
            )
        )
    return token


def resume(state: AppState, token: str, now: datetime) -> SignedIn | Ended:
    """The live session behind ``token``, or why there is none (ending it if it ran out)."""
    sid = session_id(token)
    with state.read_sessions() as session:
        row = session.scalar(select(ConsoleSession).where(ConsoleSession.id == sid))
    if row is None:
        return Ended("unknown")
    idle = timedelta(minutes=state.settings.console_idle_minutes)
    if row.expires_at <= now:
        end(state, sid)
        return Ended("expired")
    if row.last_seen_at + idle <= now:
        end(state, sid)
        return Ended("idle")
    check = check_key_id(state.key_lookup, row.key_id, now)
    if check.status is not KeyStatus.VALID or check.caller is None:
        end_for_key(state, row.key_id)
        return Ended("key_expired" if check.status is KeyStatus.EXPIRED else "revoked")
    if now - row.last_seen_at >= min(TOUCH_EVERY, idle / 4):
        with transaction(state.sessions) as session:
            session.execute(
                update(ConsoleSession).where(ConsoleSession.id == sid).values(last_seen_at=now)
            )
    return SignedIn(sid, check.caller, csrf_token(state, token))


def end(state: AppState, sid: str) -> None:
    """End one session (sign out)."""
    with transaction(state.sessions) as session:
        session.execute(delete(ConsoleSession).where(ConsoleSession.id == sid))


def end_for_key(state: AppState, key_id: str) -> None:
    """End every session of a key (it was revoked or has expired)."""
    with transaction(state.sessions) as session:
        session.execute(delete(ConsoleSession).where(ConsoleSession.key_id == key_id))
