"""``keyhouse master-key rotate`` while the service serves reads and writes: no failed
request, every data key re-wrapped, API keys still valid, the old master key unnecessary."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.cli.conftest import KEYHOUSE
from tests.support.actors import client, expect, unique
from tests.support.keyhouse_server import SECRET_MARKER, KeyhouseServer, server_env, start_server
from tests.support.postgres import PostgresServer
from tests.support.traffic import Traffic


def _rotate(service: KeyhouseServer) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(KEYHOUSE), "master-key", "rotate"],
        env=server_env(service.database_url, service.directory),
        cwd=service.directory,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_rotation_under_load_fails_nothing_and_retires_the_old_key(
    backend: str, tmp_path: Path, postgres: PostgresServer
) -> None:
    url = (
        f"sqlite:///{tmp_path / 'live' / 'keyhouse.db'}"
        if backend == "sqlite"
        else postgres.create_database(f"rotate_{unique('db').replace('-', '_')}")
    )
    service = start_server(backend, url, tmp_path / "live")
    key_file = service.directory / "master.key"
    old_key = key_file.read_text()
    try:
        # GIVEN secrets, a stored idempotent response, and reads and writes going on
        with client(service.url, service.admin_key) as http:
            known = {}
            for n in range(30):
                name, value = unique("rot"), f"{SECRET_MARKER}-{n}"
                expect(http.post("/api/v1/secrets", json={"name": name, "value": value}), 201)
                known[name] = value
            replayed = {"name": unique("idem"), "value": "first"}
            idem = {"Idempotency-Key": unique("k")}
            first = expect(http.post("/api/v1/secrets", json=replayed, headers=idem), 201)
        traffic = Traffic(service.url, service.admin_key, workers=4).start()

        # WHEN the operator rotates the master key
        done = _rotate(service)
        with client(service.url, service.admin_key) as http:
            again = expect(http.post("/api/v1/secrets", json=replayed, headers=idem), 201)
            after_rotation = expect(
                http.post("/api/v1/secrets", json={"name": unique("new"), "value": "n"}), 201
            )
        outcomes = traffic.stop()
    finally:
        service.stop()

    # THEN it succeeded with no failed request meanwhile
    assert done.returncode == 0, done.stderr
    assert "Rotated to master key version 2" in done.stderr
    assert outcomes
    assert [o for o in outcomes if o.status != 200] == []
    assert again["id"] == first["id"]  # the stored response still opens
    # the key file holds the new key alone, and every row is wrapped under it
    new_key = key_file.read_text()
    assert new_key.startswith("2:")
    assert new_key.count("\n") == 1
    assert old_key.strip() not in new_key
    engine = create_engine(url)
    with engine.connect() as connection:
        versions = {row[0] for row in connection.execute(text("SELECT key_version FROM secrets"))}
    engine.dispose()
    assert versions == {2}

    # WHEN the service starts again with only the new key
    restarted = start_server(backend, url, service.directory)
    try:
        # THEN the old API key authenticates and every secret reads back
        with client(restarted.url, service.admin_key) as http:
            expect(http.get("/api/v1/whoami"), 200)
            names = {}
            cursor = None
            while True:
                params: dict[str, str | int] = {"limit": 200}
                if cursor:
                    params["cursor"] = cursor
                page = expect(http.get("/api/v1/secrets", params=params), 200)
                names.update({s["name"]: s["id"] for s in page["data"]})
                cursor = page["next_cursor"]
                if cursor is None:
                    break
            assert after_rotation["name"] in names
            for name, secret_id in names.items():
                value = expect(http.get(f"/api/v1/secrets/{secret_id}/value"), 200)["value"]
                if name in known and value != known[name]:
                    raise AssertionError(f"{name} reads back another value after rotation")
    finally:
        restarted.stop()
