"""The generator on write-only arguments and ephemeral resources (Terraform 1.10/1.11, protocol
6.7/6.8), from a fabricated schema: generated, then synthesized under CDK Terrain and CDKTF."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from keyhouse_cdk_codegen import generate
from keyhouse_cdk_codegen.model import elements
from keyhouse_cdk_codegen.schema import ProviderSchema


def attribute(spec: Any, **flags: bool) -> dict[str, Any]:
    return {"type": spec, "description": "d", **flags}


SCHEMA = ProviderSchema(
    "registry.terraform.io/keyhouse/keyhouse",
    "9.9.9",
    {
        "provider": {"block": {"attributes": {"url": attribute("string", optional=True)}}},
        "resource_schemas": {
            "keyhouse_vault": {
                "block": {
                    "attributes": {
                        "id": attribute("string", computed=True),
                        "name": attribute("string", required=True),
                        "value_wo": attribute("string", optional=True, write_only=True),
                        "value_wo_version": attribute("number", optional=True),
                    }
                }
            }
        },
        "ephemeral_resource_schemas": {
            "keyhouse_token": {
                "block": {
                    "description": "A token for one run.",
                    "attributes": {
                        "name": attribute("string", required=True),
                        "value": attribute("string", computed=True, sensitive=True),
                    },
                }
            }
        },
    },
)

APP = """
import json, sys
import {library} as cdk
from keyhouse_cdk.l1 import EphemeralKeyhouseToken, KeyhouseProvider, Vault
stack = cdk.TerraformStack(cdk.Testing.app(), "t")
KeyhouseProvider(stack, "k")
try:
    token = EphemeralKeyhouseToken(stack, "Token", name="ci")
except RuntimeError as error:
    print(json.dumps({{"error": str(error)}}))
    sys.exit(0)
Vault(stack, "Vault", name="v", value_wo=token.value, value_wo_version=1)
print(cdk.Testing.synth(stack))
"""


def test_write_only_and_ephemeral_are_read_from_the_schema() -> None:
    found = {e.terraform_type: e for e in elements(SCHEMA)}
    vault, token = found["keyhouse_vault"], found["keyhouse_token"]
    # A write-only argument is an input, documented as such, with no getter (always null).
    assert vault.write_only == ("value_wo",)
    assert "value_wo" in [a.name for a in vault.inputs]
    assert "value_wo" not in [a.name for a in vault.outputs]
    assert "Write-only" in next(a.doc for a in vault.inputs if a.name == "value_wo")
    # An ephemeral resource is a class of its own, on CDK Terrain's base.
    assert (token.kind, token.class_name, token.module) == (
        "ephemeral",
        "EphemeralKeyhouseToken",
        "ephemeral_keyhouse_token",
    )
    assert token.base == "_support.EphemeralResource"


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("terrain")
    (root / "keyhouse_cdk").mkdir()
    (root / "keyhouse_cdk" / "__init__.py").write_text("")
    generate(SCHEMA, root / "keyhouse_cdk" / "l1")
    return root


def synthesize(package: Path, library: str) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": str(package), "KEYHOUSE_CDK_LIBRARY": library}
    result = subprocess.run(
        [sys.executable, "-c", APP.format(library=library)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    found: dict[str, Any] = json.loads(result.stdout)
    return found


def test_under_cdk_terrain_an_ephemeral_value_feeds_a_write_only_argument(package: Path) -> None:
    # GIVEN the generated package WHEN an app on CDK Terrain uses both
    document = synthesize(package, "cdktn")
    # THEN the token is an ephemeral block, and the write-only argument references it
    assert document["ephemeral"]["keyhouse_token"]["Token"]["name"] == "ci"
    vault = document["resource"]["keyhouse_vault"]["Vault"]
    assert vault["value_wo"] == "${ephemeral.keyhouse_token.Token.value}"
    assert vault["value_wo_version"] == 1


def test_under_cdktf_an_ephemeral_resource_says_it_needs_cdk_terrain(package: Path) -> None:
    # GIVEN the same package on CDKTF, which has no ephemeral blocks
    # WHEN the app defines the ephemeral resource THEN it is told what to install
    document = synthesize(package, "cdktf")
    assert "need CDK Terrain" in document["error"]
    assert "keyhouse[cdktn]" in document["error"]
