"""Authenticating API keys: the hot path shared by every request and ``keys:verify``."""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, bindparam, literal_column, select

from keyhouse.core.keys import KeyDigester, PresentedKey, same_digest
from keyhouse.core.metrics import KEY_CACHE
from keyhouse.domain.key_cache import KeyCache
from keyhouse.domain.key_status import KeyStatus
from keyhouse.models import ApiKey, IamState, Principal, Project, as_utc

__all__ = ["Caller", "KeyCheck", "KeyLookup", "KeyStatus", "check_key", "check_presented"]


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
    replaced_by: str | None = None

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


_KEY_ROW = (
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
        ApiKey.replaced_by,
    )
    .join(Principal, Principal.id == ApiKey.owner_id)
    .outerjoin(Project, Project.id == ApiKey.project_id)
)
# A presented key is looked up by its digest alone (a unique index), never by
# its key id: a wrong secret for a known key id is then the same miss in the
# same index as an unknown key id, with no row read, joined or decoded on
# either path. (The digest is an HMAC of the whole key, id included, under the
# server's pepper: a caller can neither compute it nor steer it byte by byte,
# so neither the index's descent nor the database's plain equality on it says
# anything about which keys exist.)
_BY_DIGEST = _KEY_ROW.where(ApiKey.digest == bindparam("digest"))
# Only for key ids the service recorded itself (console sessions).
_BY_ID = _KEY_ROW.where(ApiKey.id == bindparam("key_id"))
_DIGEST_COLUMN = 3


@dataclass(frozen=True, slots=True)
class _Statement:
    """A look-up compiled for the engine's driver, with its parameters' order if positional."""

    sql: str
    order: Sequence[str] | None


def _key_row(row: Sequence[Any]) -> tuple[Any, ...]:
    values = list(row)
    # Drivers may hand a binary column back as a memoryview: compared as bytes.
    values[_DIGEST_COLUMN] = bytes(values[_DIGEST_COLUMN])
    return tuple(values)


def _timestamp(value: Any) -> datetime | None:
    # What models.UTCDateTime does for the ORM: SQLite hands back naive text,
    # PostgreSQL an aware time in the session's time zone; both become UTC.
    if value is None:
        return None
    return as_utc(value if isinstance(value, datetime) else datetime.fromisoformat(str(value)))


class KeyLookup:
    """Finds a presented key's row by its digest: the one database read of authentication.

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
        by_id = _BY_ID.compile(dialect=engine.dialect)
        by_digest = _BY_DIGEST.compile(dialect=engine.dialect)
        self._by_id = _Statement(str(by_id), by_id.positiontup if by_id.positional else None)
        self._by_digest = _Statement(
            str(by_digest), by_digest.positiontup if by_digest.positional else None
        )
        self._local = threading.local()
        self._opened: list[Any] = []
        self._lock = threading.Lock()

    @property
    def presented_key_sql(self) -> str:
        """The statement a presented key is looked up with (one parameter: its digest)."""
        return self._by_digest.sql

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

    def cached(self, key: PresentedKey) -> tuple[Any, ...] | None:
        """The row of ``key`` if the cache holds it (no database work).

        The cache is keyed by digest too: a wrong secret for a key somebody
        used recently is the same miss as an unknown key id.
        """
        if self.cache is None:
            return None
        return self.cache.get(key.digest)

    def find(self, key: PresentedKey) -> tuple[Any, ...] | None:
        """The row of the presented key (columns as in the look-up), or None.

        None both when the key id is unknown and when the secret is wrong.
        """
        if self.cache is None:
            return self._query(self._by_digest, {"digest": key.digest})
        row = self.cached(key)
        if row is not None:
            KEY_CACHE.labels("hit").inc()
            return row
        KEY_CACHE.labels("miss").inc()
        generation = self.cache.generation
        row = self._query(self._by_digest, {"digest": key.digest})
        if row is not None:
            self.cache.put(row[0], row[_DIGEST_COLUMN], row, generation)
        return row

    def find_by_id(self, key_id: str) -> tuple[Any, ...] | None:
        """The row of ``key_id`` whatever its digest: only for key ids the service recorded."""
        if self.cache is not None:
            row = self.cache.get_by_id(key_id)
            if row is not None:
                return row
        return self._query(self._by_id, {"key_id": key_id})

    def _query(self, statement: _Statement, params: dict[str, Any]) -> tuple[Any, ...] | None:
        args: Any = params
        if statement.order is not None:
            args = tuple(params[name] for name in statement.order)
        for attempt in (1, 2):
            connection = self._connection()
            try:
                cursor = connection.cursor()
                cursor.execute(statement.sql, args)
                row = cursor.fetchone()
                cursor.close()
                return None if row is None else _key_row(row)
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
    """Check a presented key: format and checksum, then one look-up by its digest."""
    key = digester.present(plaintext)
    if key is None:
        return KeyCheck(KeyStatus.MALFORMED)
    return check_presented(lookup, key, now)


def check_presented(lookup: KeyLookup, key: PresentedKey, now: datetime) -> KeyCheck:
    """Check a well-formed key by its digest.

    A wrong secret for an existing key id and an unknown key id do the same
    work and answer the same ``NOT_FOUND``: the look-up finds no row for
    either, and either is compared once (against a placeholder).
    """
    row = lookup.find(key)
    stored = row[_DIGEST_COLUMN] if row is not None else None
    # The look-up matched the digest already; comparing again in constant time
    # keeps the decision here, whatever the database's idea of equality.
    if not same_digest(key.digest, stored) or row is None:
        return KeyCheck(KeyStatus.NOT_FOUND)
    return _check_row(row, now)


def check_key_id(lookup: KeyLookup, key_id: str, now: datetime) -> KeyCheck:
    """The state of a key already proven by its holder (a console session's key).

    No digest comparison: only for key ids the service itself recorded after
    ``check_key`` accepted the key.
    """
    row = lookup.find_by_id(key_id)
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
        replaced_by=row[14],
    )
    if row[7] is not None:
        return KeyCheck(KeyStatus.REVOKED, caller, caller.key_id)
    if caller.expires_at <= now:
        return KeyCheck(KeyStatus.EXPIRED, caller, caller.key_id)
    return KeyCheck(KeyStatus.VALID, caller, caller.key_id)
