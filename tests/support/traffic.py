"""Steady client traffic against a live service, recording every answer, for fault tests.

Each worker keeps one keep-alive connection (an ``httpx.Client``) and loops:
read its secret's value (audited, so it writes too), then replace the value.
A connection the server drops without saying so shows up as a transport error
on the next request, which is exactly what the fault tests look for.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

import httpx

from tests.support.actors import client, expect, unique
from tests.support.keyhouse_server import SECRET_MARKER


@dataclass(frozen=True)
class Outcome:
    """One request: when it started and ended, and what came back (status 0: no answer)."""

    started: float
    ended: float
    operation: str
    status: int
    content_type: str = ""
    retry_after: str | None = None
    body: str = ""
    error: str | None = None


@dataclass
class Traffic:
    """Workers looping over reads and writes until ``stop``."""

    url: str
    key: str = field(repr=False)
    workers: int = 4
    value_size: int = 64
    outcomes: list[Outcome] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _threads: list[threading.Thread] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self) -> Traffic:
        """Create one secret per worker, then start the workers."""
        with client(self.url, self.key) as http:
            ids = [
                expect(
                    http.post("/api/v1/secrets", json={"name": unique("load"), "value": "v"}), 201
                )["id"]
                for _ in range(self.workers)
            ]
        for secret_id in ids:
            thread = threading.Thread(target=self._work, args=(secret_id,), daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def stop(self) -> list[Outcome]:
        """Stop the workers; every outcome, in order of start."""
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=60)
        return sorted(self.outcomes, key=lambda o: o.started)

    def _work(self, secret_id: str) -> None:
        value = SECRET_MARKER + "x" * self.value_size
        with client(self.url, self.key) as http:
            n = 0
            while not self._stop.is_set():
                n += 1
                if n % 2:
                    self._one(http, "read", "GET", f"/api/v1/secrets/{secret_id}/value", None)
                else:
                    body = {"value": f"{n}{value}"[: self.value_size]}
                    self._one(http, "write", "PUT", f"/api/v1/secrets/{secret_id}/value", body)

    def _one(
        self, http: httpx.Client, operation: str, method: str, path: str, body: object
    ) -> None:
        started = time.monotonic()
        try:
            answer = http.request(method, path, json=body, timeout=15)
        except httpx.TransportError as exc:
            outcome = Outcome(started, time.monotonic(), operation, 0, error=type(exc).__name__)
            time.sleep(0.01)
        else:
            outcome = Outcome(
                started,
                time.monotonic(),
                operation,
                answer.status_code,
                answer.headers.get("content-type", ""),
                answer.headers.get("retry-after"),
                answer.text if answer.status_code >= 300 else "",
            )
            if answer.status_code >= 500:
                time.sleep(0.01)  # as a client honouring a short Retry-After would
        with self._lock:
            self.outcomes.append(outcome)


def assert_clean_degradation(outcomes: list[Outcome], storage_statuses: set[int]) -> None:
    """Every answer is a success or a storage problem with Retry-After; no connection dropped."""
    dropped = [o for o in outcomes if o.status == 0]
    assert not dropped, f"{len(dropped)} requests got no answer: {dropped[:3]}"
    for outcome in outcomes:
        if outcome.status in (200, 201):
            continue
        assert outcome.status in storage_statuses, outcome
        assert outcome.content_type == "application/problem+json", outcome
        assert outcome.retry_after is not None, outcome
        assert "storage" in outcome.body, outcome
