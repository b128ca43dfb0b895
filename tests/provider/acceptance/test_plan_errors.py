"""Bad input fails ``terraform plan``, naming the attribute and the service's reason."""

from __future__ import annotations

import re

from keyhouse_client import Keyhouse
from tests.provider.harness.terraform import Result, Workspace
from tests.support.actors import unique

CHECKED_BY_THE_SERVICE = """
resource "keyhouse_project" "p" {{
  name = "errors-{s}"
}}
resource "keyhouse_api_key" "scoped" {{
  name   = "scoped-{s}"
  scopes = ["job", "telepathy"]
}}
resource "keyhouse_api_key" "long" {{
  name            = "long-{s}"
  scopes          = ["job"]
  expires_in_days = 1000
}}
resource "keyhouse_secret" "grows" {{
  name  = "grows-{s}"
  # Known only once the plan knows the project's name: checked at plan, not validation.
  value = "${{keyhouse_project.p.name}}${{format("%8990s", "y")}}"
}}
"""

TOO_BIG = """
resource "keyhouse_secret" "big" {{
  name  = "big-{s}"
  value = format("%9001s", "x")
}}
"""


BAD_LITERAL_NAMES = """
resource "keyhouse_secret" "literal" {{
  name  = "bad name//x"
  value = "v"
}}
resource "keyhouse_api_key" "stored" {{
  name   = "stored-{s}"
  scopes = ["job"]
  store_in_secret {{
    name = "keys/"
  }}
}}
"""

BAD_NAME_KNOWN_AT_PLAN = """
resource "keyhouse_project" "p" {{
  name = "names-{s}"
}}
resource "keyhouse_secret" "interpolated" {{
  # Known only once the plan knows the project's name: checked at plan, not validation.
  name    = "${{keyhouse_project.p.name}}//x"
  project = keyhouse_project.p.name
  value   = "v"
}}
"""


def _diagnostics(result: Result) -> list[str]:
    """The error blocks of terraform's output, one string each, with its line wrapping undone."""
    return [
        " ".join(block.split())
        for block in re.split(r"\n(?=Error: )", result.stderr)
        if block.startswith("Error: ")
    ]


def _one(blocks: list[str], summary: str) -> str:
    found = [b for b in blocks if b.startswith(f"Error: {summary} ")]
    assert len(found) == 1, (summary, blocks)
    return found[0]


def test_service_checks_fail_the_plan(workspace: Workspace, kh: Keyhouse) -> None:
    s = unique("err")
    workspace.write(CHECKED_BY_THE_SERVICE.format(s=s))
    result = workspace.run("plan", "-no-color", "-input=false")
    assert result.returncode == 1
    blocks = _diagnostics(result)
    assert len(blocks) == 3, blocks

    scope = _one(blocks, "Unknown scope")
    assert "with keyhouse_api_key.scoped" in scope
    assert 'scopes = ["job", "telepathy"]' in scope  # the attribute, pointed at
    assert "'telepathy' is not in the service's scope catalog" in scope

    lifetime = _one(blocks, "Key lifetime beyond the maximum")
    assert "with keyhouse_api_key.long" in lifetime
    assert "expires_in_days = 1000" in lifetime
    assert "maximum key lifetime of 730 days set by the admin" in lifetime

    size = _one(blocks, "Secret value too long")
    assert "with keyhouse_secret.grows" in size
    assert "value = " in size
    assert f"{len(f'errors-{s}') + 8990} characters" in size
    assert " " * 100 not in result.output  # the value is not repeated

    assert "Traceback" not in result.output
    assert list(kh.api_keys.iter(name=f"scoped-{s}")) == []
    assert workspace.state() == {}


def test_an_oversize_literal_fails_validation(workspace: Workspace) -> None:
    workspace.write(TOO_BIG.format(s=unique("big")))
    for command in ("validate", "plan"):
        result = workspace.run(command, "-no-color")
        assert result.returncode == 1
        (block,) = _diagnostics(result)
        assert block.startswith("Error: Secret value too long")
        assert "with keyhouse_secret.big" in block
        assert "9001 characters; Keyhouse keeps at most 9000" in block


def test_secret_names_the_service_would_refuse_fail_the_plan(workspace: Workspace) -> None:
    s = unique("names")
    workspace.write(BAD_LITERAL_NAMES.format(s=s))
    for command in ("validate", "plan"):
        result = workspace.run(command, "-no-color")
        assert result.returncode == 1
        literal, stored = _diagnostics(result)
        assert literal.startswith("Error: Invalid secret name with keyhouse_secret.literal")
        assert "'bad name//x' path segments may hold only letters" in literal
        assert stored.startswith("Error: Invalid secret name with keyhouse_api_key.stored")
        assert "'keys/' must not end with '/'" in stored

    workspace.write(BAD_NAME_KNOWN_AT_PLAN.format(s=s))
    assert workspace.run("validate", "-no-color").returncode == 0
    result = workspace.run("plan", "-no-color", "-input=false")
    assert result.returncode == 1
    (interpolated,) = _diagnostics(result)
    assert interpolated.startswith("Error: Invalid secret name with keyhouse_secret.interpolated")
    assert f"'names-{s}//x' must not contain an empty path segment" in interpolated
    assert workspace.state() == {}
