"""Process-wide objects the routes share: settings, database, crypto."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from keyhouse.core.config import Settings
from keyhouse.core.crypto import Envelope, load_master_key
from keyhouse.core.db import make_engine, make_sessionmaker
from keyhouse.core.keys import KeyDigester
from keyhouse.domain.auth import KeyLookup
from keyhouse.domain.last_used import LastUsedTracker


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

    @classmethod
    def from_settings(cls, settings: Settings) -> AppState:
        """Open the database and load the master key named by ``settings``."""
        envelope = Envelope(load_master_key(settings.master_key, settings.master_key_file))
        engine = make_engine(settings.database_url)
        # SQLite: readers get their own engine whose transactions do not take the write lock.
        read_engine = (
            make_engine(settings.database_url, writer=False) if settings.is_sqlite else engine
        )
        sessions = make_sessionmaker(engine)
        return cls(
            settings=settings,
            engine=engine,
            read_engine=read_engine,
            sessions=sessions,
            read_sessions=make_sessionmaker(read_engine),
            key_lookup=KeyLookup(read_engine),
            # Bounded: each of its threads keeps one database connection for look-ups.
            lookup_executor=ThreadPoolExecutor(max_workers=8, thread_name_prefix="key-lookup"),
            envelope=envelope,
            digester=KeyDigester(envelope.derive("keyhouse/api-key-digest")),
            last_used=LastUsedTracker(
                sessions,
                flush_seconds=settings.last_used_flush_seconds,
                write_interval_seconds=settings.last_used_write_interval_seconds,
            ),
            request_hash_key=envelope.derive("keyhouse/idempotency-request-hash"),
        )

    def close(self) -> None:
        """Flush batched writes and close the database pools."""
        self.last_used.stop()
        self.lookup_executor.shutdown(wait=True)
        self.key_lookup.close()
        self.engine.dispose()
        if self.read_engine is not self.engine:
            self.read_engine.dispose()
