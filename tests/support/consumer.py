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

import pytest

from keyhouse_client import NO_RETRIES, AuthenticationError, Keyhouse, KeyhouseError


@dataclass
class ConsumerReport:
    """What the consumer did: calls made, calls failed (with why), keys seen (by id)."""

    calls: int = 0
    failures: list[str] = field(default_factory=list)
    keys_seen: Counter[str] = field(default_factory=Counter)

    def assert_unbroken(self, old_id: str, new_id: str) -> None:
        """Not one call failed, in a run long enough to mean something, across both keys."""
        assert self.failures == []
        assert self.calls >= 20
        assert set(self.keys_seen) == {old_id, new_id}


def assert_rolled_then_expired(
    kh: Keyhouse, url: str, old_key: str, old_id: str, new_id: str
) -> None:
    """The old key lists as rolled into ``new_id``; once its overlap is over, it is 401
    expired (this waits for that)."""
    old = kh.api_keys.get(key_id=old_id)
    answered = time.time()
    assert old.replaced_by == new_id
    if answered < old.expires_at.timestamp():
        assert old.status == "rolled"
    else:  # a loaded machine got here after the overlap: the answer may be either
        assert old.status in ("rolled", "expired")
    time.sleep(max(0.0, old.expires_at.timestamp() - time.time()) + 0.5)
    with (
        Keyhouse(base_url=url, api_key=old_key) as stale,
        pytest.raises(AuthenticationError) as refused,
    ):
        stale.keys.whoami()
    assert (refused.value.status, refused.value.reason) == (401, "expired")


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
            read = held.secrets.get_value(secret_id=self._secret_id).value.get_secret_value()
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
