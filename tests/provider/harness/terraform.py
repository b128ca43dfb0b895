"""The real ``terraform`` binary, in temporary working directories, against a live service.

One ``terraform init`` per session fills a shared data directory (``TF_DATA_DIR``)
whose provider comes from a temporary filesystem mirror the provider was
installed into; each working directory gets that init's lock file. Terraform
reads a CLI configuration the tests write (never the user's), and never
phones home (``CHECKPOINT_DISABLE``).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scripts.cdktf_cli import cli_config

__all__ = ["REQUIRED_PROVIDERS", "TERRAFORM", "cli_config"]

TERRAFORM = shutil.which("terraform") or "/usr/local/bin/terraform"

REQUIRED_PROVIDERS = """terraform {
  required_providers {
    keyhouse = {
      source  = "keyhouse/keyhouse"
      version = "0.1.0"
    }
  }
}
"""


@dataclass(frozen=True)
class Result:
    """A finished ``terraform`` command."""

    args: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        """stdout and stderr together."""
        return self.stdout + self.stderr

    def check(self) -> Result:
        """This result, if the command succeeded."""
        assert self.returncode == 0, (
            f"terraform {' '.join(self.args)} exited {self.returncode}:\n{self.output[-6000:]}"
        )
        return self


@dataclass(frozen=True)
class Toolchain:
    """What every working directory shares: CLI configuration, data directory, lock file."""

    home: Path
    cli_config: Path
    data_dir: Path
    lock_file: Path

    def environment(self, url: str, api_key: str) -> dict[str, str]:
        """The environment terraform runs with."""
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("KEYHOUSE_", "TF_")) and k != "CHECKPOINT_DISABLE"
        }
        env.update(
            HOME=str(self.home),
            TF_CLI_CONFIG_FILE=str(self.cli_config),
            TF_DATA_DIR=str(self.data_dir),
            TF_IN_AUTOMATION="1",
            CHECKPOINT_DISABLE="1",
            KEYHOUSE_URL=url,
            KEYHOUSE_API_KEY=api_key,
        )
        return env


class Workspace:
    """A Terraform working directory."""

    def __init__(self, toolchain: Toolchain, directory: Path, url: str, api_key: str) -> None:
        self.directory = directory
        self.env = toolchain.environment(url, api_key)
        directory.mkdir(parents=True, exist_ok=True)
        shutil.copy(toolchain.lock_file, directory / ".terraform.lock.hcl")

    def write(self, configuration: str) -> None:
        """Replace the configuration (``main.tf``), with the provider requirement on top."""
        (self.directory / "main.tf").write_text(REQUIRED_PROVIDERS + configuration)

    def run(self, *args: str, env: dict[str, str] | None = None) -> Result:
        """Run ``terraform <args>`` here."""
        result = subprocess.run(
            [TERRAFORM, *args],
            cwd=self.directory,
            env={**self.env, **(env or {})},
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        return Result(tuple(args), result.returncode, result.stdout, result.stderr)

    def apply(self, *args: str) -> Result:
        """``terraform apply -auto-approve``; must succeed."""
        return self.run("apply", "-auto-approve", "-no-color", "-input=false", *args).check()

    def destroy(self) -> Result:
        """``terraform destroy -auto-approve``; must succeed."""
        return self.run("destroy", "-auto-approve", "-no-color", "-input=false").check()

    def plan(self, *args: str) -> dict[str, Any]:
        """``terraform plan`` saved and shown as JSON; must succeed."""
        self.run("plan", "-no-color", "-input=false", "-out=tfplan", *args).check()
        shown = self.run("show", "-json", "tfplan").check()
        plan: dict[str, Any] = json.loads(shown.stdout)
        return plan

    def changes(self, *args: str) -> dict[str, list[str]]:
        """What a plan would do to managed resources, by address, leaving out what stays."""
        plan = self.plan(*args)
        return {
            change["address"]: change["change"]["actions"]
            for change in plan.get("resource_changes", [])
            if change["mode"] == "managed"
            and (change["change"]["actions"] != ["no-op"] or change["change"].get("importing"))
        }

    def assert_no_changes(self) -> Result:
        """``terraform plan -detailed-exitcode`` says: no changes (and warns of nothing)."""
        result = self.run("plan", "-no-color", "-input=false", "-detailed-exitcode")
        assert result.returncode == 0, f"expected no changes:\n{result.output[-6000:]}"
        assert "Warning" not in result.output, result.output
        return result

    def state(self) -> dict[str, dict[str, Any]]:
        """The state's resources by address: their attribute values."""
        shown = json.loads(self.run("show", "-json").check().stdout)
        resources = shown.get("values", {}).get("root_module", {}).get("resources", [])
        return {r["address"]: r["values"] for r in resources if r["mode"] == "managed"}

    def outputs(self) -> dict[str, Any]:
        """The root module's outputs."""
        shown = json.loads(self.run("output", "-json").check().stdout)
        return {name: value["value"] for name, value in shown.items()}


def init_toolchain(root: Path, mirror: Path) -> Toolchain:
    """Write the CLI configuration and run the session's one ``terraform init``."""
    home = root / "home"
    home.mkdir(parents=True)
    config = root / "terraform.rc"
    config.write_text(cli_config(mirror))
    template = root / "template"
    template.mkdir()
    (template / "main.tf").write_text(REQUIRED_PROVIDERS)
    toolchain = Toolchain(home, config, root / "data", template / ".terraform.lock.hcl")
    result = subprocess.run(
        [TERRAFORM, "init", "-no-color", "-input=false"],
        cwd=template,
        env=toolchain.environment("http://unused", "unused"),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return toolchain
