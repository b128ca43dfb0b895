"""Changes the API cannot make, made in the database the way an operator would."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import httpx
from sqlalchemy import Engine, text, update

from keyhouse.core.keys import parse_key_id
from keyhouse.models import ApiKey


def set_key_expiry(db: Engine, service_url: str, key: str, expires_at: datetime) -> None:
    """Move a key's expiry (to make it expired, or valid again) and wait until the service sees it.

    On PostgreSQL the service caches key rows; like an operator editing rows by
    hand, this announces the change (NOTIFY keyhouse_auth) in the same
    transaction, then polls keys:verify until the change shows (up to 5 s).
    """
    key_id = parse_key_id(key)
    assert key_id is not None
    with db.begin() as connection:
        changed = connection.execute(
            update(ApiKey).where(ApiKey.id == key_id).values(expires_at=expires_at)
        )
        assert changed.rowcount == 1
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_notify('keyhouse_auth', :key)"), {"key": key_id})
    expired = expires_at <= datetime.now(UTC)
    deadline = time.monotonic() + 5
    while True:
        answer = httpx.post(f"{service_url}/api/v1/keys:verify", json={"key": key}, timeout=10)
        if (answer.json()["reason"] == "expired") == expired:
            return
        assert time.monotonic() < deadline, "the service did not see the new expiry within 5 s"
        time.sleep(0.05)


def set_key_created_at(db: Engine, key_id: str, created_at: datetime) -> None:
    """Move a key's creation time (to make it old enough to be due for rotation).

    Authentication never reads it, so no cache needs telling.
    """
    with db.begin() as connection:
        changed = connection.execute(
            update(ApiKey).where(ApiKey.id == key_id).values(created_at=created_at)
        )
        assert changed.rowcount == 1
