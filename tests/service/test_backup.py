"""``keyhouse backup`` under write load, restored into a second service that reads every
secret back (the README's restore drill, as a user runs it)."""

from __future__ import annotations

import shutil
import stat
import subprocess
from pathlib import Path

from tests.cli.conftest import KEYHOUSE
from tests.support.actors import client, expect, unique
from tests.support.keyhouse_server import SECRET_MARKER, server_env, start_server
from tests.support.traffic import Traffic


def test_a_backup_under_write_load_restores_every_secret(tmp_path: Path) -> None:
    live = tmp_path / "live"
    service = start_server("sqlite", f"sqlite:///{live / 'keyhouse.db'}", live)
    try:
        # GIVEN secrets with known values, and writes going on all the time
        with client(service.url, service.admin_key) as http:
            known = {}
            for n in range(20):
                name, value = unique("backup"), f"{SECRET_MARKER}-{n}-{unique('v')}"
                expect(http.post("/api/v1/secrets", json={"name": name, "value": value}), 201)
                known[name] = value
        traffic = Traffic(service.url, service.admin_key, workers=4, value_size=2000).start()

        # WHEN the operator backs up the live database
        snapshot = tmp_path / "snapshot.db"
        done = subprocess.run(
            [str(KEYHOUSE), "backup", str(snapshot)],
            env=server_env(service.database_url, live),
            capture_output=True,
            text=True,
            timeout=120,
        )
        outcomes = traffic.stop()
    finally:
        service.stop()

    # THEN it succeeded while the writes went on, privately, and says to keep the key apart
    assert done.returncode == 0, done.stderr
    assert "master key is NOT in it" in done.stderr
    assert stat.S_IMODE(snapshot.stat().st_mode) == 0o600
    assert all(o.status == 200 for o in outcomes)
    assert sum(1 for o in outcomes if o.operation == "write") > 10

    # WHEN it is restored beside the master key, into a new service
    restored_dir = tmp_path / "restored"
    restored_dir.mkdir()
    shutil.copy(snapshot, restored_dir / "keyhouse.db")
    shutil.copy(live / "master.key", restored_dir / "master.key")
    restored = start_server("sqlite", f"sqlite:///{restored_dir / 'keyhouse.db'}", restored_dir)
    try:
        # THEN the old admin key works and every secret reads back (the known ones unchanged)
        with client(restored.url, service.admin_key) as http:
            secrets = []
            cursor = None
            while True:
                page = expect(
                    http.get(
                        "/api/v1/secrets",
                        params={"limit": 200, **({"cursor": cursor} if cursor else {})},
                    ),
                    200,
                )
                secrets += page["data"]
                cursor = page["next_cursor"]
                if cursor is None:
                    break
            assert len(secrets) >= 20 + 4
            for secret in secrets:
                value = expect(http.get(f"/api/v1/secrets/{secret['id']}/value"), 200)
                if secret["name"] in known and value["value"] != known[secret["name"]]:
                    raise AssertionError(f"{secret['name']} restored with another value")
            assert {s["name"] for s in secrets} >= set(known)
    finally:
        restored.stop()


def test_backup_refuses_postgresql_and_names_pg_dump(tmp_path: Path) -> None:
    done = subprocess.run(
        [str(KEYHOUSE), "backup", str(tmp_path / "x.db")],
        env=server_env("postgresql+psycopg://kh@127.0.0.1:1/kh", tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "pg_dump" in done.stderr
    assert not (tmp_path / "x.db").exists()
