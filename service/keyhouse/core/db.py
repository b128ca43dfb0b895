"""Database engine, sessions and schema migrations."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from importlib import resources
from typing import Any, TypeVar

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, make_url
from sqlalchemy.orm import Session, sessionmaker

from keyhouse.core.storage import install_fault_handling
from keyhouse.core.writer_queue import queue_writers

_Row = TypeVar("_Row")


def make_engine(url: str, *, writer: bool = True, synchronous: str = "full") -> Engine:
    """An engine for ``url``; SQLite files get WAL, foreign keys and a busy timeout.

    ``synchronous`` is SQLite's: ``full`` (the default) syncs the log in every
    commit, so that an acknowledged write is durable as on PostgreSQL (whose
    commits are synced too); ``normal`` leaves the syncs to checkpoints, and a
    machine crash may then undo the last commits (a revoked key working again,
    a secret back at its previous version), which is the operator's call to make.

    On SQLite, a ``writer`` engine queues its transactions in the process
    (core/writer_queue.py) and opens each with ``BEGIN IMMEDIATE``: a
    deferred transaction that reads and then writes fails at once
    (SQLITE_BUSY_SNAPSHOT, which no busy timeout retries) when another
    connection committed in between, whereas an immediate one waits its turn.
    Read-only work uses a deferred engine so that readers never queue behind writers.
    """
    if url.startswith("sqlite"):
        level = {"full": "FULL", "normal": "NORMAL"}[synchronous]
        _create_private(make_url(url).database)
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 30},
            pool_size=8,
            max_overflow=16,
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            # Hand transaction control to the "begin" hook below.
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA synchronous={level}")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        if writer:
            queue_writers(engine, "BEGIN IMMEDIATE")
        else:

            @event.listens_for(engine, "begin")
            def _sqlite_begin(connection: Any) -> None:
                connection.exec_driver_sql("BEGIN")

        install_fault_handling(engine)
        return engine
    engine = create_engine(
        url,
        pool_size=10,
        max_overflow=20,
        # A connection that died with the server is found before use, not by the request.
        pool_pre_ping=True,
        # Waiting for a free connection, or for an unreachable server, ends in a 503 soon.
        pool_timeout=10,
        connect_args={"connect_timeout": 3},
    )
    install_fault_handling(engine)
    return engine


def _create_private(path: str | None) -> None:
    """Create an SQLite file with mode 0600 if it does not exist yet.

    SQLite gives the ``-wal`` and ``-shm`` files it makes beside a database the
    database file's mode, so creating the file here, private, keeps all three
    private whatever the process's umask.
    """
    if not path or path == ":memory:" or path.startswith("file:"):
        return
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    """Sessions that keep loaded objects usable after commit."""
    return sessionmaker(engine, expire_on_commit=False)


def alembic_config(url: str) -> Config:
    """An Alembic configuration pointing at the packaged migrations."""
    config = Config()
    config.set_main_option("script_location", str(resources.files("keyhouse") / "migrations"))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade_schema(engine: Engine) -> None:
    """Apply every pending migration to the database behind ``engine``."""
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            # Replicas starting together take turns; the later ones find nothing to do.
            connection.exec_driver_sql("SELECT pg_advisory_xact_lock(7261636)")
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session whose work is committed on success and rolled back on error."""
    with factory() as session, session.begin():
        yield session


def locked(session: Session, model: type[_Row], ident: Any) -> _Row | None:
    """The row of ``model`` with primary key ``ident``, read afresh under a row lock.

    For read-modify-write: on PostgreSQL this is ``SELECT ... FOR UPDATE OF <table>``,
    held to the end of the transaction, so a concurrent writer of the same row
    waits and then reads what this one committed (no lost update). SQLite
    writer transactions already hold the database's write lock (``BEGIN
    IMMEDIATE``), where the clause is left out.
    """
    return session.get(model, ident, with_for_update={"of": model}, populate_existing=True)


@cache
def migration_heads() -> frozenset[str]:
    """The revisions a fully migrated database is at (the packaged migrations' heads)."""
    from alembic.script import ScriptDirectory

    return frozenset(ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads())


def applied_revisions(engine: Engine) -> frozenset[str]:
    """The revisions the database behind ``engine`` says it is at (one round trip)."""
    with engine.connect() as connection:
        return frozenset(
            row[0] for row in connection.exec_driver_sql("SELECT version_num FROM alembic_version")
        )
