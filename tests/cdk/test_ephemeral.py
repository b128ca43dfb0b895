"""Under CDK Terrain: ``EphemeralSecretValue`` and ``EphemeralApiKey`` synthesize ephemeral
blocks that feed ``Secret(value_wo=...)`` and a provider's configuration, and bad props stop
the synth naming the prop. One app, run once in an interpreter that imports cdktn (this
process has imported cdktf), prints its stack (synthesized with CDK Terrain's validations,
targeting Terraform 1.11 as the README's cdktf.json does) and the errors each bad construct
raised."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]

APP = """
import json

import cdktn

from keyhouse_cdk import EphemeralApiKey, EphemeralSecretValue, PropError, Secret, SecretValue
from keyhouse_cdk.l1 import KeyhouseProvider, Project

TARGETS = {"targetVersions": {"terraform": ">=1.11.0"}}  # as cdktf.json declares it
stack = cdktn.TerraformStack(cdktn.Testing.app(context=TARGETS), "t")
KeyhouseProvider(stack, "keyhouse")
upstream = EphemeralSecretValue(stack, "Upstream", name="upstream/api-token", project="fs")
by_id = EphemeralSecretValue(stack, "ById", secret_id="0b7c")
Secret(stack, "Copy", name="fs/upstream-copy", project="fs", value_wo=upstream.value,
       value_wo_version=2)
run = EphemeralApiKey(stack, "RunKey", scopes=["secrets"], lifetime_minutes=30, project="fs")
deployer = KeyhouseProvider(stack, "deployer", alias="deployer", api_key=run.key)
Secret(stack, "Release", name="fs/last-release", project="fs",
       value=SecretValue.unsafe_plain_text("v1.4.2"), provider=deployer)
Project(stack, "Fs", name="fs")  # after its users: they still wait for it

errors = {}
bad = {
    "value_from_ephemeral": lambda: Secret(stack, "B1", name="a", value=upstream.value),
    "value_from_ephemeral_key": lambda: Secret(stack, "B2", name="a", value=f"Bearer {run.key}"),
    "name_and_id": lambda: EphemeralSecretValue(stack, "B3", name="a", secret_id="x"),
    "neither": lambda: EphemeralSecretValue(stack, "B4"),
    "project_with_id": lambda: EphemeralSecretValue(stack, "B5", secret_id="x", project="fs"),
    "unknown_scope": lambda: EphemeralApiKey(stack, "B6", scopes=["secret"]),
    "no_scope": lambda: EphemeralApiKey(stack, "B7", scopes=[]),
    "lifetime": lambda: EphemeralApiKey(stack, "B8", scopes=["keys"], lifetime_minutes=0),
    "bad_project": lambda: EphemeralApiKey(stack, "B9", scopes=["keys"], project="no such"),
}
for label, make in bad.items():
    try:
        make()
    except PropError as error:
        errors[label] = [error.prop, str(error)]
synthesized = json.loads(cdktn.Testing.synth(stack, run_validations=True))

# Without targetVersions, CDK Terrain assumes Terraform 1.5.7 and refuses both features.
untargeted = cdktn.TerraformStack(cdktn.Testing.app(), "u")
KeyhouseProvider(untargeted, "keyhouse")
token = EphemeralSecretValue(untargeted, "Token", name="t")
Secret(untargeted, "S", name="s", value_wo=token.value, value_wo_version=1)
try:
    cdktn.Testing.synth(untargeted, run_validations=True)
except Exception as error:
    errors["untargeted"] = ["", str(error)]
print(json.dumps({"stack": synthesized, "errors": errors}))
"""


@pytest.fixture(scope="module")
def synthesized() -> dict[str, Any]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KEYHOUSE_")}
    env["KEYHOUSE_CDK_LIBRARY"] = "cdktn"
    result = subprocess.run(
        [sys.executable, "-c", APP],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    found: dict[str, Any] = json.loads(result.stdout)
    return found


def test_an_ephemeral_secret_value_feeds_a_write_only_value(synthesized: dict[str, Any]) -> None:
    stack = synthesized["stack"]
    # GIVEN a secret read for the run WHEN it feeds another secret's value_wo
    # THEN it is an ephemeral block, by name and project or by id, after the project it names
    ephemeral = stack["ephemeral"]["keyhouse_secret"]
    assert ephemeral["Upstream"] == {
        "name": "upstream/api-token",
        "project": "fs",
        "depends_on": ["keyhouse_project.Fs"],
    }
    assert ephemeral["ById"] == {"id": "0b7c"}
    # AND the copy's value_wo references it, with its version, and no value
    copy = stack["resource"]["keyhouse_secret"]["Copy"]
    assert copy["value_wo"] == "${ephemeral.keyhouse_secret.Upstream.value}"
    assert copy["value_wo_version"] == 2
    assert "value" not in copy


def test_an_ephemeral_api_key_configures_a_provider(synthesized: dict[str, Any]) -> None:
    stack = synthesized["stack"]
    # GIVEN a key made for the run WHEN a provider acts with it
    assert stack["ephemeral"]["keyhouse_api_key"]["RunKey"] == {
        "scopes": ["secrets"],
        "lifetime_minutes": 30,
        "project": "fs",
        "depends_on": ["keyhouse_project.Fs"],
    }
    # THEN the aliased provider's api_key is the ephemeral key, and the secret uses it
    providers = stack["provider"]["keyhouse"]
    assert {"alias": "deployer", "api_key": "${ephemeral.keyhouse_api_key.RunKey.key}"} in (
        providers
    )
    assert stack["resource"]["keyhouse_secret"]["Release"]["provider"] == "keyhouse.deployer"


def test_a_project_that_targets_terraform_before_1_11_is_refused(
    synthesized: dict[str, Any],
) -> None:
    # GIVEN an app that declares no targetVersions (CDK Terrain then assumes 1.5.7)
    # WHEN it synthesizes an ephemeral value into a write-only argument
    # THEN CDK Terrain's validation names both constructs and the versions they need
    refused = synthesized["errors"]["untargeted"][1]
    assert "[u/Token/Default] ephemeral resources requires terraform >=1.10.0" in refused
    assert "[u/S/Default] write-only attributes requires terraform >=1.11.0" in refused


@pytest.mark.parametrize(
    ("label", "prop", "says"),
    [
        ("value_from_ephemeral", "value", "pass it as value_wo"),
        ("value_from_ephemeral_key", "value", "pass it as value_wo"),
        ("name_and_id", "name", "name or its secret_id"),
        ("neither", "name", "name or its secret_id"),
        ("project_with_id", "project", "goes with name"),
        ("unknown_scope", "scopes", "unknown scope 'secret' (did you mean 'secrets'?)"),
        ("no_scope", "scopes", "at least one scope"),
        ("lifetime", "lifetime_minutes", "whole number of minutes, at least 1 (got 0)"),
        ("bad_project", "project", "'no such' is not a valid name"),
    ],
)
def test_bad_props_stop_the_synth_naming_the_prop(
    synthesized: dict[str, Any], label: str, prop: str, says: str
) -> None:
    # GIVEN a construct with props that cannot work WHEN defined THEN a PropError names the prop
    assert synthesized["errors"][label][0] == prop
    assert says in synthesized["errors"][label][1]
    # AND the stack holds nothing of it
    stack = synthesized["stack"]
    assert set(stack["ephemeral"]["keyhouse_secret"]) == {"Upstream", "ById"}
    assert set(stack["ephemeral"]["keyhouse_api_key"]) == {"RunKey"}
    assert set(stack["resource"]["keyhouse_secret"]) == {"Copy", "Release"}
