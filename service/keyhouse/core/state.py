"""Process-wide objects the routes share: settings, database, crypto."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from keyhouse.core.config import Settings
from keyhouse.core.crypto import Envelope, load_keyring
from keyhouse.core.db import make_engine, make_sessionmaker
from keyhouse.core.key_material import load_root
from keyhouse.core.keys import KeyDigester
from keyhouse.core.storage import StorageHealth
from keyhouse.domain.auth import KeyLookup
from keyhouse.domain.key_cache import KeyCache
from keyhouse.domain.last_used import LastUsedTracker
from keyhouse.iam.authorizer import Authorizer

DIGEST_PURPOSE = "keyhouse/api-key-digest"
REQUEST_HASH_PURPOSE = "keyhouse/idempotency-request-hash"
CURSOR_PURPOSE = "keyhouse/pagination-cursor"


@dataclass
class AppState:
    """Everything a request needs besides its own session."""

    settings: Settings
    engine: Engine
    read_engine: Engine
    sessions: sessionmaker[Session]
    read_sessions: sessionmaker[Session]
    key_lookup: KeyLookup
    lookup_executor: ThreadPoolExecutor
    envelope: Envelope
    digester: KeyDigester
    last_used: LastUsedTracker
    request_hash_key: bytes
    cursor_key: bytes
    authorizer: Authorizer
    storage: StorageHealth

    @classmethod
    def from_settings(cls, settings: Settings) -> AppState:
        """Open the database and load the master key named by ``settings``."""
        envelope = Envelope(
            load_keyring(settings.master_key, settings.master_key_file),
            reload=lambda: load_keyring(settings.master_key, settings.master_key_file),
        )
        synchronous = settings.sqlite_synchronous
        engine = make_engine(settings.database_url, synchronous=synchronous)
        # SQLite: readers get their own engine whose transactions do not take the write lock.
        read_engine = (
            make_engine(settings.database_url, writer=False, synchronous=synchronous)
            if settings.is_sqlite
            else engine
        )
        sessions = make_sessionmaker(engine)
        return cls(
            settings=settings,
            engine=engine,
            read_engine=read_engine,
            sessions=sessions,
            read_sessions=make_sessionmaker(read_engine),
            key_lookup=KeyLookup(read_engine, _key_cache(settings, read_engine)),
            # Bounded: each of its threads keeps one database connection for look-ups.
            lookup_executor=ThreadPoolExecutor(max_workers=8, thread_name_prefix="key-lookup"),
            envelope=envelope,
            # Replaced by load_key_material once the database is at hand.
            digester=KeyDigester(envelope.derive(DIGEST_PURPOSE)),
            last_used=LastUsedTracker(
                sessions,
                flush_seconds=settings.last_used_flush_seconds,
                write_interval_seconds=settings.last_used_write_interval_seconds,
            ),
            request_hash_key=envelope.derive(REQUEST_HASH_PURPOSE),
            cursor_key=envelope.derive(CURSOR_PURPOSE),
            authorizer=Authorizer(),
            storage=StorageHealth(),
        )

    def load_key_material(self) -> None:
        """Read the derivation root from the (migrated) database: the digests' pepper and
        the request hash key come from it, whatever master key version is current."""
        with self.sessions() as session, session.begin():
            self.envelope.root = load_root(session, self.envelope)
        self.digester = KeyDigester(self.envelope.derive(DIGEST_PURPOSE))
        self.request_hash_key = self.envelope.derive(REQUEST_HASH_PURPOSE)
        self.cursor_key = self.envelope.derive(CURSOR_PURPOSE)

    def start(self) -> None:
        """Load the key material, start the background work (batched writes, key listener)."""
        self.load_key_material()
        self.last_used.start()
        if self.key_lookup.cache is not None:
            self.key_lookup.cache.start()

    def close(self) -> None:
        """Flush batched writes and close the database pools."""
        self.last_used.stop()
        if self.key_lookup.cache is not None:
            self.key_lookup.cache.stop()
        self.lookup_executor.shutdown(wait=True)
        self.key_lookup.close()
        self.engine.dispose()
        if self.read_engine is not self.engine:
            self.read_engine.dispose()


def _key_cache(settings: Settings, engine: Engine) -> KeyCache | None:
    """A key cache for PostgreSQL (see domain/key_cache.py); none for SQLite or when disabled."""
    if settings.is_sqlite or settings.key_cache_seconds <= 0:
        return None
    return KeyCache.on_engine(engine, ttl_seconds=settings.key_cache_seconds)
