"""What every stack shares: the provider, where its state lives, and outputs."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import constructs

from keyhouse_cdk import cdk
from keyhouse_cdk.l1 import KeyhouseProvider
from stacks import STATE_DIR_ENV


class KeyhouseStack(cdk.TerraformStack):
    """A stack with the Keyhouse provider configured from the environment.

    The provider reads ``KEYHOUSE_URL`` and ``KEYHOUSE_API_KEY`` itself, when
    Terraform runs: the admin key is never written into the synthesized JSON.
    """

    def __init__(self, scope: constructs.Construct, name: str) -> None:
        super().__init__(scope, name)
        state_dir = os.environ.get(STATE_DIR_ENV)
        if state_dir:
            path = Path(state_dir).expanduser().resolve() / f"terraform.{name}.tfstate"
            cdk.LocalBackend(self, path=str(path))
        self.provider = KeyhouseProvider(self, "keyhouse")

    def output(self, name: str, value: Any, description: str) -> cdk.TerraformOutput:
        """A stack output (never a secret: every value here is safe to print)."""
        return cdk.TerraformOutput(self, name, value=value, description=description)
