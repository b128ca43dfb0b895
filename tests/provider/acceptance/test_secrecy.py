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
