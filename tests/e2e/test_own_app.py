"""A new CDKTF app in a folder of its own, written from the README, deployed offline.

The README's "Use Keyhouse in your own repository" gives the commands, the
``cdktf.json`` and the app; this test runs exactly those, with Keyhouse
installed by pip into a virtualenv outside this checkout, the provider
installed into the user's implied mirror (``~/.terraform.d/plugins``, no CLI
configuration), and nothing of the app's own to keep Terraform off the public
registry (which is unreachable here, as on any offline CI runner). Each of
``cdktf synth``, ``cdktf diff`` and ``cdktf deploy`` runs as a first run, with no
``cdktf.out`` left by the one before.
"""

from __future__ import annotations

import re
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from keyhouse_client import Keyhouse
from tests.support.keyhouse_server import KeyhouseServer, sqlite_service
from tests.support.readme import OWN_REPOSITORY, readme_block
from tests.support.user_install import CDKTF, UserInstall, run_as_user, user_shell


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KeyhouseServer]:
    """A key service of this module's own (the app makes names other tests use)."""
    with sqlite_service(tmp_path_factory.mktemp("own-app-service")) as server:
        yield server


def cdktf(app: Path, env: dict[str, str], *args: str) -> str:
    return run_as_user([str(CDKTF), *args], app, env)


def test_a_new_app_synthesizes_diffs_and_deploys_offline_on_its_first_run(
    tmp_path: Path, user_install: UserInstall, service: KeyhouseServer
) -> None:
    # GIVEN a new repository written from the README, with Keyhouse installed by pip
    app = tmp_path / "platform-repo"
    app.mkdir()
    (app / ".venv").symlink_to(user_install.root, target_is_directory=True)
    (app / "cdktf.json").write_text(readme_block("json", "cdktf.json"))
    (app / "main.py").write_text(readme_block("python", "main.py"))
    (app / "id_ed25519").write_bytes(secrets.token_bytes(64))
    # The README's exports: the service, and no checkpoint calls from cdktf and terraform.
    assert "export CHECKPOINT_DISABLE=1" in readme_block("sh", OWN_REPOSITORY)
    env = user_shell(user_install, tmp_path / "home", service.url, service.admin_key)
    # WHEN each command runs as a first run THEN each works offline, without jsii's banner
    outputs = []
    for command in (["synth"], ["diff", "platform"], ["deploy", "platform", "--auto-approve"]):
        shutil.rmtree(app / "cdktf.out", ignore_errors=True)
        outputs.append(cdktf(app, env, *command))
    for output in outputs:
        assert "end-of-life" not in output
        assert "[ERROR]" not in output
        assert "checkpoint-api" not in output
        assert "registry.terraform.io" not in output
    assert "Apply complete! Resources: " in outputs[-1]
    # AND what the app declares exists: the cluster's key, in its secret, and the file secret
    with Keyhouse(base_url=service.url, api_key=service.admin_key) as kh:
        stored = kh.secrets.get_by_name(
            name="hopsworks/role/databricks-cluster/type/api-key", project="featurestore"
        )
        key = kh.keys.verify(key=kh.secrets.get_value(secret_id=stored.id).value)
        assert key.valid
        assert key.principal is not None
        assert key.principal.name == "databricks-cluster"
        deploy_key = kh.secrets.get_by_name(name="deploy/key", project="featurestore")
        assert deploy_key.type == "file"
    # AND the stack's lock file records the package's checksum, verified by terraform init
    lock = (app / "cdktf.out" / "stacks" / "platform" / ".terraform.lock.hcl").read_text()
    assert re.search(r'"h1:[A-Za-z0-9+/=]{44}"', lock)
