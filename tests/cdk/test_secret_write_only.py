"""``Secret(value_wo=..., value_wo_version=N)`` and ``Secret.from_file(..., value_wo_version=N)``
under CDKTF: what they synthesize, the props checked at synth, and the ephemeral constructs
that CDKTF cannot synthesize. (The same under CDK Terrain: ``test_ephemeral.py``.)"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import cdktf
import pytest

from keyhouse_cdk import (
    EphemeralApiKey,
    EphemeralSecretValue,
    LibraryError,
    PropError,
    Secret,
    SecretValue,
)
from tests.cdk.synth import resources, synth


def token(stack: cdktf.TerraformStack) -> str:
    variable = cdktf.TerraformVariable(stack, "token", type="string", sensitive=True)
    return variable.string_value


def test_a_write_only_value_synthesizes_as_value_wo_and_its_version(
    stack: cdktf.TerraformStack,
) -> None:
    # GIVEN a secret whose value is write-only, from a sensitive variable
    Secret(stack, "Vendor", name="vendor/token", value_wo=token(stack), value_wo_version=3)
    # WHEN synthesized THEN it is value_wo and its version, with no value to keep in state
    (secret,) = resources(synth(stack), "keyhouse_secret").values()
    assert secret == {
        "name": "vendor/token",
        "value_wo": "${var.token}",
        "value_wo_version": 3,
    }


def test_a_write_only_literal_is_refused_unless_opted_into(stack: cdktf.TerraformStack) -> None:
    # GIVEN a literal value_wo WHEN defined THEN the synth stops: it would be in cdk.tf.json
    with pytest.raises(PropError) as raised:
        Secret(stack, "Lit", name="a/b", value_wo="hunter2", value_wo_version=1)
    assert (raised.value.path, raised.value.prop) == ("test/Lit", "value_wo")
    assert "SecretValue.unsafe_plain_text" in str(raised.value)
    assert "hunter2" not in str(raised.value)
    # AND opted into by name, it is written as given
    Secret(
        stack,
        "OptedIn",
        name="a/c",
        value_wo=SecretValue.unsafe_plain_text("fixture"),
        value_wo_version=1,
    )
    assert resources(synth(stack), "keyhouse_secret")["OptedIn"]["value_wo"] == "fixture"


def test_a_literal_value_points_to_value_wo(stack: cdktf.TerraformStack) -> None:
    # GIVEN a literal value WHEN defined THEN the error names value and offers value_wo
    with pytest.raises(PropError) as raised:
        Secret(stack, "Lit", name="a/b", value="hunter2")
    assert raised.value.prop == "value"
    assert "value_wo" in str(raised.value)
    assert "hunter2" not in str(raised.value)


@pytest.mark.parametrize(
    ("props", "prop", "says"),
    [
        ({}, "value", "give value, or value_wo with value_wo_version"),
        ({"value": "REF", "value_wo": "REF", "value_wo_version": 1}, "value_wo", "not both"),
        ({"value_wo": "REF"}, "value_wo_version", "required with value_wo"),
        ({"value": "REF", "value_wo_version": 1}, "value_wo_version", "with value, leave it out"),
        ({"value_wo": "REF", "value_wo_version": 0}, "value_wo_version", "at least 1 (got 0)"),
        ({"value_wo": "REF", "value_wo_version": 1.5}, "value_wo_version", "whole number"),
        ({"value_wo": "REF", "value_wo_version": "2"}, "value_wo_version", "whole number"),
    ],
)
def test_bad_write_only_props_stop_the_synth_naming_the_prop(
    stack: cdktf.TerraformStack, props: dict[str, Any], prop: str, says: str
) -> None:
    # GIVEN props that cannot work together WHEN a secret is defined with them
    reference = token(stack)
    given: dict[str, Any] = {k: reference if v == "REF" else v for k, v in props.items()}
    with pytest.raises(PropError) as raised:
        Secret(stack, "Bad", name="a/b", **given)
    # THEN the synth stops, naming the prop, and the stack holds no secret
    assert (raised.value.path, raised.value.prop) == ("test/Bad", prop)
    assert says in str(raised.value)
    assert resources(synth(stack), "keyhouse_secret") == {}


def test_a_file_can_be_written_write_only(stack: cdktf.TerraformStack, tmp_path: Path) -> None:
    # GIVEN a key file
    key = tmp_path / "id_ed25519"
    key.write_bytes(b"\x00key")
    # WHEN a file secret is defined with a write-only version
    Secret.from_file(stack, "Key", name="deploy/key", path=str(key), value_wo_version=2)
    # THEN Terraform reads the file into value_wo (never the state), and not into value
    (secret,) = resources(synth(stack), "keyhouse_secret").values()
    assert secret["value_wo"] == f'${{filebase64("{key}")}}'
    assert (secret["value_wo_version"], secret["type"]) == (2, "file")
    assert "value" not in secret


@pytest.mark.parametrize(
    "make",
    [
        lambda stack: EphemeralSecretValue(stack, "Upstream", name="upstream/token"),
        lambda stack: EphemeralApiKey(stack, "Upstream", scopes=["secrets"]),
    ],
    ids=["EphemeralSecretValue", "EphemeralApiKey"],
)
def test_under_cdktf_ephemeral_constructs_say_cdk_terrain_is_needed(
    stack: cdktf.TerraformStack, make: Any
) -> None:
    # GIVEN CDKTF, which writes no ephemeral blocks WHEN an ephemeral construct is defined
    with pytest.raises(LibraryError) as raised:
        make(stack)
    # THEN the synth stops at that construct, saying what to install and use
    assert raised.value.path == "test/Upstream"
    assert "need CDK Terrain" in str(raised.value)
    assert "keyhouse[cdktn]" in str(raised.value)
    # AND nothing was added to the stack
    assert stack.node.try_find_child("Upstream") is None
