"""``python -m stacks``: synthesize every stack (what ``cdktf synth`` and ``cdktf deploy`` run)."""

from __future__ import annotations

from keyhouse_cdk import cdk
from stacks.api_keys import ApiKeysStack
from stacks.base import KeyhouseStack
from stacks.cluster_access import ClusterAccessStack
from stacks.model_keys import ModelKeysStack
from stacks.project_secrets import ProjectSecretsStack

TARGET_VERSIONS = {"terraform": ">=1.11.0"}
"""The Terraform versions the app targets: write-only arguments need 1.11."""


def build(app: cdk.App) -> list[KeyhouseStack]:
    """Every stack of the app, in seed order."""
    return [
        ClusterAccessStack(app),
        ApiKeysStack(app),
        ModelKeysStack(app),
        ProjectSecretsStack(app),
    ]


def main() -> None:
    """Build the app and write ``cdk.out``."""
    # CDK Terrain checks write-only arguments (the break-glass token's) against the Terraform
    # versions the project targets (cdktf.json's targetVersions, which the cdktn CLI passes
    # as this context); they need 1.11. CDKTF ignores it.
    app = cdk.App(context={"targetVersions": TARGET_VERSIONS})
    build(app)
    app.synth()


if __name__ == "__main__":
    main()
