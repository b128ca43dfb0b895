"""Retries against a real HTTP server that fails on cue, in front of the real key service."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator

import pytest

from keyhouse_client import (
    AsyncKeyhouse,
    Keyhouse,
    RateLimitError,
    RetryPolicy,
    ServerError,
    TransportError,
)
from tests.support.actors import unique
from tests.support.flaky_proxy import (
    HANG_UP,
    LOSE_RESPONSE,
    FlakyProxy,
    fail,
    start_proxy,
    stop_proxy,
)
from tests.support.keyhouse_server import KeyhouseServer

FAST = RetryPolicy(max_retries=3, backoff_base=0.2, backoff_max=2.0, max_elapsed=30)


@pytest.fixture(scope="module")
def proxy(sqlite_service: KeyhouseServer) -> Iterator[FlakyProxy]:
    running = start_proxy(sqlite_service.url)
    yield running
    stop_proxy(running)


@pytest.fixture
def kh(proxy: FlakyProxy, sqlite_service: KeyhouseServer) -> Iterator[Keyhouse]:
    with Keyhouse(base_url=proxy.url, api_key=sqlite_service.admin_key, retry=FAST) as client:
        yield client


def count_keys(service: KeyhouseServer, name: str) -> int:
    with Keyhouse(base_url=service.url, api_key=service.admin_key) as direct:
        return len(direct.api_keys.list(name=name).data)


def test_backoff_grows_between_attempts(proxy: FlakyProxy, kh: Keyhouse) -> None:
    proxy.plan(fail(503), fail(503))
    response = kh.keys.with_response.whoami()
    assert response.status_code == 200
    assert response.attempts == 3
    assert len(proxy.seen) == 3
    first, second = proxy.gaps()
    # Waits lie between half and all of 0.2 s, then of 0.4 s.
    assert first >= 0.1
    assert second >= 0.2


def test_retry_after_is_honoured(proxy: FlakyProxy, sqlite_service: KeyhouseServer) -> None:
    quick = RetryPolicy(max_retries=2, backoff_base=0.01)
    with Keyhouse(base_url=proxy.url, api_key=sqlite_service.admin_key, retry=quick) as kh:
        proxy.plan(fail(429, retry_after="1"))
        assert kh.keys.whoami().principal.name == "admin"
    assert len(proxy.seen) == 2
    assert proxy.gaps()[0] >= 1.0


def test_a_create_whose_answer_is_lost_makes_one_key(
    proxy: FlakyProxy, kh: Keyhouse, sqlite_service: KeyhouseServer
) -> None:
    name = unique("lost-answer")
    proxy.plan(LOSE_RESPONSE)
    response = kh.api_keys.with_response.create(name=name, scopes=["job"])
    assert response.attempts == 2
    assert response.headers["idempotent-replayed"] == "true"
    keys = [seen.headers.get("Idempotency-Key") for seen in proxy.seen]
    assert len(keys) == 2
    assert keys[0]
    assert keys[0] == keys[1]
    assert count_keys(sqlite_service, name) == 1
    assert response.parsed.name == name
    with Keyhouse(base_url=sqlite_service.url, api_key=response.parsed.key) as new:
        assert new.keys.whoami().key.id == response.parsed.id


def test_each_logical_create_gets_its_own_key(proxy: FlakyProxy, kh: Keyhouse) -> None:
    proxy.plan()
    kh.api_keys.create(name=unique("one"), scopes=["job"])
    kh.api_keys.create(name=unique("two"), scopes=["job"])
    first, second = (seen.headers.get("Idempotency-Key") for seen in proxy.seen)
    assert first
    assert second
    assert first != second


def test_an_explicit_idempotency_key_replays_across_calls(
    kh: Keyhouse, sqlite_service: KeyhouseServer
) -> None:
    name, key = unique("explicit"), unique("idem")
    first = kh.api_keys.create(name=name, scopes=["job"], idempotency_key=key)
    again = kh.api_keys.create(name=name, scopes=["job"], idempotency_key=key)
    assert again.id == first.id
    assert count_keys(sqlite_service, name) == 1


def test_a_hang_up_is_retried(proxy: FlakyProxy, kh: Keyhouse) -> None:
    proxy.plan(HANG_UP)
    assert kh.scopes.with_response.list().attempts == 2


def test_attempts_are_bounded(proxy: FlakyProxy, kh: Keyhouse) -> None:
    proxy.plan(*[fail(503)] * 10)
    with pytest.raises(ServerError) as raised:
        kh.keys.whoami()
    assert raised.value.status == 503
    assert len(proxy.seen) == FAST.max_retries + 1


def test_total_time_is_bounded(proxy: FlakyProxy, sqlite_service: KeyhouseServer) -> None:
    # The first wait (0.5 to 1 s) would pass the 0.3 s budget: no retry at all.
    tight = RetryPolicy(max_retries=5, backoff_base=1.0, max_elapsed=0.3)
    with Keyhouse(base_url=proxy.url, api_key=sqlite_service.admin_key, retry=tight) as kh:
        proxy.plan(fail(503), fail(503))
        with pytest.raises(ServerError):
            kh.keys.whoami()
    assert len(proxy.seen) == 1


def test_a_retry_after_beyond_the_budget_is_not_waited_for(
    proxy: FlakyProxy, sqlite_service: KeyhouseServer
) -> None:
    budget = RetryPolicy(max_retries=3, max_elapsed=2.0)
    with Keyhouse(base_url=proxy.url, api_key=sqlite_service.admin_key, retry=budget) as kh:
        proxy.plan(fail(429, retry_after="60"))
        with pytest.raises(RateLimitError) as raised:
            kh.keys.whoami()
    assert raised.value.retry_after == 60
    assert len(proxy.seen) == 1


def test_unsafe_calls_are_not_repeated_after_a_server_error(
    proxy: FlakyProxy, kh: Keyhouse
) -> None:
    secret = kh.secrets.create(name=unique("versions"), value="v1")
    # Each PUT of a value makes a version: after a 503 the client cannot know
    # whether it happened, so it does not repeat it.
    proxy.plan(fail(503))
    with pytest.raises(ServerError):
        kh.secrets.put_value(secret_id=secret.id, value="v2")
    assert len(proxy.seen) == 1
    # A 429 was refused before any work, so even an unsafe call tries again.
    proxy.plan(fail(429, retry_after="0"))
    updated = kh.secrets.with_response.put_value(secret_id=secret.id, value="v2")
    assert updated.attempts == 2
    assert updated.parsed.version == 2


def test_unreachable_service_is_a_transport_error(sqlite_service: KeyhouseServer) -> None:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    quick = RetryPolicy(max_retries=2, backoff_base=0.01)
    with (
        Keyhouse(
            base_url=f"http://127.0.0.1:{port}", api_key=sqlite_service.admin_key, retry=quick
        ) as kh,
        pytest.raises(TransportError) as raised,
    ):
        kh.keys.whoami()
    assert "3 attempt(s)" in str(raised.value)
    assert sqlite_service.admin_key not in str(raised.value) + repr(raised.value)


def test_async_client_retries_the_same_way(
    proxy: FlakyProxy, sqlite_service: KeyhouseServer
) -> None:
    name = unique("async-lost")

    async def run() -> tuple[int, int]:
        async with AsyncKeyhouse(
            base_url=proxy.url, api_key=sqlite_service.admin_key, retry=FAST
        ) as akh:
            proxy.plan(fail(503), LOSE_RESPONSE)
            created = await akh.api_keys.with_response.create(name=name, scopes=["job"])
            proxy.plan(fail(429, retry_after="1"))
            who = await akh.keys.with_response.whoami()
            return created.attempts, who.attempts

    created_attempts, whoami_attempts = asyncio.run(run())
    assert created_attempts == 3
    assert whoami_attempts == 2
    assert proxy.gaps()[0] >= 1.0
    assert count_keys(sqlite_service, name) == 1
