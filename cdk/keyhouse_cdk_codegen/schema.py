"""The provider's schema as Terraform sees it: ``terraform providers schema -json``.

The provider is installed into a temporary filesystem mirror and initialised in
a temporary working directory with a CLI configuration written here, so that
neither the user's Terraform configuration nor the network is involved.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from keyhouse_provider import SOURCE, VERSION
from keyhouse_provider.install import install

TERRAFORM = shutil.which("terraform") or "/usr/local/bin/terraform"


@dataclass(frozen=True)
class ProviderSchema:
    """One provider's schema document, with the address and version it was read from."""

    source: str
    """The full source address, ``registry.terraform.io/keyhouse/keyhouse``."""
    version: str
    document: dict[str, Any]
    """The provider's entry of ``provider_schemas``: provider, resource and data source schemas."""
    lock_hashes: tuple[str, ...] = ()
    """The package's checksums as ``terraform init`` locked them (none for a saved schema)."""

    @property
    def short_source(self) -> str:
        """The source as configurations write it: ``keyhouse/keyhouse``."""
        return self.source.removeprefix("registry.terraform.io/")

    @property
    def name(self) -> str:
        """The provider's local name: ``keyhouse``."""
        return self.source.rsplit("/", 1)[-1]


def from_terraform() -> ProviderSchema:
    """Install the provider in a scratch mirror, ``terraform init`` and read the schema."""
    with tempfile.TemporaryDirectory(prefix="keyhouse-cdk-codegen-") as scratch:
        root = Path(scratch)
        mirror = root / "mirror"
        install(mirror)
        short = SOURCE.removeprefix("registry.terraform.io/")
        config = root / "terraform.rc"
        config.write_text(
            "provider_installation {\n"
            f'  filesystem_mirror {{\n    path    = "{mirror}"\n    include = ["{short}"]\n  }}\n'
            f'  direct {{\n    exclude = ["{short}"]\n  }}\n'
            "}\n"
        )
        work = root / "work"
        work.mkdir()
        (work / "main.tf").write_text(
            "terraform {\n  required_providers {\n"
            f'    keyhouse = {{\n      source  = "{short}"\n      version = "{VERSION}"\n    }}\n'
            "  }\n}\n"
        )
        env = {k: v for k, v in os.environ.items() if not k.startswith("TF_")}
        env.update(
            TF_CLI_CONFIG_FILE=str(config),
            TF_DATA_DIR=str(root / "data"),
            CHECKPOINT_DISABLE="1",
            HOME=str(root),
        )
        _terraform(work, env, "init", "-no-color", "-input=false", "-backend=false")
        output = _terraform(work, env, "providers", "schema", "-json")
        hashes = lock_hashes((work / ".terraform.lock.hcl").read_text())
    schemas = json.loads(output)["provider_schemas"]
    return ProviderSchema(SOURCE, VERSION, schemas[SOURCE], hashes)


def lock_hashes(lock: str) -> tuple[str, ...]:
    """The hashes a lock file records for the provider at ``SOURCE``."""
    entry = re.search(r'provider "' + re.escape(SOURCE) + r'" \{(.*?)\n\}', lock, re.DOTALL)
    if entry is None:
        raise RuntimeError(f"terraform init locked no {SOURCE}:\n{lock}")
    return tuple(sorted(re.findall(r'"(h1:[^"]+)"', entry.group(1))))


def from_file(path: Path, version: str = VERSION) -> ProviderSchema:
    """A saved ``terraform providers schema -json`` document (for the provider at ``SOURCE``)."""
    schemas = json.loads(path.read_text())["provider_schemas"]
    return ProviderSchema(SOURCE, version, schemas[SOURCE])


def _terraform(cwd: Path, env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [TERRAFORM, *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"terraform {' '.join(args)} failed:\n{result.stdout}{result.stderr}")
    return result.stdout
