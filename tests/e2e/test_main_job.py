"""``scripts/run --once``: the README's main job, end to end, on a fresh data directory."""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

import httpx
import pytest

from tests.support.postgres import free_port

ROOT = Path(__file__).resolve().parents[2]


def run_main_job(home: Path, port: int) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KEYHOUSE_")}
    env.update(KEYHOUSE_HOME=str(home), KEYHOUSE_PORT=str(port))
    return subprocess.run(
        [str(ROOT / "scripts" / "run"), "--once"],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )


def test_main_job_creates_the_first_key_and_secret(tmp_path: Path) -> None:
    home, port = tmp_path / "home", free_port()
    result = run_main_job(home, port)
    assert result.returncode == 0, result.stderr[-2000:]
    out = result.stdout
    assert "signed in as user/admin" in out
    assert "for role/databricks-cluster" in out
    assert "stored it in secret hopsworks/role/databricks-cluster/type/api-key" in out
    assert "read its key back" in out
    admin_key = (home / "admin.key").read_text().strip()
    assert admin_key not in out + result.stderr
    for private in ("admin.key", "master.key"):
        assert stat.S_IMODE((home / private).stat().st_mode) == 0o600
    assert stat.S_IMODE(home.stat().st_mode) == 0o700
    # --once stops the service when the job is done.
    with pytest.raises(httpx.TransportError):
        httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)


def test_main_job_runs_again_on_the_same_data(tmp_path: Path) -> None:
    home = tmp_path / "home"
    assert run_main_job(home, free_port()).returncode == 0
    again = run_main_job(home, free_port())
    assert again.returncode == 0, again.stderr[-2000:]
    assert "already holds a key (version 1)" in again.stdout
