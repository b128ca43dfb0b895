"""Changes made outside Terraform show as planned changes, and apply restores them."""

from __future__ import annotations

import re

from keyhouse_client import Keyhouse
from tests.provider.harness.terraform import Workspace
from tests.support.actors import unique

CONFIG = """
resource "keyhouse_project" "p" {{
  name = "drift-{s}"
}}
resource "keyhouse_user" "u" {{
  name = "drift-{s}"
}}
resource "keyhouse_project_member" "removed" {{
  project = keyhouse_project.p.name
  user    = keyhouse_user.u.name
}}
resource "keyhouse_role" "r" {{
  name = "drift-{s}"
}}
resource "keyhouse_project_member" "demoted" {{
  project      = keyhouse_project.p.name
  machine_role = keyhouse_role.r.name
  role         = "member"
}}
resource "keyhouse_secret" "changed" {{
  name  = "drift/changed"
  project = keyhouse_project.p.name
  value = "ours"
}}
resource "keyhouse_secret" "deleted" {{
  name  = "drift/deleted"
  project = keyhouse_project.p.name
  value = "ours too"
}}
resource "keyhouse_api_key" "revoked" {{
  name   = "revoked-{s}"
  scopes = ["job"]
}}
resource "keyhouse_api_key" "deleted" {{
  name   = "deleted-{s}"
  scopes = ["job"]
}}
resource "keyhouse_api_key" "stored" {{
  name       = "stored"
  owner_role = keyhouse_role.r.name
  scopes     = ["kafka"]
  store_in_secret {{
    name    = "drift/stored-key"
    project = keyhouse_project.p.name
  }}
}}
"""


def test_drift_is_planned_and_apply_restores_it(workspace: Workspace, kh: Keyhouse) -> None:
    s = unique("drift")
    workspace.write(CONFIG.format(s=s))
    workspace.apply()
    state = workspace.state()

    project = f"drift-{s}"
    kh.projects.remove_member(project=project, principal_kind="user", principal_name=project)
    kh.projects.update_member(
        project=project, principal_kind="role", principal_name=project, role="owner"
    )
    kh.secrets.put_value(secret_id=state["keyhouse_secret.changed"]["id"], value="theirs")
    kh.secrets.delete(secret_id=state["keyhouse_secret.deleted"]["id"])
    kh.api_keys.revoke(key_id=state["keyhouse_api_key.revoked"]["id"])
    kh.api_keys.delete(key_id=state["keyhouse_api_key.deleted"]["id"])
    kh.secrets.delete(secret_id=state["keyhouse_api_key.stored"]["stored_secret_id"])

    assert workspace.changes() == {
        "keyhouse_project_member.removed": ["create"],
        "keyhouse_project_member.demoted": ["update"],
        "keyhouse_secret.changed": ["update"],
        "keyhouse_secret.deleted": ["create"],
        "keyhouse_api_key.revoked": ["delete", "create"],
        "keyhouse_api_key.deleted": ["create"],
        "keyhouse_api_key.stored": ["delete", "create"],
    }
    shown = workspace.run("plan", "-no-color").check().stdout
    assert re.search(r'status\s+= "revoked" -> \(known after apply\) # forces replacement', shown)
    assert "was deleted outside Terraform" in shown  # the stored key's warning

    workspace.apply()
    workspace.assert_no_changes()
    restored = workspace.state()
    changed = restored["keyhouse_secret.changed"]
    assert kh.secrets.get_value(secret_id=changed["id"]).value.get_secret_value() == "ours"
    members = {
        (m.principal_kind, m.principal_name): m.role
        for m in kh.projects.iter_members(project=project)
    }
    assert members[("role", project)] == "member"
    assert members[("user", project)] == "member"
    stored = kh.secrets.get_value(secret_id=restored["keyhouse_api_key.stored"]["stored_secret_id"])
    assert kh.keys.verify(key=stored.value).key_id == restored["keyhouse_api_key.stored"]["id"]
    assert kh.api_keys.get(key_id=restored["keyhouse_api_key.revoked"]["id"]).status == "active"
    workspace.destroy()
