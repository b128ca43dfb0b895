"""Storage faults: which database errors mean "storage unavailable", and what they answer.

A fault of the storage (PostgreSQL unreachable or restarting, an SQLite file
on a read-only or full disk) is not a bug of the request: the service answers
503 (507 for a full disk) naming storage, with ``Retry-After``, and recovers by
itself once the fault is gone. For that no connection may stay in a failed
state: ``install_fault_handling`` marks such errors as disconnects, so that
SQLAlchemy throws the connection (and the pool's older ones) away instead of
handing it out again.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from dataclasses import dataclass
from typing import Any

import psycopg
from sqlalchemy import Engine, event
from sqlalchemy import exc as sa_exc

from keyhouse.core.metrics import STORAGE_ERRORS

log = logging.getLogger("keyhouse.storage")

RETRY_AFTER_SECONDS = 1

# SQLite result codes (primary) that say the file or its disk is at fault, not the SQL.
_SQLITE_STORAGE_CODES = {
    3: "permission denied",  # SQLITE_PERM
    5: "the database is locked",  # SQLITE_BUSY
    8: "the database file is read-only",  # SQLITE_READONLY
    10: "disk I/O error",  # SQLITE_IOERR
    11: "the database file is malformed",  # SQLITE_CORRUPT
    13: "the disk is full",  # SQLITE_FULL
    14: "the database file cannot be opened",  # SQLITE_CANTOPEN
    23: "authorization denied",  # SQLITE_AUTH
}
_SQLITE_FULL = 13


@dataclass(frozen=True, slots=True)
class StorageFault:
    """A storage fault as the service answers it: status and a cause that holds no data."""

    status: int  # 503, or 507 when the disk is full
    cause: str


def _sqlite_fault(error: sqlite3.Error) -> StorageFault | None:
    code = getattr(error, "sqlite_errorcode", None)
    if code is None:
        return None
    primary = code & 0xFF
    cause = _SQLITE_STORAGE_CODES.get(primary)
    if cause is None:
        return None
    return StorageFault(507 if primary == _SQLITE_FULL else 503, f"SQLite: {cause}")


def classify(exc: BaseException) -> StorageFault | None:
    """The storage fault ``exc`` is, or None when it is something else (a bug, a conflict)."""
    original: BaseException | None = exc
    if isinstance(exc, sa_exc.DBAPIError):
        original = exc.orig
        if exc.connection_invalidated and not isinstance(original, sqlite3.Error):
            return StorageFault(503, "the database connection was lost")
    elif isinstance(exc, sa_exc.TimeoutError):
        return StorageFault(503, "no database connection became free in time")
    elif isinstance(exc, sa_exc.DisconnectionError):
        return StorageFault(503, "the database connection was lost")
    if isinstance(original, sqlite3.Error):
        return _sqlite_fault(original)
    if isinstance(original, psycopg.OperationalError | psycopg.InterfaceError):
        state = getattr(original, "sqlstate", None)
        if state in {"57P01", "57P02", "57P03"}:  # shutdown, crash shutdown, cannot connect now
            return StorageFault(503, "PostgreSQL is restarting")
        return StorageFault(503, "PostgreSQL cannot be reached")
    if isinstance(original, psycopg.errors.ReadOnlySqlTransaction | psycopg.errors.DiskFull):
        status = 507 if isinstance(original, psycopg.errors.DiskFull) else 503
        return StorageFault(status, f"PostgreSQL: {type(original).__name__}")
    return None


def install_fault_handling(engine: Engine) -> None:
    """Treat storage faults on ``engine`` as disconnects: the connection is never reused."""

    @event.listens_for(engine, "handle_error")
    def _storage_fault(context: Any) -> None:
        original = context.original_exception
        if isinstance(original, sqlite3.Error) and _sqlite_fault(original) is not None:
            context.is_disconnect = True


class StorageHealth:
    """Logs a storage fault once when it begins (with its cause), and once when it ends.

    A fault that comes and goes (some requests still succeed: reads during a
    read-only disk) is one fault: it counts as over only after ``quiet_seconds``
    without a new one. Within one fault each cause is logged once (a restarting
    PostgreSQL alternates between "shutting down" and "cannot be reached").
    """

    def __init__(self, repeat_after_seconds: float = 60.0, quiet_seconds: float = 2.0) -> None:
        self._lock = threading.Lock()
        self._current: str | None = None
        self._logged_at: dict[str, float] = {}
        self._last_fault = 0.0
        self._repeat = repeat_after_seconds
        self._quiet = quiet_seconds
        self.faulty = False

    def fault(self, fault: StorageFault, exc: BaseException) -> None:
        """Note a fault; logged at WARNING the first time (and again after a minute)."""
        STORAGE_ERRORS.labels(str(fault.status), fault.cause).inc()
        now = time.monotonic()
        with self._lock:
            self.faulty, self._last_fault = True, now
            if now - self._logged_at.get(fault.cause, -self._repeat) < self._repeat:
                return
            self._current, self._logged_at[fault.cause] = fault.cause, now
        original = exc.orig if isinstance(exc, sa_exc.DBAPIError) and exc.orig else exc
        log.warning(
            "storage fault: %s (%s: %s); answering %d until it clears",
            fault.cause,
            type(original).__name__,
            _first_line(original),
            fault.status,
        )

    def ok(self) -> None:
        """Note a request served; logs the recovery once the fault has been quiet a while."""
        if not self.faulty:
            return
        with self._lock:
            if not self.faulty or time.monotonic() - self._last_fault < self._quiet:
                return
            self.faulty, cause, self._current = False, self._current, None
            self._logged_at.clear()
        log.info("storage recovered (was: %s)", cause)


def _first_line(exc: BaseException) -> str:
    # Database messages name tables and constraints, never bound values (we never inline them).
    return str(exc).strip().splitlines()[0][:200] if str(exc).strip() else ""
