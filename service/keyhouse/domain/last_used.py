"""Batched ``last_used_at`` updates, so that authenticating never writes per call."""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta

from sqlalchemy import or_, update
from sqlalchemy.orm import Session, sessionmaker

from keyhouse.core.storage import classify
from keyhouse.models import ApiKey, utcnow

log = logging.getLogger(__name__)


class LastUsedTracker:
    """Remembers when keys were used and writes that in batches.

    A key is written at most once per ``write_interval``: the in-memory record
    skips keys written recently, and the UPDATE itself only touches rows whose
    stored time is older than the interval, so replicas behind a load balancer
    keep the same bound.
    """

    def __init__(
        self,
        sessions: sessionmaker[Session],
        *,
        flush_seconds: float,
        write_interval_seconds: float,
    ) -> None:
        self._sessions = sessions
        self._flush_seconds = flush_seconds
        self._interval = timedelta(seconds=write_interval_seconds)
        self._pending: dict[str, datetime] = {}
        self._written: dict[str, datetime] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def touch(self, key_id: str, when: datetime) -> None:
        """Note that ``key_id`` was used at ``when`` (no database work)."""
        written = self._written.get(key_id)
        if written is not None and when - written < self._interval:
            return
        with self._lock:
            self._pending[key_id] = when

    def flush(self) -> int:
        """Write pending uses now; returns the number of rows changed."""
        with self._lock:
            batch, self._pending = self._pending, {}
        if not batch:
            return 0
        try:
            changed = self._write(batch)
        except Exception:
            with self._lock:
                for key_id, when in batch.items():
                    self._pending.setdefault(key_id, when)
            raise
        now = utcnow()
        with self._lock:
            for key_id, when in batch.items():
                self._written[key_id] = when
            # Forget entries older than the interval so the map stays small.
            cutoff = now - self._interval
            self._written = {k: v for k, v in self._written.items() if v > cutoff}
        return changed

    def _write(self, batch: dict[str, datetime]) -> int:
        changed = 0
        with self._sessions() as session, session.begin():
            for key_id, when in batch.items():
                result = session.execute(
                    update(ApiKey)
                    .where(ApiKey.id == key_id)
                    .where(
                        or_(
                            ApiKey.last_used_at.is_(None),
                            ApiKey.last_used_at <= when - self._interval,
                        )
                    )
                    .values(last_used_at=when)
                    .execution_options(synchronize_session=False)
                )
                changed += int(getattr(result, "rowcount", 0) or 0)
        return changed

    def start(self) -> None:
        """Start the background flusher thread."""
        self._thread = threading.Thread(target=self._run, name="last-used-flusher", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop the flusher and write whatever is pending."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self.flush()

    def _run(self) -> None:
        while not self._stop.wait(self._flush_seconds):
            try:
                self.flush()
            except Exception as exc:  # keep flushing after a transient database error
                fault = classify(exc)
                if fault is None:
                    log.exception("writing last_used_at failed; will retry")
                else:
                    log.warning("writing last_used_at failed (%s); will retry", fault.cause)
