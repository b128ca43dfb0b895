"""A committed ``.terraform.lock.hcl`` verifies on another machine: two installs at different
paths (this checkout's editable ``.venv`` and a pip install elsewhere), init in one, copy the
lock file, init in the other."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from scripts.cdktf_cli import cli_config
from tests.provider.harness.terraform import REQUIRED_PROVIDERS, TERRAFORM
from tests.support.keyhouse_server import KeyhouseServer
from tests.support.user_install import UserInstall, user_environment

CONFIG = REQUIRED_PROVIDERS + 'data "keyhouse_caller_identity" "me" {}\n'


def install(keyhouse: Path, machine: Path) -> dict[str, str]:
    """``keyhouse provider install --dir`` on one "machine"; its Terraform environment."""
    mirror = machine / "terraform" / "plugins"
    result = subprocess.run(
        [str(keyhouse), "provider", "install", "--dir", str(mirror)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    config = machine / "terraform.rc"
    config.write_text(cli_config(mirror))
    env = user_environment(machine / "home", TF_CLI_CONFIG_FILE=str(config))
    env["CHECKPOINT_DISABLE"] = "1"
    return env


def terraform(directory: Path, env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [TERRAFORM, *args, "-no-color"],
        cwd=directory,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, f"terraform {args[0]}:\n{result.stdout}{result.stderr}"
    return result.stdout


def test_a_lock_file_written_by_one_install_verifies_with_another(
    tmp_path: Path, user_install: UserInstall, sqlite_service: KeyhouseServer
) -> None:
    # GIVEN Keyhouse on two machines: different paths, different Pythons
    first = install(Path(sys.executable).parent / "keyhouse", tmp_path / "laptop")
    second = install(user_install.keyhouse, tmp_path / "ci-runner" / "somewhere" / "else")
    # AND a repository whose lock file terraform init wrote on the first
    repository = tmp_path / "laptop" / "repo"
    repository.mkdir()
    (repository / "main.tf").write_text(CONFIG)
    terraform(repository, first, "init", "-input=false")
    committed = (repository / ".terraform.lock.hcl").read_text()
    assert '"h1:' in committed
    # WHEN the second machine checks it out (the lock file, not .terraform) and inits
    checkout = tmp_path / "ci-runner" / "checkout"
    checkout.mkdir(parents=True)
    for name in ("main.tf", ".terraform.lock.hcl"):
        shutil.copy(repository / name, checkout / name)
    terraform(checkout, second, "init", "-input=false")
    # THEN the package verifies against the recorded checksum, and the file is unchanged
    assert (checkout / ".terraform.lock.hcl").read_text() == committed
    # AND the provider that runs there is the second install's, and works
    second.update(KEYHOUSE_URL=sqlite_service.url, KEYHOUSE_API_KEY=sqlite_service.admin_key)
    plan = terraform(checkout, second, "plan", "-input=false")
    assert "No changes" in plan
    pointer = next((tmp_path / "ci-runner").rglob("*.python"))
    assert pointer.read_text().strip() == str(user_install.python)
