"""The promise of rotation, through ``terraform apply``: a consumer that reads its key from
the secret and calls the service every 100 ms never fails while the key rolls, and the
old key is ``401 expired`` once the overlap ends."""

from __future__ import annotations

import time

from keyhouse_client import Keyhouse
from tests.provider.harness.terraform import Workspace
from tests.support.actors import unique
from tests.support.consumer import SecretConsumer, assert_rolled_then_expired
from tests.support.keyhouse_server import KeyhouseServer

OVERLAP_HOURS = 0.005  # 18 seconds: long enough for a loaded machine, short for a test

CONFIG = """
resource "keyhouse_project" "fs" {{
  name = "fs-{s}"
}}
resource "keyhouse_role" "cluster" {{
  name = "{s}"
}}
resource "keyhouse_api_key" "cluster" {{
  name            = "databricks"
  owner_role      = keyhouse_role.cluster.name
  project         = keyhouse_project.fs.name
  scopes          = ["featurestore", "project", "job", "kafka"]
  expires_in_days = {days}
  store_in_secret {{
    name    = "hopsworks/role/{s}/type/api-key"
    project = keyhouse_project.fs.name
  }}
  rotation {{
    every_days    = 30
    overlap_hours = {overlap}
  }}
}}
data "keyhouse_iam_policy_document" "read_own_key" {{
  statement {{
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


def test_a_lifetime_change_rolls_the_key_under_a_working_consumer(
    workspace: Workspace, kh: Keyhouse, sqlite_service: KeyhouseServer
) -> None:
    s = unique("rotate")
    workspace.write(CONFIG.format(s=s, days=90, overlap=OVERLAP_HOURS))
    workspace.apply()
    first = workspace.state()["keyhouse_api_key.cluster"]
    secret_id = first["stored_secret_id"]
    key = kh.secrets.get_value(secret_id=secret_id).value.get_secret_value()

    # GIVEN the lifetime goes from 90 to 120 days WHEN planned THEN the key alone updates in
    # place: no replacement; the secret and the policy naming it stay as they are.
    workspace.write(CONFIG.format(s=s, days=120, overlap=OVERLAP_HOURS))
    # (Terraform reads the policy document, a data source, at apply: it depends on the
    # key, which changes. The document comes out the same and the policy stays as it is.)
    assert workspace.changes() == {
        "keyhouse_api_key.cluster": ["update"],
        "keyhouse_iam_policy.read_own_key": ["update"],
    }
    policy_version = workspace.state()["keyhouse_iam_policy.read_own_key"]["version"]

    with SecretConsumer(sqlite_service.url, secret_id, key) as consumer:
        assert consumer.wait_for(first["id"], timeout=10)
        applied = workspace.apply()
        assert "Warning: API key rolls" in applied.output
        assert "1 changed, 0 destroyed" in applied.stdout
        second = workspace.state()["keyhouse_api_key.cluster"]
        assert second["id"] != first["id"]
        assert consumer.wait_for(second["id"], timeout=10)
        time.sleep(1)  # a few more rounds on the new key
    consumer.report.assert_unbroken(first["id"], second["id"])

    assert second["stored_secret_id"] == secret_id
    assert second["stored_secret_arn"] == first["stored_secret_arn"]
    assert second["expires_in_days"] == 120
    assert kh.iam.get_policy(policy=f"read-own-key-{s}").version == policy_version
    workspace.assert_no_changes()
    # WHEN the overlap is over THEN the old key is refused as expired.
    assert_rolled_then_expired(kh, sqlite_service.url, key, first["id"], second["id"])
    del key
    workspace.destroy()


RENAMED = """
resource "keyhouse_project" "p" {{
  name = "{project}"
}}
resource "keyhouse_api_key" "k" {{
  name    = "k-{s}"
  project = keyhouse_project.p.name
  scopes  = ["job"]
}}
"""


def test_a_key_follows_its_renamed_project_by_replacement(
    workspace: Workspace, kh: Keyhouse
) -> None:
    # GIVEN a key restricted to a project WHEN the project is renamed (a new project)
    # THEN the key is replaced, not rolled: a rolled key would still be restricted to the old
    # project, which Terraform deletes first and the service keeps while a key is in it.
    s = unique("moved")
    workspace.write(RENAMED.format(project=f"a-{s}", s=s))
    workspace.apply()
    first = workspace.state()["keyhouse_api_key.k"]
    workspace.write(RENAMED.format(project=f"b-{s}", s=s))
    assert workspace.changes() == {
        "keyhouse_project.p": ["delete", "create"],
        "keyhouse_api_key.k": ["delete", "create"],
    }
    workspace.apply()
    second = workspace.state()["keyhouse_api_key.k"]
    assert (second["project"], kh.api_keys.get(key_id=second["id"]).project) == (f"b-{s}",) * 2
    assert [k.id for k in kh.api_keys.iter(name=f"k-{s}")] == [second["id"]]
    assert first["id"] != second["id"]
    workspace.destroy()
