"""``keyhouse backup``: a consistent snapshot of a live SQLite database.

SQLite's online backup API copies the database page by page while the
service keeps serving; whatever commits during the copy makes it restart the
pages it touched, so the file written is the database as of one moment.
PostgreSQL has its own tools (``pg_dump``); see the README.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url


class BackupError(RuntimeError):
    """The backup cannot be made (and nothing was written at the destination)."""


@dataclass(frozen=True)
class BackupDone:
    """What a backup wrote."""

    path: Path
    pages: int
    bytes: int


def sqlite_path(database_url: str) -> Path:
    """The file of an ``sqlite:///...`` URL; BackupError for anything else."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        raise BackupError(
            "keyhouse backup copies SQLite databases; for PostgreSQL use pg_dump "
            "(the README's backup section shows how)"
        )
    if not url.database or url.database == ":memory:":
        raise BackupError("KEYHOUSE_DATABASE_URL names no SQLite file")
    return Path(url.database)


def backup_sqlite(
    database_url: str,
    destination: Path,
    *,
    progress: Callable[[int, int], None] | None = None,
    pages_per_step: int = 256,
) -> BackupDone:
    """Copy the live database to ``destination`` (mode 0600) with SQLite's backup API.

    The copy goes to a temporary file beside ``destination`` and is renamed
    into place when complete, so a failed backup never leaves a partial file.
    ``progress(copied, total)`` is called after each step of ``pages_per_step`` pages.
    """
    source_path = sqlite_path(database_url)
    if not source_path.exists():
        raise BackupError(f"the database {source_path} does not exist")
    if destination.exists() and destination.resolve() == source_path.resolve():
        raise BackupError("the destination is the database itself")
    partial = destination.with_name(f".{destination.name}.partial")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.close(descriptor)
    source = sqlite3.connect(f"file:{source_path}?mode=ro", uri=True, timeout=30)
    target = sqlite3.connect(partial)
    try:
        state = {"pages": 0}

        def step(status: int, remaining: int, total: int) -> None:
            state["pages"] = total
            if progress is not None:
                progress(total - remaining, total)

        source.backup(target, pages=pages_per_step, progress=step)
        target.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
    except BaseException:
        target.close()
        partial.unlink(missing_ok=True)
        raise
    finally:
        source.close()
    target.close()
    os.replace(partial, destination)
    return BackupDone(destination, state["pages"], destination.stat().st_size)
