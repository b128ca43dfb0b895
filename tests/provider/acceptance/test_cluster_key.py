"""Seed 000 as code: a cluster role's key stored in a project secret, a policy that lets
the role read exactly that secret, and the role reading it with its own key."""

from __future__ import annotations

import pytest

from keyhouse_client import Keyhouse, KeyhouseError
from tests.provider.harness.terraform import Workspace
from tests.support.actors import unique
from tests.support.keyhouse_server import KeyhouseServer

CONFIG = """
resource "keyhouse_project" "fs" {{
  name = "fs-{s}"
}}
resource "keyhouse_role" "cluster" {{
  name = "{s}"
}}
resource "keyhouse_api_key" "cluster" {{
  name       = "databricks"
  owner_role = keyhouse_role.cluster.name
  scopes     = ["featurestore", "project", "job", "kafka", "secrets"]
  store_in_secret {{
    name    = "hopsworks/role/{s}/type/api-key"
    project = keyhouse_project.fs.name
  }}
}}
resource "keyhouse_secret" "other" {{
  name    = "hopsworks/other"
  project = keyhouse_project.fs.name
  value   = "not for the cluster"
}}
data "keyhouse_iam_policy_document" "read_own_key" {{
  statement {{
    sid       = "ReadOwnKey"
    actions   = ["secrets:GetSecret", "secrets:GetSecretValue"]
    resources = [keyhouse_api_key.cluster.stored_secret_arn]
  }}
}}
resource "keyhouse_iam_policy" "read_own_key" {{
  name   = "read-own-key-{s}"
  policy = data.keyhouse_iam_policy_document.read_own_key.json
}}
resource "keyhouse_policy_attachment" "cluster" {{
  policy_arn = keyhouse_iam_policy.read_own_key.arn
  role       = keyhouse_role.cluster.name
}}
"""


def test_the_cluster_reads_its_key_and_nothing_else(
    workspace: Workspace, kh: Keyhouse, sqlite_service: KeyhouseServer
) -> None:
    s = unique("cluster")
    workspace.write(CONFIG.format(s=s))
    workspace.apply()
    workspace.assert_no_changes()
    state = workspace.state()
    stored_id = state["keyhouse_api_key.cluster"]["stored_secret_id"]
    key = kh.secrets.get_value(secret_id=stored_id).value.get_secret_value()

    with Keyhouse(base_url=sqlite_service.url, api_key=key) as cluster:
        assert cluster.keys.whoami().principal.name == s
        assert cluster.secrets.get_value(secret_id=stored_id).value.get_secret_value() == key
        with pytest.raises(KeyhouseError):
            cluster.secrets.get_value(secret_id=state["keyhouse_secret.other"]["id"])

    workspace.destroy()
    workspace.run("plan", "-destroy", "-detailed-exitcode").check()
