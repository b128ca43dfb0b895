"""``ClusterApiKey``: seed 000 in one construct, and the props it refuses."""

from __future__ import annotations

import cdktf
import pytest

import keyhouse_cdk
from keyhouse.domain.catalog import ADMIN_ONLY_SCOPES, BUILTIN_SCOPES
from keyhouse_cdk import CLUSTER_SCOPES, ClusterApiKey, Principal, PropError
from keyhouse_cdk.l1 import Project, Role
from tests.cdk.synth import data_sources, has_resource, resources, synth

SECRET = "hopsworks/role/databricks-cluster/type/api-key"


def cluster(stack: cdktf.TerraformStack, **overrides: object) -> ClusterApiKey:
    arguments: dict[str, object] = {
        "role": "databricks-cluster",
        "project": "featurestore",
        "scopes": ["featurestore", "project", "job", "kafka"],
        "expires_in_days": 90,
    }
    arguments.update(overrides)
    return ClusterApiKey(stack, "Cluster", **arguments)  # type: ignore[arg-type]


def test_the_role_owns_a_scoped_key_kept_in_the_project_secret(
    stack: cdktf.TerraformStack,
) -> None:
    # GIVEN a cluster's access by role name and project name
    made = cluster(stack)
    # WHEN synthesized
    synthesized = synth(stack)
    # THEN the role exists, and owns a project-restricted key with the four scopes
    role_id = made.role.friendly_unique_id
    assert resources(synthesized, "keyhouse_role") == {role_id: {"name": "databricks-cluster"}}
    assert has_resource(
        synthesized,
        "keyhouse_api_key",
        {
            "name": "cluster",
            "owner_role": f"${{keyhouse_role.{role_id}.name}}",
            "project": "featurestore",
            "scopes": ["featurestore", "project", "job", "kafka"],
            "expires_in_days": 90,
            # kept in the project-shared secret named for the role, never in the state
            "store_in_secret": {"name": SECRET, "project": "featurestore", "visibility": "project"},
        },
    )
    assert made.secret_name == SECRET


def test_the_role_may_read_exactly_that_secret(stack: cdktf.TerraformStack) -> None:
    # GIVEN a cluster's access
    made = cluster(stack)
    synthesized = synth(stack)
    key_id = made.api_key.resource.friendly_unique_id
    role_id = made.role.friendly_unique_id
    # THEN one policy allows GetSecret and GetSecretValue on the stored secret's arn only
    (document,) = data_sources(synthesized, "keyhouse_iam_policy_document").values()
    assert document["statement"] == [
        {
            "sid": "ReadSecret",
            "effect": "Allow",
            "actions": ["secrets:GetSecret", "secrets:GetSecretValue"],
            "resources": [f"${{keyhouse_api_key.{key_id}.stored_secret_arn}}"],
        }
    ]
    (policy_id, policy), *others = resources(synthesized, "keyhouse_iam_policy").items()
    assert others == []
    assert policy["name"] == "databricks-cluster-read-api-key"
    # AND it is attached to the role
    assert list(resources(synthesized, "keyhouse_policy_attachment").values()) == [
        {
            "policy_arn": f"${{keyhouse_iam_policy.{policy_id}.arn}}",
            "role": f"${{keyhouse_role.{role_id}.name}}",
        }
    ]
    # AND the role is not made a member of the project (which would open every secret)
    assert resources(synthesized, "keyhouse_project_member") == {}


def test_constructs_can_be_passed_for_the_role_and_the_project(
    stack: cdktf.TerraformStack,
) -> None:
    # GIVEN a role and a project defined in the stack
    role = Role(stack, "Dbx", name="dbx")
    project = Project(stack, "Fs", name="fs")
    # WHEN the cluster's access uses them
    made = cluster(stack, role=role, project=project)
    synthesized = synth(stack)
    # THEN no second role is made, and the key and secret follow references to both
    assert list(resources(synthesized, "keyhouse_role")) == ["Dbx"]
    assert made.role is role
    assert has_resource(
        synthesized,
        "keyhouse_api_key",
        {
            "owner_role": "${keyhouse_role.Dbx.name}",
            "project": "${keyhouse_project.Fs.name}",
            # the secret and the policy are named after the role's name as written
            "store_in_secret": {
                "name": "hopsworks/role/dbx/type/api-key",
                "project": "${keyhouse_project.Fs.name}",
            },
        },
    )
    assert has_resource(synthesized, "keyhouse_iam_policy", {"name": "dbx-read-api-key"})


def test_defaults_are_seed_000s_scopes_and_the_admins_lifetime(
    stack: cdktf.TerraformStack,
) -> None:
    ClusterApiKey(stack, "C", role="r", project="p")
    (key,) = resources(synth(stack), "keyhouse_api_key").values()
    assert key["scopes"] == list(CLUSTER_SCOPES) == ["featurestore", "project", "job", "kafka"]
    assert "expires_in_days" not in key


def test_pass_role_lets_a_principal_make_keys_for_the_role(stack: cdktf.TerraformStack) -> None:
    # GIVEN a platform user allowed to pass the cluster role
    made = cluster(stack, pass_role_to=[Principal.user("platform")])
    synthesized = synth(stack)
    # THEN a second policy allows iam:PassRole on that role only, attached to the user
    (grant,) = made.pass_role_grants
    documents = data_sources(synthesized, "keyhouse_iam_policy_document").values()
    statements = [d["statement"] for d in documents]
    assert [
        {
            "sid": "PassClusterRole",
            "effect": "Allow",
            "actions": ["iam:PassRole"],
            "resources": ["khrn:role:databricks-cluster"],
        }
    ] in statements
    assert has_resource(
        synthesized,
        "keyhouse_policy_attachment",
        {
            "user": "platform",
            "policy_arn": f"${{keyhouse_iam_policy.{grant.policy.friendly_unique_id}.arn}}",
        },
    )


@pytest.mark.parametrize(
    ("overrides", "prop", "message"),
    [
        (
            {"scopes": ["featurestor", "job"]},
            "scopes",
            "unknown scope 'featurestor' (did you mean 'featurestore'?)",
        ),
        ({"scopes": ["jobs"]}, "scopes", "unknown scope 'jobs' (did you mean 'job'?)"),
        ({"scopes": ["admin"]}, "scopes", "'admin' is reserved to admin users' keys"),
        ({"scopes": []}, "scopes", "give at least one scope"),
        ({"expires_in_days": 0}, "expires_in_days", "must be a whole number of days, at least 1"),
        ({"expires_in_days": -30}, "expires_in_days", "at least 1"),
        (
            {"project": ""},
            "project",
            "shared with a project (visibility 'project'): give the project",
        ),
        ({"project": None}, "project", "give the project"),
        ({"role": "data bricks"}, "role", "'data bricks' is not a valid name"),
        ({"key_name": "a..b"}, "key_name", "is not a valid name"),
    ],
)
def test_bad_props_stop_the_synth_naming_the_prop(
    overrides: dict[str, object], prop: str, message: str, stack: cdktf.TerraformStack
) -> None:
    # GIVEN a prop the pattern cannot use WHEN the construct is defined
    with pytest.raises(PropError) as raised:
        cluster(stack, **overrides)
    # THEN the error names the construct and the prop, and says what is wrong
    assert raised.value.prop == prop
    assert raised.value.path == "test/Cluster"
    assert str(raised.value).startswith(f"test/Cluster: {prop}: ")
    assert message in str(raised.value)


def test_the_scope_catalog_is_the_services() -> None:
    # The constructs check spellings against the service's catalog, generated from it.
    assert set(keyhouse_cdk.BUILTIN_SCOPES) == set(BUILTIN_SCOPES)
    assert keyhouse_cdk.ADMIN_ONLY_SCOPES == ADMIN_ONLY_SCOPES


def test_a_long_role_name_still_gets_a_valid_policy_name(stack: cdktf.TerraformStack) -> None:
    # GIVEN a role name of 64 characters (the most the service allows)
    role = "r" * 64
    # WHEN its cluster access is synthesized
    ClusterApiKey(stack, "C", role=role, project="p")
    (policy,) = resources(synth(stack), "keyhouse_iam_policy").values()
    # THEN the read policy's name falls back to one derived from the construct path
    assert len(policy["name"]) <= 64
    assert policy["name"].startswith("test-C-Key-Read-role-Role-")
