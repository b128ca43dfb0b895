"""The contract run's service, principals and tally of cases."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest

from tests.support.actors import ALL_SCOPES, client, expect
from tests.support.keyhouse_server import KeyhouseServer, start_server

CASES: Counter[str] = Counter()
"""Cases the contract run generated, per principal."""
STARTED: list[float] = []


@dataclass(frozen=True)
class Principal:
    """Whom a contract run acts as: a user and one API key of theirs."""

    label: str
    user: str
    key_id: str
    key: str = field(repr=False)


@pytest.fixture(scope="package")
def contract_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KeyhouseServer]:
    """A service of the run's own: fuzzing fills it with objects no other test should see."""
    directory = tmp_path_factory.mktemp("contract")
    server = start_server("sqlite", f"sqlite:///{directory / 'keyhouse.db'}", directory)
    STARTED.append(time.monotonic())
    yield server
    server.stop()


@pytest.fixture(scope="package")
def contract_admin(contract_service: KeyhouseServer) -> Principal:
    """The bootstrap admin and its key."""
    with client(contract_service.url, contract_service.admin_key) as http:
        me = expect(http.get("/api/v1/whoami"), 200)
    return Principal("admin", me["principal"]["name"], me["key"]["id"], contract_service.admin_key)


@pytest.fixture(scope="package")
def contract_user(contract_service: KeyhouseServer) -> Principal:
    """An ordinary user with every scope an ordinary user may hold."""
    with client(contract_service.url, contract_service.admin_key) as http:
        expect(http.post("/api/v1/users", json={"name": "contract-user"}), 201)
        body = {"name": "contract", "scopes": ALL_SCOPES, "owner_user": "contract-user"}
        created = expect(http.post("/api/v1/api-keys", json=body), 201)
    return Principal("user", "contract-user", created["id"], created["key"])


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not CASES:
        return
    seconds = time.monotonic() - STARTED[0] if STARTED else 0.0
    parts = ", ".join(f"{name} {count}" for name, count in sorted(CASES.items()))
    terminalreporter.write_line(
        f"contract run: {sum(CASES.values())} cases in {seconds:.0f} s ({parts})"
    )
