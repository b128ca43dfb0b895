"""Every change to the seed-000 configuration applies the first time, on SQLite and PostgreSQL.

The configuration is seed 000 with a dependent on every resource: a role, a project
(and a second one to move things to), a member, the role's key kept in a project
secret (``store_in_secret``, named after the role), a secret, a policy over both
secrets' arns and its attachment to the role. Each step changes one attribute of
one resource from the step before (or, for changes nothing else refers to, one such
attribute of each of several resources: see ``steps``), applies once and must
succeed (no "inconsistent final plan", no second apply needed), the next plan must
be empty, and the grants must still hold: the key read from its secret
authenticates as the role and reads both secrets, and the policy engine allows the
role to read what the policy names. One service per database, one working directory.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from keyhouse_client import Keyhouse, models
from tests.provider.harness.terraform import Toolchain, Workspace
from tests.support.actors import unique
from tests.support.keyhouse_server import KeyhouseServer

CONFIG = """
resource "keyhouse_role" "cluster" {{
  name        = "{role}"
  description = "{role_description}"
}}
resource "keyhouse_project" "fs" {{
  name        = "{project}"
  description = "{project_description}"
}}
resource "keyhouse_project" "ops" {{
  name = "ops-{s}"
}}
resource "keyhouse_user" "alice" {{
  name = "alice-{s}"
}}
resource "keyhouse_project_member" "alice" {{
  project = keyhouse_project.fs.name
  user    = keyhouse_user.alice.name
  role    = "{member_role}"
}}
resource "keyhouse_api_key" "cluster" {{
  name            = "{key_name}"
  owner_role      = keyhouse_role.cluster.name
  project         = {key_project}
  scopes          = {key_scopes}
  expires_in_days = {key_days}
  store_in_secret {{
    name    = "hopsworks/role/${{keyhouse_role.cluster.name}}/type/{stored_suffix}"
    project = keyhouse_project.fs.name
  }}
}}
resource "keyhouse_secret" "token" {{
  name        = "{secret_name}"
  {secret_where}
  type        = "{secret_type}"
  value       = "{secret_value}"
  description = "{secret_description}"
}}
data "keyhouse_iam_policy_document" "read" {{
  statement {{
    actions   = {actions}
    resources = [keyhouse_secret.token.arn, keyhouse_api_key.cluster.stored_secret_arn]
  }}
}}
resource "keyhouse_iam_policy" "read" {{
  name        = "{policy}"
  description = "{policy_description}"
  policy      = data.keyhouse_iam_policy_document.read.json
}}
resource "keyhouse_policy_attachment" "read" {{
  policy_arn = keyhouse_iam_policy.read.arn
  role       = keyhouse_role.cluster.name
}}
"""

IN_FS = "project = keyhouse_project.fs.name"


def base(s: str) -> dict[str, str]:
    """The starting values."""
    return {
        "s": s,
        "role": f"dbx-{s}",
        "role_description": "Databricks cluster",
        "project": f"fs-{s}",
        "project_description": "feature store",
        "member_role": "member",
        "key_name": "cluster",
        "key_project": "keyhouse_project.fs.name",
        "key_scopes": '["featurestore", "project", "job", "kafka"]',
        "key_days": "90",
        "stored_suffix": "api-key",
        "secret_name": "shared/token",
        "secret_where": IN_FS,
        "secret_type": "text",
        "secret_value": "dG9rZW4tdjE=",  # base64 of token-v1: a value for both types
        "secret_description": "first",
        "actions": '["secrets:GetSecretValue"]',
        "policy": f"read-{s}",
        "policy_description": "read the cluster's secrets",
    }


@dataclass(frozen=True)
class Step:
    """One change, the apply's count of objects added, changed and destroyed, and the one
    warning it gives (a key's roll says so), if any."""

    what: str
    changes: dict[str, str]
    added: int
    changed: int
    destroyed: int
    warning: str | None = None


def steps(s: str) -> list[Step]:
    """Every resource and every attribute that can change.

    A change that some other resource refers to (a name, a project, what makes a new
    key or secret) is applied alone. Changes that nothing else refers to, one per
    resource, share an apply: Terraform plans each resource from its own configuration
    and the values it refers to, so such a change leaves every other plan in the apply
    exactly as it would be alone.
    """
    return [
        Step(
            "role description, project description, membership role, key rename, "
            "secret type, policy description",
            {
                "role_description": "Databricks (prod)",
                "project_description": "features",
                "member_role": "viewer",
                "key_name": "cluster-renamed",
                "secret_type": "file",
                "policy_description": "read them",
            },
            0,
            6,
            0,
        ),
        Step(
            "key scopes, secret value, policy document",
            {
                "key_scopes": '["featurestore", "project", "job"]',
                "secret_value": "dG9rZW4tdjI=",
                "actions": '["secrets:GetSecret", "secrets:GetSecretValue"]',
            },
            0,
            3,
            0,
        ),
        Step("secret description", {"secret_description": "second"}, 0, 1, 0),
        # The key is owned by the role and its secret is named after it; so is the attachment.
        Step("role rename", {"role": f"dbx2-{s}"}, 3, 1, 3),
        # The member, the key (restricted to it), both secrets move; the policy follows.
        Step("project rename", {"project": f"fs2-{s}"}, 4, 1, 4),
        # A new key, stored again under the same name: the policy plans unknown, then
        # finds the same document.
        Step("key project", {"key_project": "null"}, 1, 0, 1),
        # The key rolls in place: the new key is the secret's next version (same arn), so
        # the policy, read again at apply, comes out the same; the old key works 24 hours.
        Step("key lifetime", {"key_days": "60"}, 0, 1, 0, "API key rolls"),
        Step("stored secret name", {"stored_suffix": "api-key-v2"}, 1, 1, 1),
        Step("secret rename", {"secret_name": "shared/token-renamed"}, 1, 1, 1),
        Step("secret project", {"secret_where": "project = keyhouse_project.ops.name"}, 1, 1, 1),
        Step("secret visibility", {"secret_where": 'visibility = "private"'}, 1, 1, 1),
        Step("policy rename", {"policy": f"read2-{s}"}, 2, 0, 2),
    ]


SUMMARY = re.compile(r"Apply complete! Resources: (\d+) added, (\d+) changed, (\d+) destroyed\.")


def _state(workspace: Workspace) -> dict[str, dict[str, Any]]:
    """The state file's managed resources by address (read directly: no terraform run)."""
    data = json.loads((workspace.directory / "terraform.tfstate").read_text())
    return {
        f"{r['type']}.{r['name']}": r["instances"][0]["attributes"]
        for r in data["resources"]
        if r["mode"] == "managed"
    }


def _assert_grants(kh: Keyhouse, url: str, values: dict[str, str], workspace: Workspace) -> None:
    state = _state(workspace)
    key_state = state["keyhouse_api_key.cluster"]
    token = state["keyhouse_secret.token"]
    role = values["role"]

    found = kh.api_keys.get(key_id=key_state["id"])
    assert (found.name, found.status, found.owner.name) == (values["key_name"], "active", role)
    assert sorted(found.scopes) == sorted(json.loads(values["key_scopes"]))
    assert found.project == (None if values["key_project"] == "null" else values["project"])
    members = kh.projects.iter_members(project=values["project"])
    assert [m.role for m in members if m.principal_name == f"alice-{values['s']}"] == [
        values["member_role"]
    ]

    key = kh.secrets.get_value(secret_id=key_state["stored_secret_id"]).value.get_secret_value()
    with Keyhouse(base_url=url, api_key=key) as cluster:
        assert cluster.keys.whoami().principal.name == role
        assert (
            cluster.secrets.get_value(
                secret_id=key_state["stored_secret_id"]
            ).value.get_secret_value()
            == key
        )
        if token["visibility"] == "project":  # a private secret is its owner's alone
            assert (
                cluster.secrets.get_value(secret_id=token["id"]).value.get_secret_value()
                == values["secret_value"]
            )
    for arn in (token["arn"], key_state["stored_secret_arn"]):
        decision = kh.iam.simulate(
            action="secrets:GetSecretValue",
            resource=arn,
            principal=models.PrincipalRef(kind="role", name=role),
        ).decision
        assert decision == "allowed", (arn, decision)


@pytest.fixture
def matrix_workspace(toolchain: Toolchain, service: KeyhouseServer, tmp_path: Path) -> Workspace:
    """A working directory against the service on this run's database."""
    return Workspace(toolchain, tmp_path / "matrix", service.url, service.admin_key)


def test_every_change_applies_the_first_time(
    matrix_workspace: Workspace, service: KeyhouseServer
) -> None:
    workspace = matrix_workspace
    s = unique("mx")
    values = base(s)
    with Keyhouse(base_url=service.url, api_key=service.admin_key) as kh:
        workspace.write(CONFIG.format(**values))
        workspace.apply()
        _assert_grants(kh, service.url, values, workspace)
        for step in steps(s):
            values.update(step.changes)
            workspace.write(CONFIG.format(**values))
            applied = workspace.run("apply", "-auto-approve", "-no-color", "-input=false")
            assert applied.returncode == 0, f"{step.what}: {applied.output[-4000:]}"
            warnings = re.findall(r"Warning: (.+)", applied.output)
            assert warnings == ([step.warning] if step.warning else []), (step.what, warnings)
            summary = SUMMARY.search(applied.stdout)
            assert summary is not None, (step.what, applied.stdout)
            counts = tuple(int(n) for n in summary.groups())
            assert counts == (step.added, step.changed, step.destroyed), (step.what, counts)
            workspace.assert_no_changes()
            _assert_grants(kh, service.url, values, workspace)
        workspace.destroy()
