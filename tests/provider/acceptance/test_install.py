"""A plain ``terraform init`` finds the installed provider offline and locks it."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from keyhouse_provider import VERSION
from keyhouse_provider.install import install
from tests.provider.harness.terraform import REQUIRED_PROVIDERS, TERRAFORM, cli_config
from tests.support.keyhouse_server import KeyhouseServer

CONFIG = (
    REQUIRED_PROVIDERS
    + """
data "keyhouse_caller_identity" "me" {}
resource "terraform_data" "beside" {
  input = data.keyhouse_caller_identity.me.principal_name
}
output "me" {
  value = terraform_data.beside.output
}
"""
)


def _terraform(
    directory: Path, env: dict[str, str], *args: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [TERRAFORM, *args], cwd=directory, env=env, capture_output=True, text=True, check=False
    )


def _env(home: Path, config: Path, service: KeyhouseServer) -> dict[str, str]:
    return {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": str(home),
        "TF_CLI_CONFIG_FILE": str(config),
        "CHECKPOINT_DISABLE": "1",
        "KEYHOUSE_URL": service.url,
        "KEYHOUSE_API_KEY": service.admin_key,
    }


def _init_and_apply(directory: Path, env: dict[str, str]) -> str:
    directory.mkdir()
    (directory / "main.tf").write_text(CONFIG)
    init = _terraform(directory, env, "init", "-no-color", "-input=false")
    assert init.returncode == 0, init.stdout + init.stderr
    assert f"Installing keyhouse/keyhouse v{VERSION}" in init.stdout
    lock = (directory / ".terraform.lock.hcl").read_text()
    entry = re.search(r'provider "registry.terraform.io/keyhouse/keyhouse" \{(.*?)\n\}', lock, re.S)
    assert entry is not None, lock
    assert re.search(rf'version\s+= "{re.escape(VERSION)}"', entry.group(1))
    assert re.search(r'"h1:[A-Za-z0-9+/=]{44}"', entry.group(1))
    apply = _terraform(directory, env, "apply", "-auto-approve", "-no-color")
    assert apply.returncode == 0, apply.stdout + apply.stderr
    assert 'me = "admin"' in apply.stdout
    return lock


def test_the_implied_local_mirror_needs_no_configuration(
    tmp_path: Path, sqlite_service: KeyhouseServer
) -> None:
    home = tmp_path / "home"
    install(home / ".terraform.d" / "plugins")
    empty = tmp_path / "empty.rc"
    empty.write_text("")
    _init_and_apply(tmp_path / "work", _env(home, empty, sqlite_service))


def test_a_filesystem_mirror_beside_other_providers(
    tmp_path: Path, sqlite_service: KeyhouseServer
) -> None:
    mirror = tmp_path / "mirror"
    install(mirror)
    config = tmp_path / "terraform.rc"
    config.write_text(cli_config(mirror))
    home = tmp_path / "home"
    home.mkdir()
    first = _init_and_apply(tmp_path / "one", _env(home, config, sqlite_service))
    again = _init_and_apply(tmp_path / "two", _env(home, config, sqlite_service))
    assert first == again  # the same launcher, the same lock
