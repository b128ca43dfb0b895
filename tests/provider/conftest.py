"""Fixtures for the provider's tests: in-process handlers and an admin client, on the
session's SQLite key service.

The acceptance tests (``tests/provider/acceptance``) add the real ``terraform``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from keyhouse_client import Keyhouse
from tests.provider.harness.inprocess import Harness
from tests.support.keyhouse_server import KeyhouseServer


@pytest.fixture
def new_harness(sqlite_service: KeyhouseServer) -> Iterator[Callable[[], Harness]]:
    """Make provider handlers configured with the admin's key: each like a new process."""
    made: list[Harness] = []

    def make() -> Harness:
        h = Harness(sqlite_service.url, sqlite_service.admin_key)
        assert not h.configure_diagnostics, h.configure_diagnostics
        made.append(h)
        return h

    yield make
    for h in made:
        h.close()


@pytest.fixture
def harness(new_harness: Callable[[], Harness]) -> Harness:
    """The provider's handlers, configured with the admin's key."""
    return new_harness()


@pytest.fixture
def kh(sqlite_service: KeyhouseServer) -> Iterator[Keyhouse]:
    """The admin's client, for checks and for changes made outside Terraform."""
    with Keyhouse(base_url=sqlite_service.url, api_key=sqlite_service.admin_key) as client:
        yield client
