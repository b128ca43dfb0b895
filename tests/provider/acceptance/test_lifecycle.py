"""Every resource through Terraform: create, no changes, import, update, replace, destroy.

One configuration holds all the resource types (and the data sources), so that
each step is one ``terraform`` run for all of them.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from keyhouse_client import Keyhouse, NotFoundError
from keyhouse_provider.resources.iam_policy import same_policy
from tests.provider.harness.terraform import Workspace
from tests.support.actors import unique

CONFIG = """
resource "keyhouse_user" "alice" {{
  name  = "{user_name}-{s}"
  email = "{email}"
}}
resource "keyhouse_role" "dbx" {{
  name        = "dbx-{s}"
  description = "{role_description}"
}}
resource "keyhouse_project" "fs" {{
  name        = "fs-{s}"
  description = "{project_description}"
}}
resource "keyhouse_project_member" "alice" {{
  project = keyhouse_project.fs.name
  user    = keyhouse_user.alice.name
  role    = "{alice_role}"
}}
resource "keyhouse_project_member" "dbx" {{
  project      = keyhouse_project.fs.name
  machine_role = keyhouse_role.dbx.name
  role         = "viewer"
}}
resource "keyhouse_secret" "token" {{
  name        = "shared/token"
  project     = keyhouse_project.fs.name
  value       = "{token}"
  description = "{token_description}"
}}
resource "keyhouse_secret" "mine" {{
  name  = "{mine_name}"
  type  = "file"
  value = base64encode("private bytes")
}}
resource "keyhouse_api_key" "personal" {{
  name    = "{personal_name}"
  scopes  = {personal_scopes}
  project = {personal_project}
}}
resource "keyhouse_api_key" "cluster" {{
  name            = "databricks"
  owner_role      = keyhouse_role.dbx.name
  project         = keyhouse_project.fs.name
  scopes          = {cluster_scopes}
  expires_in_days = {cluster_days}
  store_in_secret {{
    name    = "hopsworks/role/dbx-{s}/type/api-key"
    project = keyhouse_project.fs.name
  }}
  depends_on = [keyhouse_project_member.dbx]
}}
resource "keyhouse_settings" "this" {{
  default_key_lifetime_days = {default_days}
  max_key_lifetime_days     = 730
}}
resource "keyhouse_iam_policy" "read" {{
  name        = "{policy_name}-{s}"
  description = "{policy_description}"
  policy      = data.keyhouse_iam_policy_document.read.json
}}
resource "keyhouse_policy_attachment" "read" {{
  policy_arn = keyhouse_iam_policy.read.arn
  {attach_to}
}}
data "keyhouse_secret" "token" {{
  name    = keyhouse_secret.token.name
  project = keyhouse_project.fs.name
}}
data "keyhouse_caller_identity" "me" {{}}
data "keyhouse_iam_policy_document" "read" {{
  statement {{
    actions   = ["secrets:GetSecretValue"]
    resources = [keyhouse_secret.token.arn]
  }}
}}
output "token_read_back" {{
  value = nonsensitive(data.keyhouse_secret.token.value == keyhouse_secret.token.value)
}}
output "me" {{
  value = data.keyhouse_caller_identity.me.principal_name
}}
output "policy" {{
  value = data.keyhouse_iam_policy_document.read.json
}}
"""

V1 = {
    "email": "alice@Example.com",
    "role_description": "Databricks cluster",
    "project_description": "features",
    "alice_role": "member",
    "token": "t0ken-v1",
    "token_description": "first",
    "mine_name": "mine/one",
    "personal_name": "personal",
    "personal_scopes": '["secrets"]',
    "personal_project": "null",
    "cluster_scopes": '["featurestore", "project", "job", "kafka"]',
    "cluster_days": 90,
    "default_days": 365,
    "policy_description": "read the token",
    "user_name": "alice",
    "policy_name": "read",
    "attach_to": "role = keyhouse_role.dbx.name",
}
V2 = {  # everything here changes in place
    **V1,
    "email": "alice@example.org",
    "role_description": "Databricks cluster (prod)",
    "project_description": "feature store",
    "alice_role": "viewer",
    "token": "t0ken-v2",
    "token_description": "second",
    "personal_name": "personal-renamed",
    "personal_scopes": '["secrets", "keys"]',
    "cluster_scopes": '["featurestore", "job"]',
    "default_days": 300,
    "policy_description": "read the shared token",
}
V3 = {  # names, a key's project, what a policy is attached to: new objects; a lifetime: rolls
    **V2,
    "mine_name": "mine/two",
    "personal_project": "keyhouse_project.fs.name",
    "cluster_days": 60,
    "default_days": 365,
    "attach_to": "user = keyhouse_user.alice.name",
    "user_name": "alicia",
    "policy_name": "read-token",
}
UNCHANGED_IN_V2 = (
    "keyhouse_secret.mine",
    "keyhouse_project_member.dbx",
    "keyhouse_policy_attachment.read",
)
ADDRESSES = [
    "keyhouse_user.alice",
    "keyhouse_role.dbx",
    "keyhouse_project.fs",
    "keyhouse_project_member.alice",
    "keyhouse_project_member.dbx",
    "keyhouse_secret.token",
    "keyhouse_secret.mine",
    "keyhouse_api_key.personal",
    "keyhouse_api_key.cluster",
    "keyhouse_settings.this",
    "keyhouse_iam_policy.read",
    "keyhouse_policy_attachment.read",
]


@pytest.fixture(autouse=True)
def _restore_settings(kh: Keyhouse):  # type: ignore[no-untyped-def]
    yield
    kh.settings.update(default_key_lifetime_days=365, max_key_lifetime_days=730)


def test_every_resource_through_terraform(
    workspace: Workspace, new_workspace: Callable[[str], Workspace], kh: Keyhouse
) -> None:
    s = unique("acc")
    workspace.write(CONFIG.format(s=s, **V1))
    applied = workspace.apply()
    assert "Warning" not in applied.output
    assert f"Apply complete! Resources: {len(ADDRESSES)} added" in applied.stdout
    workspace.assert_no_changes()
    outputs = workspace.outputs()
    assert outputs["token_read_back"] is True
    assert outputs["me"] == "admin"
    created = workspace.state()
    assert f'"Resource": "khrn:secret:project/fs-{s}/shared/token"' in outputs["policy"]
    assert created["keyhouse_api_key.cluster"]["key"] is None
    assert created["keyhouse_api_key.personal"]["key"].startswith("kh_")

    _import_and_compare(new_workspace("imported"), s, created)

    workspace.write(CONFIG.format(s=s, **V2))
    changes = workspace.changes()
    assert changes == {
        address: ["update"] for address in ADDRESSES if address not in UNCHANGED_IN_V2
    }
    workspace.apply()
    workspace.assert_no_changes()
    assert (
        kh.secrets.get_value(
            secret_id=created["keyhouse_secret.token"]["id"]
        ).value.get_secret_value()
        == "t0ken-v2"
    )
    updated = workspace.state()
    for address in ADDRESSES:
        assert updated[address]["id"] == created[address]["id"], address

    workspace.write(CONFIG.format(s=s, **V3))
    replaced = {
        "keyhouse_user.alice",
        "keyhouse_project_member.alice",
        "keyhouse_iam_policy.read",
        "keyhouse_secret.mine",
        "keyhouse_api_key.personal",
        "keyhouse_policy_attachment.read",
    }
    rolled = {"keyhouse_api_key.cluster"}
    changes = workspace.changes()
    assert changes == {
        **{address: ["delete", "create"] for address in replaced},
        **{address: ["update"] for address in rolled},
        "keyhouse_settings.this": ["update"],
    }
    workspace.apply()
    workspace.assert_no_changes()
    after = workspace.state()
    for address in replaced | rolled:
        assert after[address]["id"] != updated[address]["id"], address
        assert workspace.run("state", "show", address).check()
    # The keys rolled: the old ones work for the overlap; the cluster's secret is the same.
    cluster, old_cluster = after["keyhouse_api_key.cluster"], updated["keyhouse_api_key.cluster"]
    assert kh.api_keys.get(key_id=old_cluster["id"]).replaced_by == cluster["id"]
    assert cluster["stored_secret_id"] == old_cluster["stored_secret_id"]
    stored = kh.secrets.get_value(secret_id=cluster["stored_secret_id"])
    assert kh.keys.verify(key=stored.value).key_id == cluster["id"]

    # -replace still replaces: the key and its secret go, new ones come.
    hard = workspace.apply("-replace=keyhouse_api_key.cluster")
    assert "1 added, 0 changed, 1 destroyed" in hard.stdout
    replacement = workspace.state()["keyhouse_api_key.cluster"]
    assert replacement["stored_secret_id"] != cluster["stored_secret_id"]
    with pytest.raises(NotFoundError):
        kh.api_keys.get(key_id=cluster["id"])
    stored = kh.secrets.get_value(secret_id=replacement["stored_secret_id"])
    assert kh.keys.verify(key=stored.value).key_id == replacement["id"]
    after = workspace.state()

    workspace.destroy()
    nothing_left = workspace.run("plan", "-destroy", "-detailed-exitcode", "-no-color")
    assert nothing_left.returncode == 0, nothing_left.output
    assert workspace.state() == {}
    for gone in (
        lambda: kh.users.get(user=f"alice-{s}"),
        lambda: kh.users.get(user=f"alicia-{s}"),
        lambda: kh.roles.get(role=f"dbx-{s}"),
        lambda: kh.projects.get(project=f"fs-{s}"),
        lambda: kh.secrets.get(secret_id=after["keyhouse_secret.mine"]["id"]),
        lambda: kh.iam.get_policy(policy=f"read-{s}"),
        lambda: kh.iam.get_policy(policy=f"read-token-{s}"),
    ):
        with pytest.raises(NotFoundError):
            gone()


def _import_and_compare(imported: Workspace, s: str, created: dict[str, dict]) -> None:  # type: ignore[type-arg]
    """Import every object into a second working directory: nothing to change, same state."""
    ids = {address: created[address]["id"] for address in ADDRESSES}
    cluster = created["keyhouse_api_key.cluster"]
    ids["keyhouse_api_key.cluster"] = f"{cluster['id']}/{cluster['stored_secret_id']}"
    ids["keyhouse_secret.token"] = f"fs-{s}/shared/token"  # a project's secret by name
    ids["keyhouse_secret.mine"] = V1["mine_name"]  # a private one by its name alone
    blocks = "".join(
        f'import {{\n  to = {address}\n  id = "{ids[address]}"\n}}\n'
        for address in ADDRESSES
        if address != "keyhouse_role.dbx"
    )
    imported.write(CONFIG.format(s=s, **V1) + blocks)
    # One with the command, the others with import blocks.
    imported.run(
        "import", "-no-color", "-input=false", "keyhouse_role.dbx", ids["keyhouse_role.dbx"]
    ).check()
    plan = imported.plan()
    changes = {
        c["address"]: c["change"] for c in plan["resource_changes"] if c["mode"] == "managed"
    }
    assert set(changes) == set(ADDRESSES)
    for address, change in changes.items():
        assert change["actions"] == ["no-op"], (address, change["actions"])
    imported.apply("tfplan")
    imported.assert_no_changes()
    state = imported.state()
    for address in ADDRESSES:
        expected = dict(created[address])
        if address == "keyhouse_api_key.personal":
            expected["key"] = None  # shown once, at creation: an import cannot know it
        if address == "keyhouse_user.alice":
            expected["email"] = "alice@example.com"  # as the service keeps it; plans see no change
        if address == "keyhouse_iam_policy.read":  # the service's spelling, the same meaning
            assert same_policy(state[address]["policy"], expected["policy"])
            expected["policy"] = state[address]["policy"]
        assert state[address] == expected, address
