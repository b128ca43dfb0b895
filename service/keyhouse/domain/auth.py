"""Authenticating API keys: the hot path shared by every request and ``keys:verify``."""

from __future__ import annotations

import contextlib
import json
import threading
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, bindparam, literal_column, select

from keyhouse.core.keys import KeyDigester, parse_key_id
from keyhouse.core.metrics import KEY_CACHE
from keyhouse.domain.key_cache import KeyCache
from keyhouse.domain.key_status import KeyStatus
from keyhouse.models import ApiKey, IamState, Principal, Project, as_utc

__all__ = ["Caller", "KeyCheck", "KeyLookup", "KeyStatus", "check_key"]


@dataclass(frozen=True, slots=True)
class Caller:
    """The principal behind an authenticated request, and the key it used."""

    principal_id: str
    principal_kind: str
    principal_name: str
    is_admin: bool
    key_id: str
    key_name: str
    key_prefix: str
    scopes: frozenset[str]
    project_id: str | None
    project_name: str | None
    expires_at: datetime
    generation: int = 0
    source_ip: str | None = None

    @property
    def principal_ref(self) -> str:
        """``user/<name>`` or ``role/<name>``, for messages and the audit log."""
        return f"{self.principal_kind}/{self.principal_name}"


@dataclass(frozen=True, slots=True)
class KeyCheck:
    """The outcome of checking a presented key; ``caller`` is set once the digest matched."""

    status: KeyStatus
    caller: Caller | None = None
    key_id: str | None = None


_LOOKUP = (
    select(
        ApiKey.id,
        ApiKey.name,
        ApiKey.prefix,
        ApiKey.digest,
        ApiKey.scopes,
        ApiKey.project_id,
        ApiKey.expires_at,
        ApiKey.revoked_at,
        Principal.id,
        Principal.kind,
        Principal.name,
        Principal.is_admin,
        Project.name,
        # Read with the key, so that every request knows whether its cached
        # authorization decisions are still current, at no extra round trip.
        select(IamState.generation).where(IamState.id == literal_column("1")).scalar_subquery(),
    )
    .join(Principal, Principal.id == ApiKey.owner_id)
    .outerjoin(Project, Project.id == ApiKey.project_id)
    .where(ApiKey.id == bindparam("key_id"))
)


def _timestamp(value: Any) -> datetime | None:
    # What models.UTCDateTime does for the ORM: SQLite hands back naive text,
    # PostgreSQL an aware time in the session's time zone; both become UTC.
    if value is None:
        return None
    return as_utc(value if isinstance(value, datetime) else datetime.fromisoformat(str(value)))


class KeyLookup:
    """Finds a key's row by key id: the one database read of authentication.

    This runs on every authenticated request and every ``keys:verify``, so it
    skips the ORM, the Core execution layer and the pool's checkout (with its
    pre-ping: together 60 to 300 us a call here) and runs a pre-compiled
    statement on a connection each thread keeps, in autocommit (about 20 us on
    SQLite, 40 us on PostgreSQL over loopback). SQLite look-ups are ``local``
    (no network wait), so callers run them in place on the event loop;
    PostgreSQL ones run on a small bounded set of worker threads.
    """

    def __init__(self, engine: Engine, cache: KeyCache | None = None) -> None:
        self._engine = engine
        self.local = engine.dialect.name == "sqlite"
        self.cache = cache
        compiled = _LOOKUP.compile(dialect=engine.dialect)
        self._sql = str(compiled)
        self._positional = compiled.positional
        self._local = threading.local()
        self._opened: list[Any] = []
        self._lock = threading.Lock()

    def _connection(self) -> Any:
        connection = getattr(self._local, "connection", None)
        if connection is None:
            pooled = self._engine.raw_connection()
            # Kept for this thread's lifetime, outside the pool's accounting.
            pooled.detach()
            connection = pooled.dbapi_connection
            # Each look-up is one statement: autocommit leaves no transaction
            # open (SQLite readers then always see the latest commit).
            if self._engine.dialect.name == "sqlite":
                connection.isolation_level = None  # type: ignore[union-attr]
            else:
                connection.autocommit = True  # type: ignore[union-attr]
            self._local.connection = connection
            with self._lock:
                self._opened.append(connection)
        return connection

    def cached(self, key_id: str | None) -> tuple[Any, ...] | None:
        """The row of ``key_id`` if the cache holds it (no database work)."""
        if self.cache is None or key_id is None:
            return None
        return self.cache.get(key_id)

    def find(self, key_id: str) -> tuple[Any, ...] | None:
        """The row of ``key_id`` (columns as in the lookup statement), or None."""
        if self.cache is None:
            return self._query(key_id)
        row = self.cache.get(key_id)
        if row is not None:
            KEY_CACHE.labels("hit").inc()
            return row
        KEY_CACHE.labels("miss").inc()
        generation = self.cache.generation
        row = self._query(key_id)
        if row is not None:
            self.cache.put(key_id, row, generation)
        return row

    def _query(self, key_id: str) -> tuple[Any, ...] | None:
        args: Any = (key_id,) if self._positional else {"key_id": key_id}
        for attempt in (1, 2):
            connection = self._connection()
            try:
                cursor = connection.cursor()
                cursor.execute(self._sql, args)
                row = cursor.fetchone()
                cursor.close()
                return None if row is None else tuple(row)
            except self._engine.dialect.loaded_dbapi.Error:
                # A dropped connection (database restarted) or a storage fault:
                # this connection is never used again; reconnect once.
                self._discard(connection)
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def _discard(self, connection: Any) -> None:
        self._local.connection = None
        with self._lock:
            if connection in self._opened:
                self._opened.remove(connection)
        with contextlib.suppress(Exception):
            connection.close()

    def close(self) -> None:
        """Close every connection opened by any thread."""
        with self._lock:
            opened, self._opened = self._opened, []
        for connection in opened:
            with contextlib.suppress(Exception):
                connection.close()


def check_key(lookup: KeyLookup, digester: KeyDigester, plaintext: str, now: datetime) -> KeyCheck:
    """Check a presented key: format and checksum, then one look-up by key id.

    A wrong secret for an existing key id and an unknown key id both answer
    ``NOT_FOUND`` after the same work (a digest comparison).
    """
    key_id = parse_key_id(plaintext)
    if key_id is None:
        return KeyCheck(KeyStatus.MALFORMED)
    row = lookup.find(key_id)
    stored = bytes(row[3]) if row is not None else None
    if not digester.matches(plaintext, stored) or row is None:
        return KeyCheck(KeyStatus.NOT_FOUND)
    return _check_row(row, now)


def check_key_id(lookup: KeyLookup, key_id: str, now: datetime) -> KeyCheck:
    """The state of a key already proven by its holder (a console session's key).

    No digest comparison: only for key ids the service itself recorded after
    ``check_key`` accepted the key.
    """
    row = lookup.find(key_id)
    if row is None:
        return KeyCheck(KeyStatus.NOT_FOUND, key_id=key_id)
    return _check_row(row, now)


def _check_row(row: tuple[Any, ...], now: datetime) -> KeyCheck:
    scopes = json.loads(row[4]) if isinstance(row[4], str) else row[4]
    expires_at = _timestamp(row[6])
    assert expires_at is not None
    caller = Caller(
        key_id=row[0],
        key_name=row[1],
        key_prefix=row[2],
        scopes=frozenset(scopes),
        project_id=row[5],
        expires_at=expires_at,
        principal_id=row[8],
        principal_kind=row[9],
        principal_name=row[10],
        is_admin=bool(row[11]),
        project_name=row[12],
        generation=int(row[13] or 0),
    )
    if row[7] is not None:
        return KeyCheck(KeyStatus.REVOKED, caller, caller.key_id)
    if caller.expires_at <= now:
        return KeyCheck(KeyStatus.EXPIRED, caller, caller.key_id)
    return KeyCheck(KeyStatus.VALID, caller, caller.key_id)
