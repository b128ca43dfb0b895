"""Importing the client builds no validator: each model builds its own when first used.

The Terraform provider imports the client in every process Terraform starts and
uses a handful of its models, so validators built at import were most of the
import's cost.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap


def test_models_build_their_validators_when_first_used() -> None:
    script = textwrap.dedent(
        """
        import inspect
        from keyhouse_client import models
        from keyhouse_client._base import Model

        classes = [
            c for _, c in inspect.getmembers(models, inspect.isclass)
            if issubclass(c, Model) and c is not Model
        ]
        built = [c.__name__ for c in classes if c.__pydantic_complete__]
        print(len(classes), ",".join(built))
        action = models.ActionPublic.model_validate(
            {"name": "secrets:GetSecretValue", "scope": "secrets", "resource": "secret"}
        )
        print(models.ActionPublic.__pydantic_complete__, action.scope)
        """
    )
    lines = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    count, built = lines[0].split(" ", 1) if " " in lines[0] else (lines[0], "")
    assert int(count) > 50, lines
    assert built == "", f"validators built at import: {built}"
    assert lines[1] == "True secrets"
