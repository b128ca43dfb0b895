"""The ``keyhouse`` command: init once, refuse twice, guard the master key."""

from __future__ import annotations

import base64
import os
import stat
import subprocess
import sys
from pathlib import Path

import httpx

from keyhouse.core.keys import parse_key_id
from tests.support.actors import expect
from tests.support.keyhouse_server import server_env, start_server


def keyhouse(directory: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "keyhouse.cli", *args],
        capture_output=True,
        text=True,
        cwd=directory,
        env=server_env(f"sqlite:///{directory / 'kh.db'}", directory, **env),
        check=False,
    )


def test_init_prints_one_admin_key_once(tmp_path: Path) -> None:
    first = keyhouse(tmp_path, "init")
    assert first.returncode == 0, first.stderr
    key = first.stdout.strip()
    assert parse_key_id(key) is not None
    assert "shown once" in first.stderr
    again = keyhouse(tmp_path, "init")
    assert again.returncode == 1
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
        mode = stat.S_IMODE(os.stat(tmp_path / name).st_mode)
        assert mode == 0o600, f"{name} has mode {oct(mode)}"
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
