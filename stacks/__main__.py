"""``python -m stacks``: synthesize every stack (what ``cdktf synth`` and ``cdktf deploy`` run)."""

from __future__ import annotations

from keyhouse_cdk import cdk
from stacks.api_keys import ApiKeysStack
from stacks.base import KeyhouseStack
from stacks.cluster_access import ClusterAccessStack
from stacks.model_keys import ModelKeysStack
from stacks.project_secrets import ProjectSecretsStack


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
    app = cdk.App()
    build(app)
    app.synth()


if __name__ == "__main__":
    main()
