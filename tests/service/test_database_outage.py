"""PostgreSQL going away under traffic: 503s with Retry-After meanwhile, never a 500 or a
dropped connection, and service again within a second of the database answering.

The server here is the module's own (restarting the session's would disturb
other tests): a real PostgreSQL restarted with ``pg_ctl``.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest

from tests.support.keyhouse_server import KeyhouseServer, start_server
from tests.support.postgres import PostgresServer, start_postgres
from tests.support.traffic import Outcome, Traffic, assert_clean_degradation

RECOVERY_GOAL_SECONDS = 1.0
DOWN_SECONDS = 5.0


@pytest.fixture(scope="module")
def database() -> Iterator[PostgresServer]:
    server = start_postgres()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def service(
    tmp_path_factory: pytest.TempPathFactory, database: PostgresServer
) -> Iterator[KeyhouseServer]:
    server = start_server(
        "postgres", database.create_database("outage"), tmp_path_factory.mktemp("outage")
    )
    yield server
    server.stop()


def _recovery(outcomes: list[Outcome], back_at: float) -> float:
    """Seconds from ``back_at`` until a request started after it succeeded."""
    after = [o.ended for o in outcomes if o.started >= back_at and o.status == 200]
    assert after, "no request succeeded after the database was back"
    return min(after) - back_at


@pytest.mark.parametrize("mode", ["fast", "immediate"])
def test_a_restart_answers_503_and_recovers_by_itself(
    service: KeyhouseServer, database: PostgresServer, mode: str
) -> None:
    # GIVEN steady reads and writes
    traffic = Traffic(service.url, service.admin_key).start()
    time.sleep(0.5)

    # WHEN PostgreSQL restarts (fast: sessions ended; immediate: as after a crash)
    database.restart(mode)
    back_at = time.monotonic()
    time.sleep(RECOVERY_GOAL_SECONDS + 0.5)
    outcomes = traffic.stop()

    # THEN nothing but successes and 503 storage problems, and service again within 1 s
    assert_clean_degradation(outcomes, {503})
    assert _recovery(outcomes, back_at) < RECOVERY_GOAL_SECONDS
    assert "storage fault" in service.log() or all(o.status == 200 for o in outcomes)
    assert "Traceback" not in service.log()


def test_a_database_down_for_a_while_is_a_503_then_ready_again(
    service: KeyhouseServer, database: PostgresServer
) -> None:
    # GIVEN steady reads and writes, and a ready replica
    assert httpx.get(f"{service.url}/readyz").status_code == 200
    earlier_log = len(service.log())  # the restart tests' faults are not this one's
    traffic = Traffic(service.url, service.admin_key).start()
    time.sleep(0.3)

    # WHEN PostgreSQL is down for five seconds (the scenario)
    database.halt()
    time.sleep(1.0)
    ready_while_down = httpx.get(f"{service.url}/readyz")
    alive_while_down = httpx.get(f"{service.url}/healthz")
    time.sleep(DOWN_SECONDS - 1.0)
    database.start()
    back_at = time.monotonic()
    time.sleep(RECOVERY_GOAL_SECONDS + 0.5)
    outcomes = traffic.stop()

    # THEN the requests meanwhile got 503 (with Retry-After, naming storage), not 500
    down = [o for o in outcomes if o.started < back_at - 0.5 and o.status != 200]
    assert len(down) > 10, "the outage did not reach the service"
    assert_clean_degradation(outcomes, {503})
    # the replica said it was alive but not ready, and is ready again now
    assert alive_while_down.status_code == 200
    assert ready_while_down.status_code == 503
    assert ready_while_down.headers["retry-after"]
    assert ready_while_down.json()["checks"]["database"] == "failing"
    assert _recovery(outcomes, back_at) < RECOVERY_GOAL_SECONDS
    deadline = time.monotonic() + 5
    while httpx.get(f"{service.url}/readyz").status_code != 200:
        assert time.monotonic() < deadline, "not ready 5 s after the database came back"
        time.sleep(0.1)
    # the fault was logged once with its cause, not once per request, and with no traceback
    log = service.log()[earlier_log:]
    faults = [line for line in log.splitlines() if '"logger": "keyhouse.storage"' in line]
    assert 0 < log.count("storage fault: PostgreSQL") <= 3, "\n".join(faults)
    assert "Traceback" not in log
