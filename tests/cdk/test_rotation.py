"""``Rotation`` on ``ApiKey`` and ``ClusterApiKey``: the provider's ``rotation`` block, and
the props it refuses."""

from __future__ import annotations

import cdktf
import pytest

from keyhouse_cdk import ApiKey, ClusterApiKey, PropError, Rotation
from tests.cdk.synth import has_resource, resources, synth


def test_a_cluster_key_rotates_in_its_secret(stack: cdktf.TerraformStack) -> None:
    # GIVEN a cluster's access rotating every 30 days with a day's overlap
    ClusterApiKey(
        stack,
        "Cluster",
        role="databricks-cluster",
        project="featurestore",
        expires_in_days=90,
        rotation=Rotation(every_days=30, overlap_hours=24),
    )
    # WHEN synthesized THEN its key carries the rotation block beside its secret
    assert has_resource(
        synth(stack),
        "keyhouse_api_key",
        {
            "expires_in_days": 90,
            "rotation": {"every_days": 30, "overlap_hours": 24},
            "store_in_secret": {"name": "hopsworks/role/databricks-cluster/type/api-key"},
        },
    )


def test_an_api_key_rotation_leaves_out_what_is_not_given(stack: cdktf.TerraformStack) -> None:
    # GIVEN a key with a schedule only, and one without rotation
    ApiKey(stack, "Rotating", name="r", scopes=["job"], rotation=Rotation(every_days=7))
    ApiKey(stack, "Plain", name="p", scopes=["job"])
    # WHEN synthesized THEN the overlap is the provider's default, and no block means none
    keys = resources(synth(stack), "keyhouse_api_key")
    assert keys["Rotating"]["rotation"] == {"every_days": 7}
    assert "rotation" not in keys["Plain"]


@pytest.mark.parametrize(
    ("rotation", "lifetime", "prop", "problem"),
    [
        (Rotation(every_days=0), None, "rotation.every_days", "must be more than 0"),
        (Rotation(overlap_hours=-1), None, "rotation.overlap_hours", "must be 0 or more"),
        (Rotation(overlap_hours=48), 2, "rotation.overlap_hours", "as long as the key's"),
    ],
    ids=["no-schedule", "negative-overlap", "overlap-as-long-as-life"],
)
def test_rotations_that_cannot_work_stop_the_synth(
    stack: cdktf.TerraformStack, rotation: Rotation, lifetime: int | None, prop: str, problem: str
) -> None:
    # GIVEN a rotation that cannot work WHEN the construct is made THEN a PropError names it
    with pytest.raises(PropError) as refused:
        ClusterApiKey(
            stack, "Cluster", role="r", project="p", expires_in_days=lifetime, rotation=rotation
        )
    assert f"test/Cluster: {prop}: " in str(refused.value)
    assert problem in str(refused.value)
