"""A cache of API key rows for PostgreSQL, invalidated across replicas by LISTEN/NOTIFY.

Authentication reads one key row per request. On PostgreSQL that read is a
network round trip; this cache answers repeated keys from memory instead.

Correctness rests on three rules:

* every change the service makes to what a key row carries (revoke, delete,
  new scopes or name, an owner's admin flag, an owner deleted) sends
  ``NOTIFY keyhouse_auth`` in the same transaction, so every replica drops the
  entry when the change commits;
* the cache serves only while its listener is connected: when the listening
  connection drops it empties itself and answers nothing until it listens again;
* a row read before an invalidation is never stored after it (a generation
  counter guards the gap between the read and the store).

Rows older than ``ttl_seconds`` are read again, which bounds how long a change
made behind the service's back (an UPDATE typed into psql) can go unseen.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine, event, text
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

CHANNEL = "keyhouse_auth"
EVERY_KEY = "*"


SESSION_CACHE = "keyhouse_key_cache"


def announce_change(session: Session, key_id: str = EVERY_KEY) -> None:
    """Tell every replica, when ``session`` commits, that a key row changed.

    ``key_id`` names one key; the default says any key may have changed. This
    replica's cache (``session.info[SESSION_CACHE]``, set by the service's
    session dependency) is emptied right after the commit, without waiting for
    its own notification to come back. A no-op on SQLite, which has no cache.
    """
    if session.get_bind().dialect.name != "postgresql":
        return
    session.execute(text("SELECT pg_notify(:channel, :key)"), {"channel": CHANNEL, "key": key_id})
    cache = session.info.get(SESSION_CACHE)
    if isinstance(cache, KeyCache):
        event.listen(session, "after_commit", lambda _: cache.invalidate(key_id), once=True)


class KeyCache:
    """Key rows by digest, kept only while LISTEN keeps them honest.

    Rows are found by the presented key's digest, as in the database: a wrong
    secret for a cached key is the same miss as an unknown key id. Changes are
    announced by key id, so the cache also knows each cached key id's digest.
    """

    def __init__(
        self,
        connect: Callable[[], Any],
        *,
        ttl_seconds: float,
        max_entries: int = 100_000,
    ) -> None:
        self._connect = connect
        self._ttl = ttl_seconds
        self._max = max_entries
        self._entries: dict[bytes, tuple[tuple[Any, ...], float]] = {}
        self._digests: dict[str, bytes] = {}
        self._generation = 0
        self._lock = threading.Lock()
        self._listening = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @classmethod
    def on_engine(cls, engine: Engine, *, ttl_seconds: float) -> KeyCache:
        """A cache whose listener takes its own autocommit connection from ``engine``."""

        def connect() -> Any:
            pooled = engine.raw_connection()
            pooled.detach()  # the listener keeps it for as long as it listens
            connection = pooled.dbapi_connection
            connection.autocommit = True  # type: ignore[union-attr]
            return connection

        return cls(connect, ttl_seconds=ttl_seconds)

    @property
    def active(self) -> bool:
        """Whether the cache may answer (its listener is connected)."""
        return self._listening.is_set()

    @property
    def generation(self) -> int:
        """Changes whenever anything is invalidated; read it before a database read."""
        return self._generation

    def get(self, digest: bytes) -> tuple[Any, ...] | None:
        """The cached row of the key with ``digest``; None when absent, stale or inactive."""
        if not self._listening.is_set():
            return None
        entry = self._entries.get(digest)
        if entry is None or entry[1] < time.monotonic():
            return None
        return entry[0]

    def get_by_id(self, key_id: str) -> tuple[Any, ...] | None:
        """The cached row of ``key_id`` (for key ids the service recorded itself)."""
        digest = self._digests.get(key_id)
        return None if digest is None else self.get(digest)

    def put(self, key_id: str, digest: bytes, row: tuple[Any, ...], generation: int) -> None:
        """Store a row read while the generation was ``generation``, if nothing changed since."""
        with self._lock:
            if generation != self._generation or not self._listening.is_set():
                return
            if len(self._entries) >= self._max:
                self._entries.clear()
                self._digests.clear()
            self._entries[digest] = (row, time.monotonic() + self._ttl)
            self._digests[key_id] = digest

    def invalidate(self, key_id: str = EVERY_KEY) -> None:
        """Drop one key's row, or every row."""
        with self._lock:
            self._generation += 1
            if key_id == EVERY_KEY:
                self._entries.clear()
                self._digests.clear()
            else:
                digest = self._digests.pop(key_id, None)
                if digest is not None:
                    self._entries.pop(digest, None)

    def start(self) -> None:
        """Start listening (in a background thread that reconnects when it must)."""
        self._thread = threading.Thread(target=self._listen, name="key-cache-listener", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop listening; the cache stops answering."""
        self._stop.set()
        self._listening.clear()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _listen(self) -> None:
        while not self._stop.is_set():
            connection = None
            try:
                connection = self._connect()
                connection.execute(f"LISTEN {CHANNEL}")
                # Whatever changed while nobody listened: start from nothing.
                self.invalidate()
                self._listening.set()
                while not self._stop.is_set():
                    for notice in connection.notifies(timeout=1.0):
                        self.invalidate(notice.payload or EVERY_KEY)
            except Exception:
                if not self._stop.is_set():
                    log.warning("key cache listener lost its connection; not caching until back")
            finally:
                self._listening.clear()
                self.invalidate()
                if connection is not None:
                    with contextlib.suppress(Exception):
                        connection.close()
            self._stop.wait(0.25)  # reconnect soon: no caching until then
