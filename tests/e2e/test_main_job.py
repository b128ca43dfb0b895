"""``scripts/run --once``: the README's main job, end to end, on a fresh data directory.

The job starts the service, installs the provider, deploys the ``cluster-access``
stack with the real ``cdktf`` and ``terraform``, and checks the cluster's access
through the generated client.
"""

from __future__ import annotations

import os
import re
import stat
import subprocess
from pathlib import Path

import httpx
import pytest

from keyhouse_client import Keyhouse
from tests.support.keyhouse_server import start_server
from tests.support.postgres import free_port

ROOT = Path(__file__).resolve().parents[2]
SECRET = "hopsworks/role/databricks-cluster/type/api-key"


def run_main_job(home: Path, port: int) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KEYHOUSE_", "TF_"))}
    env.update(KEYHOUSE_HOME=str(home), KEYHOUSE_PORT=str(port))
    return subprocess.run(
        [str(ROOT / "scripts" / "run"), "--once"],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )


def key_id(output: str) -> str:
    found = re.search(r"==> API key (\w+) \(kh_", output)
    assert found, output
    return found.group(1)


def stored_key(home: Path) -> str:
    """The cluster's key, read back from its secret as the admin, on the job's data."""
    server = start_server("sqlite", f"sqlite:///{home}/keyhouse.db", home)
    try:
        with Keyhouse(base_url=server.url, api_key=server.admin_key) as kh:
            return kh.secrets.read(SECRET, project="featurestore")
    finally:
        server.stop()


def test_main_job_deploys_seed_000_and_checks_the_cluster_access(tmp_path: Path) -> None:
    home, port = tmp_path / "home", free_port()
    result = run_main_job(home, port)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    out = result.stdout
    assert "signed in as user/admin" in out
    assert "provider keyhouse/keyhouse installed" in out
    assert "==> applied: 5 added, 0 changed, 0 destroyed" in out
    assert "named 'cluster' for role/databricks-cluster" in out
    assert "scopes featurestore, job, kafka, project, restricted to featurestore" in out
    assert (
        f"stored it in secret {SECRET} (visibility project, project featurestore, version 1)"
        in (out)
    )
    assert "policy khrn:policy:databricks-cluster-read-api-key lets role/databricks-cluster" in out
    assert "authenticates as role/databricks-cluster" in out
    assert "read its key back" in out
    assert "it may not write its secret, list secrets, create a key (403 each)" in out
    assert "the role is not a project member" in out
    # No key is ever printed or logged, nor kept in the stack's state.
    admin_key = (home / "admin.key").read_text().strip()
    cluster_key = stored_key(home)
    assert cluster_key.startswith("kh_")
    written = out + result.stderr + (home / "cdktf-deploy.log").read_text()
    state = (home / "cdktf" / "state" / "terraform.cluster-access.tfstate").read_text()
    for key in (admin_key, cluster_key):
        assert key not in written
        assert key not in state
    for private in ("admin.key", "master.key"):
        assert stat.S_IMODE((home / private).stat().st_mode) == 0o600
    assert stat.S_IMODE(home.stat().st_mode) == 0o700
    # --once stops the service when the job is done.
    with pytest.raises(httpx.TransportError):
        httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)


def test_main_job_runs_again_on_the_same_data(tmp_path: Path) -> None:
    home = tmp_path / "home"
    first = run_main_job(home, free_port())
    assert first.returncode == 0, first.stderr[-2000:]
    again = run_main_job(home, free_port())
    assert again.returncode == 0, again.stdout[-3000:] + again.stderr[-2000:]
    assert "no changes: the stack was already in place" in again.stdout
    assert "applied:" not in again.stdout
    assert key_id(again.stdout) == key_id(first.stdout)
    assert "version 1)" in again.stdout
    assert "read its key back" in again.stdout
