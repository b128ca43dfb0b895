"""The operator commands through the ``keyhouse`` entry point: init, server, admin recover."""

from __future__ import annotations

import base64
import os
import stat
import subprocess
import time
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text

from keyhouse.core.keys import parse_key_id
from tests.cli.conftest import KEYHOUSE
from tests.support.actors import expect
from tests.support.keyhouse_server import server_env, start_server
from tests.support.postgres import free_port


def keyhouse(directory: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(KEYHOUSE), *args],
        capture_output=True,
        text=True,
        cwd=directory,
        env=server_env(f"sqlite:///{directory / 'kh.db'}", directory, **env),
        check=False,
    )


def mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_init_prints_one_admin_key_once_and_then_says_it_is_done(tmp_path: Path) -> None:
    first = keyhouse(tmp_path, "init")
    assert first.returncode == 0, first.stderr
    key = first.stdout.strip()
    assert parse_key_id(key) is not None
    assert "shown once" in first.stderr
    # A container entrypoint runs it on every boot: not an error, and no second key.
    again = keyhouse(tmp_path, "init")
    assert again.returncode == 0, again.stderr
    assert "Already initialized" in again.stderr
    assert again.stdout == ""


def test_the_printed_key_is_the_admins(tmp_path: Path) -> None:
    key = keyhouse(tmp_path, "init", "--admin", "root").stdout.strip()
    server = start_server("sqlite", f"sqlite:///{tmp_path / 'kh.db'}", tmp_path)
    try:
        assert server.admin_key == ""  # users existed, so the server made no second admin key
        whoami = expect(httpx.get(f"{server.url}/api/v1/whoami", headers={"x-api-key": key}), 200)
        assert whoami["principal"] == {"kind": "user", "name": "root"}
        assert whoami["is_admin"] is True
    finally:
        server.stop()


def test_key_file_is_private(tmp_path: Path) -> None:
    result = keyhouse(tmp_path, "init", "--key-file", "admin.key")
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    for name in ("admin.key", "master.key"):
        assert mode(tmp_path / name) == 0o600, name
    assert parse_key_id((tmp_path / "admin.key").read_text().strip()) is not None


def test_a_malformed_master_key_is_refused_without_echoing_it(tmp_path: Path) -> None:
    bogus = base64.b64encode(b"too short").decode()
    result = keyhouse(tmp_path, "init", KEYHOUSE_MASTER_KEY=bogus)
    assert result.returncode == 2
    assert "KEYHOUSE_MASTER_KEY must hold 32 bytes" in result.stderr
    assert bogus not in result.stderr + result.stdout
    assert "Created admin" not in result.stderr


def test_openapi_prints_the_document(tmp_path: Path) -> None:
    result = keyhouse(tmp_path, "openapi")
    assert result.returncode == 0
    assert '"operationId": "api-keys-create"' in result.stdout


def test_admin_recover_mints_an_admin_key_and_audits_it(tmp_path: Path) -> None:
    first = keyhouse(tmp_path, "init").stdout.strip()
    recovered = keyhouse(tmp_path, "admin", "recover", "--key-file", "recovered.key")
    assert recovered.returncode == 0, recovered.stderr
    assert mode(tmp_path / "recovered.key") == 0o600
    key = (tmp_path / "recovered.key").read_text().strip()
    assert key != first
    key_id = parse_key_id(key)
    # A user who was no admin (or did not exist) becomes one.
    carol = keyhouse(tmp_path, "admin", "recover", "--user", "carol")
    assert carol.returncode == 0, carol.stderr
    server = start_server("sqlite", f"sqlite:///{tmp_path / 'kh.db'}", tmp_path)
    try:
        for each, name in ((key, "admin"), (carol.stdout.strip(), "carol")):
            me = expect(httpx.get(f"{server.url}/api/v1/whoami", headers={"x-api-key": each}), 200)
            assert me["principal"] == {"kind": "user", "name": name}
            assert me["is_admin"] is True
            assert "admin" in me["key"]["scopes"]
        events = expect(
            httpx.get(
                f"{server.url}/api/v1/audit",
                params={"action": "admin:RecoverAccess"},
                headers={"x-api-key": key},
            ),
            200,
        )["data"]
        assert f"khrn:apikey:{key_id}" in {event["target"] for event in events}
        assert len(events) == 2
    finally:
        server.stop()


def test_server_honours_keyhouse_home_and_port_and_data_dir(tmp_path: Path) -> None:
    for how in ("environment", "option"):
        home, port = tmp_path / how / "data", free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("KEYHOUSE_")}
        args = [str(KEYHOUSE), "server", "--no-access-log"]
        if how == "environment":
            env.update(KEYHOUSE_HOME=str(home), KEYHOUSE_PORT=str(port))
        else:
            args += ["--data-dir", str(home), "--port", str(port)]
        (tmp_path / how).mkdir()
        log = (tmp_path / how / "server.log").open("wb")
        process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, env=env)
        try:
            deadline = time.monotonic() + 60
            while True:
                assert process.poll() is None, (tmp_path / how / "server.log").read_text()
                try:
                    if httpx.get(f"http://127.0.0.1:{port}/healthz").status_code == 200:
                        break
                except httpx.TransportError:
                    assert time.monotonic() < deadline, "the server did not start"
                    time.sleep(0.2)
            assert mode(home) == 0o700
            assert mode(home / "master.key") == 0o600
            assert mode(home / "admin.key") == 0o600  # the first admin key, not on stdout
            key = (home / "admin.key").read_text().strip()
            me = httpx.get(f"http://127.0.0.1:{port}/api/v1/whoami", headers={"x-api-key": key})
            assert expect(me, 200)["is_admin"] is True
            engine = create_engine(f"sqlite:///{home / 'keyhouse.db'}")
            with engine.connect() as connection:
                assert connection.execute(text("SELECT count(*) FROM principals")).scalar() == 1
            engine.dispose()
        finally:
            process.terminate()
            process.wait(timeout=15)
            log.close()


def test_backup_and_master_key_rotation_take_the_data_dir(tmp_path: Path) -> None:
    # GIVEN a service's data directory, as `keyhouse init --data-dir` makes it
    data = tmp_path / "data"
    env = {k: v for k, v in os.environ.items() if not k.startswith("KEYHOUSE_")}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [str(KEYHOUSE), *args], capture_output=True, text=True, cwd=tmp_path, env=env
        )
        assert done.returncode == 0, done.stderr
        return done

    run("init", "--data-dir", str(data))
    old_key = (data / "master.key").read_text()
    # WHEN the operator backs it up and rotates its master key, naming only the directory
    run("backup", str(tmp_path / "snapshot.db"), "--data-dir", str(data))
    rotated = run("master-key", "rotate", "--data-dir", str(data))
    recovered = run("admin", "recover", "--data-dir", str(data))
    # THEN the snapshot holds the database, private, and the key file holds a new key
    assert mode(tmp_path / "snapshot.db") == 0o600
    engine = create_engine(f"sqlite:///{tmp_path / 'snapshot.db'}")
    with engine.connect() as connection:
        assert connection.execute(text("SELECT name FROM principals")).scalar() == "admin"
    engine.dispose()
    assert "Rotated to master key version 2" in rotated.stderr
    assert (data / "master.key").read_text() != old_key
    assert str(data / "master.key") in rotated.stderr
    # and the database still opens under the new key alone
    assert recovered.stdout.strip().startswith("kh_")
