"""The README's "which pattern when" configuration, applied as a user would copy it."""

from __future__ import annotations

import re
from pathlib import Path

from keyhouse_client import Keyhouse
from tests.provider.harness.terraform import Workspace
from tests.support.actors import unique

README = Path(__file__).resolve().parents[3] / "README.md"


def _pattern_block() -> str:
    text = README.read_text()
    section = text[text.index("### Keeping a value out of the state") :]
    found = re.search(r"```hcl\n(.*?)```", section, re.DOTALL)
    assert found is not None, "no hcl block in the README's patterns section"
    return found.group(1)


def test_the_readme_patterns_apply_and_keep_values_out_of_the_state(
    workspace: Workspace, kh: Keyhouse
) -> None:
    project = unique("readme-wo")
    kh.projects.create(name=project)
    upstream = f"upstream-{unique('u')}"
    kh.secrets.create(
        name="upstream/api-token", value=upstream, project=project, visibility="project"
    )
    token = f"vendor-{unique('t')}"
    workspace.write(_pattern_block().replace('"featurestore', f'"{project}'))
    env = {"TF_VAR_vendor_token": token}
    workspace.run("apply", "-auto-approve", "-no-color", "-input=false", env=env).check()

    def value(name: str) -> str:
        return kh.secrets.get_value(
            secret_id=kh.secrets.get_by_name(name=name, project=project).id
        ).value.get_secret_value()

    assert value(f"{project}/vendor-token") == token
    assert value(f"{project}/upstream-token") == upstream
    assert value(f"{project}/last-release") == "v1.4.2"
    state = (workspace.directory / "terraform.tfstate").read_text()
    assert token not in state
    assert upstream not in state
    assert "v1.4.2" in state  # set with value: kept in the state, as the README says
    workspace.run("destroy", "-auto-approve", "-no-color", env=env).check()
