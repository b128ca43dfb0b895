"""What a user sees of the constructs from Python itself: signatures, and jsii's banner."""

from __future__ import annotations

import inspect
import os
import subprocess
import sys

import pytest

from keyhouse_cdk import (
    ApiKey,
    ClusterApiKey,
    EphemeralApiKey,
    EphemeralSecretValue,
    Grant,
    Secret,
)
from keyhouse_cdk.l1 import KeyhouseProvider, Project


@pytest.mark.parametrize(
    ("construct", "expected"),
    [
        (ClusterApiKey, ["scope", "id_", "role", "project", "scopes", "expires_in_days"]),
        (
            Secret,
            ["scope", "id_", "name", "value", "value_wo", "value_wo_version", "project"],
        ),
        (EphemeralSecretValue, ["scope", "id_", "name", "project", "secret_id"]),
        (EphemeralApiKey, ["scope", "id_", "scopes", "lifetime_minutes", "project"]),
        (ApiKey, ["scope", "id_", "name", "scopes", "owner_user", "owner_role"]),
        (Grant, ["scope", "id_", "grantee", "actions", "resources"]),
        (Project, ["scope", "id_", "name", "description"]),
        (KeyhouseProvider, ["scope", "id_", "api_key"]),
    ],
)
def test_signatures_show_the_real_arguments(construct: type, expected: list[str]) -> None:
    # GIVEN a construct class WHEN inspected THEN its arguments show, not (*args, **kwargs)
    parameters = list(inspect.signature(construct).parameters)
    assert parameters[: len(expected)] == expected


@pytest.mark.parametrize("first", ["cdktf", "keyhouse_cdk"])
def test_no_node_banner_whatever_the_import_order(first: str) -> None:
    # GIVEN a fresh interpreter of this environment, none of jsii's silencing variables set
    env = {k: v for k, v in os.environ.items() if not k.startswith("JSII_")}
    second = "keyhouse_cdk" if first == "cdktf" else "cdktf"
    # WHEN an app imports cdktf and keyhouse_cdk in either order and starts Node
    code = f"import {first}, {second}; import cdktf; cdktf.App(outdir='/tmp/unused-out')"
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False
    )
    # THEN jsii's end-of-life banner is not printed
    assert result.returncode == 0, result.stderr[-2000:]
    assert "end-of-life" not in result.stderr
