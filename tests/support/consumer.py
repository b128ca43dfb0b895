"""A consumer of a key kept in a secret, the way a cluster uses one: it reads the key from
the secret with the key it holds, and calls the service with it, every 100 ms.

It proves the promise of a rotation: however the key is rolled, not one call fails.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from types import TracebackType

from keyhouse_client import NO_RETRIES, Keyhouse, KeyhouseError


@dataclass
class ConsumerReport:
    """What the consumer did: calls made, calls failed (with why), keys seen (by id)."""

    calls: int = 0
    failures: list[str] = field(default_factory=list)
    keys_seen: Counter[str] = field(default_factory=Counter)


class SecretConsumer:
    """Runs in a thread from ``with`` to its end; ``report`` says how it went.

    Each round re-reads the secret (with the key read last time) and calls
    ``whoami`` with what it read: the consumer's side the README describes,
    re-reading on a schedule much shorter than the overlap. No retries: a
    failed call is a failure.
    """

    def __init__(self, url: str, secret_id: str, key: str, period: float = 0.1) -> None:
        self._url = url
        self._secret_id = secret_id
        self._key = key
        self._period = period
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="consumer", daemon=True)
        self.report = ConsumerReport()

    def __enter__(self) -> SecretConsumer:
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._thread.join(timeout=30)

    def wait_for(self, key_id: str, timeout: float) -> bool:
        """Wait until the consumer has called the service with ``key_id``."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.report.keys_seen[key_id]:
                return True
            time.sleep(self._period)
        return False

    def _round(self) -> None:
        with Keyhouse(base_url=self._url, api_key=self._key, retry=NO_RETRIES) as held:
            read = held.secrets.get_value(secret_id=self._secret_id).value
        with Keyhouse(base_url=self._url, api_key=read, retry=NO_RETRIES) as fresh:
            me = fresh.keys.whoami()
        self._key = read
        self.report.keys_seen[me.key.id] += 1

    def _run(self) -> None:
        while not self._stop.is_set():
            started = time.monotonic()
            self.report.calls += 1
            try:
                self._round()
            except KeyhouseError as error:  # the message names no key or value
                self.report.failures.append(f"{type(error).__name__}: {error}")
            self._stop.wait(max(0.0, self._period - (time.monotonic() - started)))
