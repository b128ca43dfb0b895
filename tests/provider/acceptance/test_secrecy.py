"""A key made with ``store_in_secret`` appears in no file Terraform writes and no output."""

from __future__ import annotations

import zipfile
from pathlib import Path

from keyhouse_client import Keyhouse
from tests.provider.harness.terraform import Result, Workspace
from tests.support.actors import unique

CONFIG = """
resource "keyhouse_role" "r" {{
  name = "{s}"
}}
resource "keyhouse_api_key" "stored" {{
  name       = "{name}"
  owner_role = keyhouse_role.r.name
  scopes     = ["job"]
  store_in_secret {{
    name = "secrecy/{s}"
  }}
}}
resource "keyhouse_api_key" "kept" {{
  name   = "kept-{s}"
  scopes = ["job"]
}}
"""


def _texts(path: Path) -> list[bytes]:
    """A file's bytes, and for a plan file (a zip) each member's bytes too."""
    data = [path.read_bytes()]
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            data += [archive.read(member) for member in archive.namelist()]
    return data


def test_a_stored_key_is_in_no_state_plan_log_or_output(
    workspace: Workspace, kh: Keyhouse, tmp_path: Path
) -> None:
    s = unique("secrecy")
    log = tmp_path / "terraform.log"
    traced = {"TF_LOG": "trace", "TF_LOG_PATH": str(log)}
    outputs: list[Result] = []

    workspace.write(CONFIG.format(s=s, name="first"))
    outputs.append(workspace.run("plan", "-no-color", "-out=before.tfplan", env=traced).check())
    outputs.append(workspace.run("apply", "-no-color", "before.tfplan", env=traced).check())
    state = workspace.state()
    stored = state["keyhouse_api_key.stored"]
    key = kh.secrets.get_value(secret_id=stored["stored_secret_id"]).value.get_secret_value()
    assert kh.keys.verify(key=key).key_id == stored["id"]

    workspace.write(CONFIG.format(s=s, name="renamed"))
    outputs.append(workspace.run("plan", "-no-color", "-out=after.tfplan", env=traced).check())
    outputs.append(workspace.run("show", "-json", "after.tfplan").check())
    outputs.append(workspace.run("apply", "-no-color", "after.tfplan", env=traced).check())
    outputs.append(workspace.run("plan", "-refresh-only", "-no-color", env=traced).check())
    outputs.append(workspace.run("show", "-json").check())
    outputs.append(workspace.run("show", "-no-color").check())
    assert workspace.state()["keyhouse_api_key.stored"]["id"] == stored["id"]  # renamed in place

    files = [
        workspace.directory / "terraform.tfstate",
        workspace.directory / "terraform.tfstate.backup",
        workspace.directory / "before.tfplan",
        workspace.directory / "after.tfplan",
        log,
    ]
    scanned = [blob for path in files for blob in _texts(path)]
    scanned += [r.output.encode() for r in outputs]
    assert log.stat().st_size > 10_000  # the trace log was written
    secret_part = key.rsplit("_", 1)[1].encode()
    for blob in scanned:
        assert key.encode() not in blob
        assert secret_part not in blob

    kept = state["keyhouse_api_key.kept"]["key"]  # the control: a key kept in the state is found
    assert kept.startswith("kh_")
    assert any(kept.encode() in blob for blob in _texts(workspace.directory / "terraform.tfstate"))
    workspace.destroy()


EPHEMERAL_CONFIG = """
variable "outside" {{
  type      = string
  ephemeral = true
}}
ephemeral "keyhouse_secret" "source" {{
  name = "{source}"
}}
ephemeral "keyhouse_api_key" "ci" {{
  scopes           = ["secrets"]
  lifetime_minutes = 10
}}
provider "keyhouse" {{
  alias   = "ci"
  api_key = ephemeral.keyhouse_api_key.ci.key
}}
resource "keyhouse_secret" "copied" {{
  name             = "wo/{s}/copied"
  value_wo         = ephemeral.keyhouse_secret.source.value
  value_wo_version = {version}
}}
resource "keyhouse_secret" "from_variable" {{
  name             = "wo/{s}/variable"
  value_wo         = var.outside
  value_wo_version = 1
}}
resource "keyhouse_secret" "handed" {{
  provider         = keyhouse.ci
  name             = "wo/{s}/handed"
  value_wo         = ephemeral.keyhouse_api_key.ci.key
  value_wo_version = 1
}}
resource "keyhouse_secret" "control" {{
  name  = "wo/{s}/control"
  value = "{control}"
}}
"""


def test_write_only_and_ephemeral_values_are_in_no_state_plan_log_or_output(
    workspace: Workspace, kh: Keyhouse, tmp_path: Path
) -> None:
    """value_wo from an ephemeral secret, an ephemeral variable and an ephemeral key
    (which also configures a second provider for the run): written to the service,
    found in nothing Terraform writes or prints."""
    s = unique("wo")
    source = f"wo/{s}/source"
    first, second = f"source-{unique('v1')}", f"source-{unique('v2')}"
    outside = f"outside-{unique('var')}"
    control = f"control-{unique('c')}"
    created = kh.secrets.create(name=source, value=first)
    log = tmp_path / "terraform.log"
    env = {"TF_LOG": "trace", "TF_LOG_PATH": str(log), "TF_VAR_outside": outside}
    outputs: list[Result] = []

    def run(*args: str) -> Result:
        result = workspace.run(*args, env=env).check()
        outputs.append(result)
        return result

    workspace.write(EPHEMERAL_CONFIG.format(s=s, source=source, version=1, control=control))
    run("plan", "-no-color", "-out=first.tfplan")
    run("show", "-json", "first.tfplan")
    run("apply", "-no-color", "first.tfplan")
    state = workspace.state()
    copied, handed = state["keyhouse_secret.copied"], state["keyhouse_secret.handed"]
    assert kh.secrets.get_value(secret_id=copied["id"]).value.get_secret_value() == first
    variable = state["keyhouse_secret.from_variable"]
    assert kh.secrets.get_value(secret_id=variable["id"]).value.get_secret_value() == outside
    key = kh.secrets.get_value(secret_id=handed["id"]).value.get_secret_value()
    made = kh.keys.verify(key=key)
    assert made.valid is False  # the run's key, revoked when Terraform closed it
    ephemeral = kh.api_keys.get(key_id=key.split("_")[1])
    assert (ephemeral.status, ephemeral.name[:20]) == ("revoked", "terraform-ephemeral-")
    for name in ("copied", "from_variable", "handed"):
        values = state[f"keyhouse_secret.{name}"]
        assert (values["value"], values["value_wo"]) == (None, None)
    run("plan", "-no-color", "-detailed-exitcode")  # no changes: exit code 0

    # A new value outside, and a new version in the configuration: written again.
    kh.secrets.put_value(secret_id=created.id, value=second)
    workspace.write(EPHEMERAL_CONFIG.format(s=s, source=source, version=2, control=control))
    run("plan", "-no-color", "-out=second.tfplan")
    run("show", "-json", "second.tfplan")
    run("apply", "-no-color", "second.tfplan")
    assert kh.secrets.get_value(secret_id=copied["id"]).value.get_secret_value() == second
    run("plan", "-refresh-only", "-no-color")
    run("show", "-json")
    run("show", "-no-color")
    assert not [
        k for k in kh.api_keys.iter(search="terraform-ephemeral-") if k.status == "active"
    ]  # every run's key was revoked at its end

    files = [
        workspace.directory / name
        for name in (
            "terraform.tfstate",
            "terraform.tfstate.backup",
            "first.tfplan",
            "second.tfplan",
        )
    ] + [log]
    scanned = [blob for path in files for blob in _texts(path)]
    scanned += [r.output.encode() for r in outputs]
    assert log.stat().st_size > 10_000  # the trace log was written
    for value in (first, second, outside, key, key.rsplit("_", 1)[1]):
        for blob in scanned:
            assert value.encode() not in blob

    # The control: a value kept in the state is found by the same scan.
    assert any(
        control.encode() in blob for blob in _texts(workspace.directory / "terraform.tfstate")
    )
    run("destroy", "-auto-approve", "-no-color")
