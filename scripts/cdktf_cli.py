"""Running the CDKTF command line on this app, offline, with the provider from a local mirror.

``scripts/run`` and the end-to-end tests deploy the stacks the way a person
would: ``cdktf deploy <stack> --auto-approve`` from ``node_modules``, which
synthesizes with ``python -m stacks`` and runs the real ``terraform``. What this
module adds is the environment for that: a Terraform CLI configuration whose
filesystem mirror holds the provider (``keyhouse provider install``), no
checkpoint or version-check calls, and where state and ``cdktf.out`` go. (The
provider construct seeds each stack's dependency lock, so cdktf never asks the
public registry: see ``keyhouse_cdk.l1._support.seed_lock_file``.) It is tooling
for ``scripts/run`` and the tests, not part of the app.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from stacks import STATE_DIR_ENV

ROOT = Path(__file__).resolve().parents[1]
CDKTF = ROOT / "node_modules" / ".bin" / "cdktf"

_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
_APPLY = re.compile(r"Apply complete! Resources: (\d+) added, (\d+) changed, (\d+) destroyed")
_DESTROY = re.compile(r"Destroy complete! Resources: (\d+) destroyed")


def cli_config(mirror: Path) -> str:
    """A Terraform CLI configuration: keyhouse/keyhouse from ``mirror``, others as usual."""
    return (
        "provider_installation {\n"
        f'  filesystem_mirror {{\n    path    = "{mirror}"\n'
        '    include = ["keyhouse/keyhouse"]\n  }\n'
        '  direct {\n    exclude = ["keyhouse/keyhouse"]\n  }\n'
        "}\n"
    )


def install_provider(directory: Path) -> Path:
    """Install the provider into ``directory/plugins`` and write ``directory/terraform.rc``.

    Returns the CLI configuration's path.
    """
    from keyhouse_provider.install import install

    mirror = directory / "plugins"
    install(mirror)
    config = directory / "terraform.rc"
    config.write_text(cli_config(mirror.resolve()))
    return config


@dataclass(frozen=True)
class Result:
    """A finished ``cdktf`` command, its output without terminal colours."""

    args: tuple[str, ...]
    returncode: int
    output: str

    def check(self) -> Result:
        """This result, if the command succeeded."""
        if self.returncode != 0:
            raise CdktfError(self)
        return self

    def applied(self) -> list[tuple[int, int, int]]:
        """Each stack's (added, changed, destroyed), as Terraform reported them."""
        return [(int(a), int(c), int(d)) for a, c, d in _APPLY.findall(self.output)]

    def destroyed(self) -> list[int]:
        """How many resources each stack's destroy removed."""
        return [int(n) for n in _DESTROY.findall(self.output)]

    def unchanged(self) -> int:
        """How many stacks Terraform found already as configured."""
        return self.output.count("No changes. Your infrastructure matches the configuration.")


class CdktfError(RuntimeError):
    """A ``cdktf`` command failed."""

    def __init__(self, result: Result) -> None:
        self.result = result
        super().__init__(
            f"cdktf {' '.join(result.args)} exited {result.returncode}:\n{result.output[-6000:]}"
        )


@dataclass
class Cdktf:
    """The CDKTF CLI against one key service, with its own state and output directories.

    Attributes:
        url: The key service.
        api_key: The key the provider acts with (an admin's, for these stacks).
        terraform_rc: The Terraform CLI configuration (see ``install_provider``).
        work: Where ``cdktf.out`` and the state files go.
        variables: Terraform variables, passed as ``TF_VAR_<name>``.
        app_dir: Where ``cdktf.json`` is: this project's stacks, or another app.
    """

    url: str
    api_key: str = field(repr=False)
    terraform_rc: Path
    work: Path
    variables: Mapping[str, str] = field(default_factory=dict, repr=False)
    app_dir: Path = ROOT

    @property
    def output_dir(self) -> Path:
        """``cdktf.out`` for this runner."""
        return self.work / "cdktf.out"

    @property
    def state_dir(self) -> Path:
        """Where the stacks' state files are."""
        return self.work / "state"

    def environment(self) -> dict[str, str]:
        """The environment the CLI (and so the app, Terraform and the provider) runs with."""
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("KEYHOUSE_", "TF_", "CDKTF_")) and k != "CHECKPOINT_DISABLE"
        }
        env.update(
            KEYHOUSE_URL=self.url,
            KEYHOUSE_API_KEY=self.api_key,
            TF_CLI_CONFIG_FILE=str(self.terraform_rc),
            TF_IN_AUTOMATION="1",
            CHECKPOINT_DISABLE="1",
            DISABLE_VERSION_CHECK="1",
            # The provider comes from the mirror; a plugin cache would only hold stale copies.
            CDKTF_DISABLE_PLUGIN_CACHE_ENV="1",
            JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION="1",
            JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION="20",
            FORCE_COLOR="0",
        )
        env[STATE_DIR_ENV] = str(self.state_dir)
        env.update({f"TF_VAR_{name}": value for name, value in self.variables.items()})
        return env

    def run(self, *args: str, timeout: float = 600) -> Result:
        """``cdktf <args>`` from the app's directory (where its ``cdktf.json`` is)."""
        if not CDKTF.exists():
            raise FileNotFoundError(f"{CDKTF} is missing: run scripts/setup (npm ci)")
        self.work.mkdir(parents=True, exist_ok=True)
        completed = subprocess.run(
            [str(CDKTF), *args],
            cwd=self.app_dir,
            env=self.environment(),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        output = _ANSI.sub("", completed.stdout + completed.stderr)
        return Result(tuple(args), completed.returncode, output)

    def synth(self) -> Result:
        """``cdktf synth``: every stack into ``cdktf.out``."""
        return self.run("synth", "--output", str(self.output_dir))

    def deploy(self, stacks: Sequence[str]) -> Result:
        """``cdktf deploy <stacks> --auto-approve``."""
        return self.run(
            "deploy",
            *stacks,
            "--auto-approve",
            "--no-color",
            "--output",
            str(self.output_dir),
            "--outputs-file",
            str(self.outputs_file),
        )

    def destroy(self, stacks: Sequence[str]) -> Result:
        """``cdktf destroy <stacks> --auto-approve``."""
        return self.run(
            "destroy",
            *stacks,
            "--auto-approve",
            "--no-color",
            "--output",
            str(self.output_dir),
        )

    @property
    def outputs_file(self) -> Path:
        """Where ``deploy`` writes the stacks' outputs (never the sensitive ones)."""
        return self.work / "outputs.json"

    def outputs(self) -> dict[str, dict[str, Any]]:
        """The outputs of the stacks the last ``deploy`` deployed, by stack."""
        found: dict[str, dict[str, Any]] = json.loads(self.outputs_file.read_text())
        return found

    def state(self, stack: str) -> dict[str, Any]:
        """A stack's state file, parsed (it holds sensitive values: never print it)."""
        found: dict[str, Any] = json.loads(
            (self.state_dir / f"terraform.{stack}.tfstate").read_text()
        )
        return found
