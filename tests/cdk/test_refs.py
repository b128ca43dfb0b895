"""Projects, roles and users given as constructs or by name, ordered either way."""

from __future__ import annotations

import cdktf

from keyhouse_cdk import ApiKey, Principal, Secret, SecretValue, StoreIn
from keyhouse_cdk.l1 import Project, Role, User
from tests.cdk.synth import resources, synth


def test_a_project_construct_is_referenced(stack: cdktf.TerraformStack) -> None:
    # GIVEN a secret given its project as a construct
    project = Project(stack, "Ml", name="ml-platform")
    Secret(stack, "Token", name="t", value=SecretValue.unsafe_plain_text("x"), project=project)
    # WHEN synthesized THEN it names the project by reference, so Terraform orders the two
    (secret,) = resources(synth(stack), "keyhouse_secret").values()
    assert secret["project"] == "${keyhouse_project.Ml.name}"


def test_a_project_named_before_or_after_is_waited_for(stack: cdktf.TerraformStack) -> None:
    # GIVEN secrets naming a project by its name, one defined before the project, one after
    value = SecretValue.unsafe_plain_text("x")
    Secret(stack, "Before", name="a", value=value, project="ml-platform")
    Project(stack, "Ml", name="ml-platform")
    Secret(stack, "After", name="b", value=value, project="ml-platform")
    Secret(stack, "Elsewhere", name="c", value=value, project="other")
    # WHEN synthesized THEN each one made here waits for the project; the name is kept
    found = resources(synth(stack), "keyhouse_secret")
    for name in ("Before", "After"):
        assert found[name]["project"] == "ml-platform"
        assert found[name]["depends_on"] == ["keyhouse_project.Ml"]
    # AND a project not defined in the stack adds no dependency
    assert "depends_on" not in found["Elsewhere"]


def test_owners_and_grantees_by_name_are_waited_for(stack: cdktf.TerraformStack) -> None:
    # GIVEN a key owned by a role named before the role exists, kept in a project's secret
    key = ApiKey(
        stack,
        "Job",
        name="job",
        scopes=["job"],
        owner_role="runner",
        store_in=StoreIn(name="runner/key", project="jobs"),
    )
    personal = ApiKey(stack, "Mine", name="mine", scopes=["keys"], owner_user="alice")
    assert key.stored_secret is not None
    key.stored_secret.grant_read(Principal.role("runner"))
    Role(stack, "Runner", name="runner")
    User(stack, "Alice", name="alice")
    Project(stack, "Jobs", name="jobs")
    # WHEN synthesized
    synthesized = synth(stack)
    # THEN the key waits for its role and its secret's project; the attachment for the role
    keys = resources(synthesized, "keyhouse_api_key")
    assert sorted(keys["Job"]["depends_on"]) == ["keyhouse_project.Jobs", "keyhouse_role.Runner"]
    assert keys["Mine"]["depends_on"] == ["keyhouse_user.Alice"]
    (attachment,) = resources(synthesized, "keyhouse_policy_attachment").values()
    assert attachment["depends_on"] == ["keyhouse_role.Runner"]
    assert personal.resource.node.id == "Default"


def test_an_l2_construct_can_be_depended_on(stack: cdktf.TerraformStack) -> None:
    # GIVEN a key that must wait for a secret made by the L2 Secret
    secret = Secret(stack, "S", name="s", value=SecretValue.unsafe_plain_text("x"))
    ApiKey(stack, "K", name="k", scopes=["job"], depends_on=[secret])
    # WHEN synthesized THEN depends_on names the secret's resource
    (key,) = resources(synth(stack), "keyhouse_api_key").values()
    assert key["depends_on"] == ["keyhouse_secret.S"]
