"""SQLite writers wait their turn in the process (keyhouse.core.writer_queue), not in SQLite."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event, text

from keyhouse.core.db import make_engine


def _journal(engine: Engine) -> list[tuple[str, str]]:
    """(thread, event) for every statement sent and every connection given back."""
    entries: list[tuple[str, str]] = []

    @event.listens_for(engine, "before_cursor_execute")
    def _sent(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        entries.append((threading.current_thread().name, statement.split()[0].upper()))

    @event.listens_for(engine, "checkin")
    def _returned(*_args: Any) -> None:
        entries.append((threading.current_thread().name, "returned"))

    return entries


def test_a_second_writer_sends_begin_only_after_the_first_has_committed(tmp_path: Path) -> None:
    # GIVEN a writer engine and a transaction that holds the write turn
    engine = make_engine(f"sqlite:///{tmp_path / 'queue.db'}")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE t (n INTEGER)"))
    journal = _journal(engine)
    first_began, second_queued = threading.Event(), threading.Event()

    def first() -> None:
        with engine.begin() as connection:
            connection.execute(text("INSERT INTO t VALUES (1)"))
            first_began.set()
            second_queued.wait(5)
            time.sleep(0.3)  # time for the second writer to reach its BEGIN

    def second() -> None:
        first_began.wait(5)
        second_queued.set()
        with engine.begin() as connection:
            connection.execute(text("INSERT INTO t VALUES (2)"))

    threads = [threading.Thread(target=f, name=f.__name__) for f in (first, second)]
    # WHEN a second writer starts while the first one holds its transaction open
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)

    # THEN the second writer's BEGIN IMMEDIATE reaches SQLite only once the first
    # has committed and given its connection back: it waited in the process's
    # FIFO queue, not in SQLite's busy handler (which polls on a sleep schedule)
    seconds_begin = journal.index(("second", "BEGIN"))
    assert ("first", "returned") in journal[:seconds_begin], journal
    with engine.connect() as connection:
        assert connection.execute(text("SELECT n FROM t ORDER BY n")).scalars().all() == [1, 2]
    engine.dispose()
