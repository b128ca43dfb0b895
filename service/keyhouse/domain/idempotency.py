"""``Idempotency-Key`` for creates: the same key and body replay the first response.

A record belongs to the API key that made the request. Another key, even of
the same principal, may hold fewer scopes or be restricted to a project: its
request with the same header is decided as new, through every check, and
never sees the first response. Every create and every replay is audited with
the key id.

The stored response is sealed like a secret value (it may hold a new API key)
and purged once the window has passed, or when the object it created is deleted
or revoked. The record is written in the same transaction as the thing it
creates, so either both exist or neither does; two concurrent requests with one
key cannot both create.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import delete, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from keyhouse.core.crypto import Sealed
from keyhouse.core.key_material import sealing_version
from keyhouse.core.metrics import IDEMPOTENT_REPLAYS
from keyhouse.core.problems import BadRequest, Conflict
from keyhouse.core.state import AppState
from keyhouse.domain import audit
from keyhouse.domain.auth import Caller
from keyhouse.models import IdempotencyRecord, new_id, utcnow

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 255


def check_header(value: str | None) -> str | None:
    """The header's value when present; 400 when it is empty, too long or not printable ASCII."""
    if value is None:
        return None
    if not 1 <= len(value) <= MAX_KEY_LENGTH or not value.isascii() or not value.isprintable():
        raise BadRequest(
            f"the {HEADER} header must be 1 to {MAX_KEY_LENGTH} printable ASCII characters"
        )
    return value


def _request_hash(state: AppState, route: str, body: BaseModel) -> str:
    canonical = json.dumps(body.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    # Keyed, so that a stored hash cannot be used to guess a low-entropy secret value.
    return hmac.new(
        state.request_hash_key, f"{route}\n{canonical}".encode(), hashlib.sha256
    ).hexdigest()


def purge_expired(session: Session, now: datetime) -> int:
    """Delete records whose window has passed; the number removed."""
    result = session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.expires_at <= now))
    return int(getattr(result, "rowcount", 0) or 0)


def forget(session: Session, target: str) -> None:
    """Drop the records of the creates that made ``target``, which is being deleted.

    The same key and body then create anew instead of replaying an answer about an
    object that is gone: a client that creates, deletes and creates the same thing
    again (a Terraform configuration applied, destroyed and applied) derives the same
    key each time, and a replay would hand it the deleted object.
    """
    session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.target == target))


@dataclass(frozen=True)
class Created:
    """What a create made: the response body, and its khrn for the audit log.

    ``related`` is the audit event's second resource, for a create that acts on
    two (a roll: the old key is the target, the new one related).
    """

    body: BaseModel
    target: str | None
    related: str | None = None


def _find(session: Session, caller: Caller, key: str, now: datetime) -> IdempotencyRecord | None:
    return session.scalar(
        select(IdempotencyRecord).where(
            IdempotencyRecord.api_key_id == caller.key_id,
            IdempotencyRecord.key == key,
            IdempotencyRecord.expires_at > now,
        )
    )


def _replay(
    state: AppState,
    session: Session,
    caller: Caller,
    action: str,
    record: IdempotencyRecord,
    request_hash: str,
) -> JSONResponse:
    if not hmac.compare_digest(record.request_hash, request_hash):
        raise Conflict(
            f"this {HEADER} was already used with a different request; "
            "use a new key for a new request"
        )
    body = state.envelope.open(
        Sealed(record.wrapped_key, record.ciphertext, record.key_version), record.id
    )
    IDEMPOTENT_REPLAYS.inc()
    audit.record(session, caller, action, record.target, outcome="replayed")
    return JSONResponse(
        json.loads(body), status_code=record.status_code, headers={REPLAYED_HEADER: "true"}
    )


def _serialize(session: Session, caller: Caller, key: str) -> None:
    # Requests carrying the same key wait for each other, so the second finds the
    # first's record instead of racing it into a uniqueness error. (SQLite
    # transactions here begin IMMEDIATE and are serialized already.)
    if session.get_bind().dialect.name == "postgresql":
        digest = hashlib.sha256(f"{caller.key_id}\n{key}".encode()).digest()
        session.execute(
            text("SELECT pg_advisory_xact_lock(:lock)"),
            {"lock": int.from_bytes(digest[:8], "big", signed=True)},
        )


def run_create(
    state: AppState,
    session: Session,
    caller: Caller,
    key: str | None,
    route: str,
    body: BaseModel,
    action: str,
    produce: Callable[[], Created],
    status_code: int = 201,
) -> JSONResponse:
    """Run a create once per idempotency key of the calling API key; audit it; commit it.

    ``key`` is the request's ``Idempotency-Key`` (see ``check_header``); ``action``
    names the create in the audit log, for the create and for every replay.
    """
    if key is None:
        created = produce()
        audit.record(session, caller, action, created.target, related=created.related)
        session.commit()
        return JSONResponse(created.body.model_dump(mode="json"), status_code=status_code)
    now = utcnow()
    request_hash = _request_hash(state, route, body)
    _serialize(session, caller, key)
    purge_expired(session, now)
    existing = _find(session, caller, key, now)
    if existing is not None:
        response = _replay(state, session, caller, action, existing, request_hash)
        session.commit()  # keep the purge and the audit event
        return response
    created = produce()
    audit.record(session, caller, action, created.target, related=created.related)
    payload = created.body.model_dump(mode="json")
    record_id = new_id()
    sealed = state.envelope.seal(
        json.dumps(payload).encode(),
        bound_to=record_id,
        version=sealing_version(session, state.envelope),
    )
    session.add(
        IdempotencyRecord(
            id=record_id,
            principal_id=caller.principal_id,
            api_key_id=caller.key_id,
            key=key,
            target=created.target,
            request_hash=request_hash,
            status_code=status_code,
            wrapped_key=sealed.wrapped_key,
            ciphertext=sealed.ciphertext,
            key_version=sealed.key_version,
            created_at=now,
            expires_at=now + timedelta(hours=state.settings.idempotency_window_hours),
        )
    )
    try:
        session.commit()
    except IntegrityError:
        # Another request with the same key committed first: nothing of ours was kept.
        session.rollback()
        existing = _find(session, caller, key, utcnow())
        if existing is None:
            raise
        response = _replay(state, session, caller, action, existing, request_hash)
        session.commit()
        return response
    return JSONResponse(payload, status_code=status_code)
