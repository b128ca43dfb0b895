"""One SQLite writer at a time inside the process, in arrival order.

SQLite lets one transaction write at a time. Left to SQLite, waiting writers
poll for the lock on its busy-handler schedule (sleeps growing to 100 ms), so
under load a few writers wait ten or a hundred times longer than the rest.
Queued here instead, each writer starts the moment the previous one
finishes, first come first served. (Other processes on the same file still
meet SQLite's busy timeout.)
"""

from __future__ import annotations

import threading
from collections import deque
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy import exc as sa_exc


class FifoLock:
    """A lock handed to its waiters in the order they asked for it."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._waiters: deque[threading.Event] = deque()
        self._held = False

    def acquire(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds for the lock; whether it was taken."""
        with self._guard:
            if not self._held and not self._waiters:
                self._held = True
                return True
            turn = threading.Event()
            self._waiters.append(turn)
        if turn.wait(timeout):
            return True
        with self._guard:
            if turn.is_set():  # handed over just as the wait ended
                return True
            self._waiters.remove(turn)
            return False

    def release(self) -> None:
        """Hand the lock to the longest waiter, or free it."""
        with self._guard:
            if self._waiters:
                self._waiters.popleft().set()  # stays held: it passes to that waiter
            else:
                self._held = False


def queue_writers(engine: Engine, begin_sql: str, timeout_seconds: float = 30.0) -> FifoLock:
    """Each transaction on ``engine`` waits its turn in one FIFO queue, then sends ``begin_sql``.

    Taking the turn and sending ``BEGIN IMMEDIATE`` are one hook, in that
    order: SQLAlchemy calls an engine's "begin" listeners in the order they
    were registered (``insert=True`` is not honoured there), and a turn taken
    after the BEGIN would leave the waiting to SQLite's busy handler again.
    The turn is given back when the connection returns to the pool, which a
    session does right after its commit or rollback has completed
    (SQLAlchemy's own "commit" event comes before the commit, when the next
    writer would still meet SQLite's lock). Returns the queue's lock.
    """
    lock = FifoLock()
    holder = "keyhouse_writer_turn"

    @event.listens_for(engine, "begin")
    def _take_turn_then_begin(connection: Any) -> None:
        if not connection.info.get(holder):  # else a second transaction on the same checkout
            if not lock.acquire(timeout_seconds):
                raise sa_exc.TimeoutError(
                    f"no turn to write within {timeout_seconds:.0f} s: the database is busy"
                )
            connection.info[holder] = True
        connection.exec_driver_sql(begin_sql)

    @event.listens_for(engine, "checkin")
    def _returned(dbapi_connection: Any, record: Any) -> None:
        if record.info.pop(holder, False):
            lock.release()

    return lock
