"""PostgreSQL replicas cache key rows; every change still takes effect everywhere.

Two key services share one PostgreSQL database, as replicas behind a load
balancer would. Revocations and scope changes made through one must show on
the other without waiting for the cache to expire.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine, create_engine, text, update

from keyhouse.models import ApiKey, utcnow
from tests.support.actors import Actor, client, expect, make_user
from tests.support.keyhouse_server import KeyhouseServer, start_server


def replica_of(primary: KeyhouseServer, directory: Path, **env: str) -> Iterator[KeyhouseServer]:
    """Another service on the primary's database, with the same master key."""
    directory.mkdir()
    shutil.copy(primary.directory / "master.key", directory / "master.key")
    server = start_server("postgres", primary.database_url, directory, **env)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def replica(
    postgres_service: KeyhouseServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[KeyhouseServer]:
    yield from replica_of(postgres_service, tmp_path_factory.mktemp("replica") / "r")


@pytest.fixture(scope="module")
def short_ttl_replica(
    postgres_service: KeyhouseServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[KeyhouseServer]:
    yield from replica_of(
        postgres_service,
        tmp_path_factory.mktemp("short-ttl") / "r",
        KEYHOUSE_KEY_CACHE_SECONDS="1",
    )


@pytest.fixture
def primary_admin(postgres_service: KeyhouseServer) -> Iterator[httpx.Client]:
    with client(postgres_service.url, postgres_service.admin_key) as http:
        yield http


@pytest.fixture
def member(postgres_service: KeyhouseServer, primary_admin: httpx.Client) -> Actor:
    return make_user(primary_admin, postgres_service.url)


@pytest.fixture
def pg(postgres_service: KeyhouseServer) -> Iterator[Engine]:
    engine = create_engine(postgres_service.database_url)
    yield engine
    engine.dispose()


def whoami(server: KeyhouseServer, key: str) -> httpx.Response:
    return httpx.get(f"{server.url}/api/v1/whoami", headers={"x-api-key": key}, timeout=10)


def eventually(check: Callable[[], bool], what: str, seconds: float = 5) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, f"{what} did not happen within {seconds} s"
        time.sleep(0.05)


def test_a_revocation_reaches_the_other_replica(
    postgres_service: KeyhouseServer, replica: KeyhouseServer, member: Actor
) -> None:
    for _ in range(3):  # now the replica has the key cached
        expect(whoami(replica, member.key), 200)
    expect(member.post(f"/api/v1/api-keys/{member.key_id}/revoke"), 200)
    eventually(lambda: whoami(replica, member.key).status_code == 401, "revocation on the replica")
    assert whoami(replica, member.key).json()["reason"] == "revoked"


def test_new_scopes_reach_the_other_replica(replica: KeyhouseServer, member: Actor) -> None:
    assert "job" in expect(whoami(replica, member.key), 200)["key"]["scopes"]
    expect(member.patch(f"/api/v1/api-keys/{member.key_id}", json={"scopes": ["keys"]}), 200)
    eventually(
        lambda: whoami(replica, member.key).json()["key"]["scopes"] == ["keys"],
        "the scope change on the replica",
    )


def test_the_replica_that_revokes_refuses_at_once(
    member: Actor, primary_admin: httpx.Client
) -> None:
    keys = []
    for index in range(10):
        created = expect(
            member.post("/api/v1/api-keys", json={"name": f"at-once-{index}", "scopes": ["keys"]}),
            201,
        )
        keys.append(created)
    for created in keys:
        with client(str(member.http.base_url), created["key"]) as own:
            expect(own.get("/api/v1/whoami"), 200)  # cached
            expect(own.post(f"/api/v1/api-keys/{created['id']}/revoke"), 200)
            assert expect(own.get("/api/v1/whoami"), 401)["reason"] == "revoked"


def test_a_deleted_owner_is_refused_on_every_replica(
    replica: KeyhouseServer, member: Actor, primary_admin: httpx.Client
) -> None:
    expect(whoami(replica, member.key), 200)
    expect(primary_admin.delete(f"/api/v1/users/{member.name}"), 204)
    eventually(lambda: whoami(replica, member.key).status_code == 401, "refusal on the replica")


def test_a_lost_listener_stops_the_cache(
    postgres_service: KeyhouseServer, member: Actor, pg: Engine
) -> None:
    expect(member.get("/api/v1/whoami"), 200)  # cached on the primary
    with pg.begin() as connection:
        cut = connection.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE query LIKE 'LISTEN keyhouse_auth%' AND datname = current_database()"
            )
        ).all()
    assert cut, "no key cache listener was connected"
    # Revoked behind the service's back, with no notification: only a cache that
    # stopped answering when its listener went away can see it before the TTL.
    with pg.begin() as connection:
        connection.execute(
            update(ApiKey).where(ApiKey.id == member.key_id).values(revoked_at=utcnow())
        )
    eventually(
        lambda: member.get("/api/v1/whoami").status_code == 401, "refusal without the listener"
    )


def test_silent_database_edits_show_within_the_ttl(
    short_ttl_replica: KeyhouseServer, member: Actor, pg: Engine
) -> None:
    expect(whoami(short_ttl_replica, member.key), 200)
    with pg.begin() as connection:
        connection.execute(
            update(ApiKey).where(ApiKey.id == member.key_id).values(revoked_at=utcnow())
        )
    eventually(
        lambda: whoami(short_ttl_replica, member.key).status_code == 401,
        "the edit after the 1 s TTL",
    )
