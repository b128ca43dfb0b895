"""``python -m stacks``: synthesize every stack (what ``cdktf synth`` and ``cdktf deploy`` run)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import cdktf

from keyhouse_cdk.l1 import _support
from stacks.api_keys import ApiKeysStack
from stacks.base import KeyhouseStack
from stacks.cluster_access import ClusterAccessStack
from stacks.model_keys import ModelKeysStack
from stacks.project_secrets import ProjectSecretsStack


def build(app: cdktf.App) -> list[KeyhouseStack]:
    """Every stack of the app, in seed order."""
    return [
        ClusterAccessStack(app),
        ApiKeysStack(app),
        ModelKeysStack(app),
        ProjectSecretsStack(app),
    ]


def seed_lock_files(outdir: Path, stacks: Sequence[cdktf.TerraformStack]) -> None:
    """Give each stack's working directory a dependency lock entry for the provider.

    On a stack's first deploy, ``cdktf deploy`` finds no ``.terraform.lock.hcl``
    and runs ``terraform providers lock``, which always asks the provider's origin
    registry (it ignores mirrors), and ``keyhouse/keyhouse`` is not published there:
    offline, the deploy would fail. An entry with the version and no hashes is what
    ``terraform init`` completes from the local mirror. A lock file that exists is
    left alone.
    """
    version = _support.METADATA.provider_version
    entry = (
        "# Seeded by stacks/__main__.py; terraform init adds the hashes.\n"
        f'provider "registry.terraform.io/{_support.SOURCE}" {{\n'
        f'  version     = "{version}"\n'
        f'  constraints = "{version}"\n'
        "}\n"
    )
    for stack in stacks:
        lock = outdir / "stacks" / stack.node.id / ".terraform.lock.hcl"
        if lock.parent.is_dir() and not lock.exists():
            lock.write_text(entry)


def main() -> None:
    """Build the app and write ``cdktf.out``."""
    app = cdktf.App()
    stacks = build(app)
    app.synth()
    seed_lock_files(Path(app.outdir), stacks)


if __name__ == "__main__":
    main()
