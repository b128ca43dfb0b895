"""The README's "Values kept out of the state" app on CDK Terrain: a new folder,
``keyhouse[cdktn]``, the cdktn CLI on Node 22, and a key service holding another team's secret.

The app copies that secret, read for the run by ``EphemeralSecretValue``, into a secret
of its own through ``value_wo``, and writes a release label through a second provider
configuration acting with an ``EphemeralApiKey``. After ``cdktn synth``, a saved plan
(``terraform plan -out``, as a pipeline keeps one) and ``cdktn deploy``, the client reads
the copy, and the copied value is in none of ``cdk.tf.json``, the plan (the files in it
and ``terraform show -json``), the state and the commands' output; nor is any API key.
The release label, a plain value, is the control: the same scans find it where it is.
Values are compared to a bool before any assertion, so that none reaches a failure
message.
"""

from __future__ import annotations

import hmac
import json
import re
import secrets
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from keyhouse_client import Keyhouse
from tests.support.keyhouse_server import KeyhouseServer, sqlite_service
from tests.support.readme import readme_block
from tests.support.user_install import UserInstall, npx, run_as_user, terrain_app, terrain_shell

SECTION = "**Values kept out of the state.**"
PROJECT = "featurestore"
UPSTREAM = "upstream/api-token"
# An API key as the service formats them (kh_<key id>_<secret and checksum>).
API_KEY = re.compile(rb"kh_[a-z2-7]{16}_[0-9A-Za-z]{49}")


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KeyhouseServer]:
    """A key service of this module's own."""
    with sqlite_service(tmp_path_factory.mktemp("write-only-service")) as server:
        yield server


def test_an_ephemeral_value_is_written_write_only_and_kept_nowhere(
    tmp_path: Path, terrain_install: UserInstall, service: KeyhouseServer
) -> None:
    # GIVEN another team's secret in the service
    upstream_value = secrets.token_urlsafe(24)
    with Keyhouse(base_url=service.url, api_key=service.admin_key) as kh:
        kh.projects.create(name=PROJECT)
        kh.secrets.create(
            name=UPSTREAM, value=upstream_value, project=PROJECT, visibility="project"
        )
    # AND a new repository with the README's cdktf.json and app for CDK Terrain
    app = terrain_app(tmp_path / "handover-repo", terrain_install)
    (app / "cdktf.json").write_text(readme_block("json", SECTION))
    (app / "main.py").write_text(readme_block("python", SECTION))
    env = terrain_shell(terrain_install, tmp_path / "home", service.url, service.admin_key)
    folder = app / "cdktf.out" / "stacks" / "handover"

    def terraform(*args: str) -> str:
        return run_as_user(["terraform", f"-chdir={folder}", *args], app, env)

    # WHEN it is synthesized, planned into a saved plan, and deployed
    outputs = [npx(app, env, "cdktn", "synth")]
    configuration = (folder / "cdk.tf.json").read_bytes()
    terraform("init", "-input=false")
    terraform("plan", "-input=false", "-out=saved.tfplan")
    with zipfile.ZipFile(folder / "saved.tfplan") as saved:  # a zip: read what it holds
        plan = b"".join(saved.read(member) for member in saved.namelist())
    shown = terraform("show", "-json", "saved.tfplan").encode()
    outputs.append(npx(app, env, "cdktn", "deploy", "handover", "--auto-approve"))
    (state_file,) = [
        path
        for path in (app / "terraform.handover.tfstate", folder / "terraform.handover.tfstate")
        if path.exists()
    ]
    state = state_file.read_bytes()
    # THEN the copy holds the upstream value, written through value_wo
    with Keyhouse(base_url=service.url, api_key=service.admin_key) as kh:
        copy = kh.secrets.get_by_name(name="featurestore/upstream-token", project=PROJECT)
        copied = kh.secrets.get_value(secret_id=copy.id).value.get_secret_value()
        assert hmac.compare_digest(copied.encode(), upstream_value.encode())
        # AND the release label was written with the run's key, which is revoked now
        release = kh.secrets.get_by_name(name="featurestore/last-release", project=PROJECT)
        assert kh.secrets.get_value(secret_id=release.id).value.get_secret_value() == "v1.4.2"
        run_keys = [k for k in kh.api_keys.iter() if k.name.startswith("terraform-ephemeral-")]
        assert len(run_keys) >= 2  # one per phase: plan, apply
        assert {k.status for k in run_keys} == {"revoked"}
    # AND the copied value is in none of the configuration, the plan (its files, and shown),
    # the state or the commands' output
    where = {
        "cdk.tf.json": configuration,
        "plan": plan,
        "shown plan": shown,
        "state": state,
        "output": "\n".join(outputs).encode(),
    }
    kept = [name for name, data in where.items() if upstream_value.encode() in data]
    assert kept == []
    # AND no API key is either (the run's key configured a provider: in no file)
    keys = [name for name, data in where.items() if API_KEY.search(data)]
    assert keys == []
    # AND the scans find what is there: the plain label in every file, and the admin's key
    # in the shape searched for
    labelled = [name for name, data in where.items() if b"v1.4.2" in data]
    assert labelled[:4] == ["cdk.tf.json", "plan", "shown plan", "state"]
    assert API_KEY.search(service.admin_key.encode())
    copy_state = next(
        r
        for r in json.loads(state)["resources"]
        if r["type"] == "keyhouse_secret" and r["name"] == "Copy"
    )["instances"][0]["attributes"]
    assert (copy_state["value"], copy_state["value_wo"], copy_state["value_wo_version"]) == (
        None,
        None,
        1,
    )
    for output in outputs:
        assert "[ERROR]" not in output
        assert "registry.terraform.io" not in output
