"""A missing or unreachable service is one clear error, never a traceback."""

from __future__ import annotations

from tests.provider.harness.terraform import Workspace
from tests.support.postgres import free_port

CONFIG = """
provider "keyhouse" {
  url         = "%s"
  max_retries = 0
}
resource "keyhouse_role" "a" {
  name = "a"
}
resource "keyhouse_role" "b" {
  name = "b"
}
resource "keyhouse_secret" "c" {
  name  = "c"
  value = "v"
}
data "keyhouse_caller_identity" "me" {}
"""


def test_an_unreachable_service_is_one_error(workspace: Workspace) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    workspace.write(CONFIG % url)
    result = workspace.run("plan", "-no-color")
    assert result.returncode == 1
    assert result.stderr.count("Error:") == 1, result.stderr
    assert "Error: Cannot reach the Keyhouse service" in result.stderr
    assert url in result.stderr
    assert "Traceback" not in result.output


def test_a_missing_url_is_one_error(workspace: Workspace) -> None:
    workspace.write(CONFIG.replace('url         = "%s"\n', ""))
    result = workspace.run("plan", "-no-color", env={"KEYHOUSE_URL": ""})
    assert result.returncode == 1
    assert result.stderr.count("Error:") == 1, result.stderr
    assert "Error: Missing Keyhouse URL" in result.stderr
    assert "KEYHOUSE_URL" in result.stderr
