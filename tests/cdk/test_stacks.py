"""Every stack of the app, synthesized: what each seed workflow declares."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import cdktf
import pytest

from keyhouse_cdk import PropError
from stacks.__main__ import build
from stacks.api_keys import ApiKeysStack
from stacks.base import KeyhouseStack
from stacks.cluster_access import ClusterAccessStack
from stacks.model_keys import ModelKeysStack
from stacks.project_secrets import ProjectSecretsStack
from tests.cdk.synth import data_sources, has_resource, outputs, resources, synth

STACKS: dict[str, Callable[[cdktf.App], KeyhouseStack]] = {
    "cluster-access": ClusterAccessStack,
    "api-keys": ApiKeysStack,
    "model-keys": ModelKeysStack,
    "project-secrets": ProjectSecretsStack,
}
SENSITIVE_ATTRIBUTES = re.compile(r"\.(key|value)\}|\$\{var\.(db_password|break_glass_token)\}")


def synthesized(name: str) -> str:
    return synth(STACKS[name](cdktf.Testing.app()))


def test_the_app_has_one_stack_per_seed_workflow() -> None:
    # GIVEN the app WHEN it is built THEN it holds the four stacks, in seed order
    app = cdktf.Testing.app()
    assert [stack.node.id for stack in build(app)] == list(STACKS)


@pytest.mark.parametrize("name", list(STACKS))
def test_no_stack_configures_the_url_or_key_or_outputs_a_secret(name: str) -> None:
    # GIVEN any stack WHEN synthesized
    document = json.loads(synthesized(name))
    # THEN the provider is configured from the environment at deploy time (nothing here)
    assert document["provider"]["keyhouse"] == [{}]
    # AND no output refers to a key, a secret's value or a sensitive variable
    values = json.dumps([o["value"] for o in document["output"].values()])
    assert not SENSITIVE_ATTRIBUTES.search(values), values
    assert all("sensitive" not in o for o in document["output"].values())


def test_cluster_access_is_seed_000() -> None:
    # GIVEN the cluster-access stack WHEN synthesized
    found = synthesized("cluster-access")
    # THEN the feature store project, the role, and the role's 90-day key in its secret
    assert has_resource(found, "keyhouse_project", {"name": "featurestore"})
    assert has_resource(found, "keyhouse_role", {"name": "databricks-cluster"})
    assert has_resource(
        found,
        "keyhouse_api_key",
        {
            "scopes": ["featurestore", "project", "job", "kafka"],
            "expires_in_days": 90,
            "store_in_secret": {
                "name": "hopsworks/role/databricks-cluster/type/api-key",
                "visibility": "project",
            },
        },
    )
    # AND the read policy attached to the role, and no membership
    assert has_resource(found, "keyhouse_iam_policy", {"name": "databricks-cluster-read-api-key"})
    assert len(resources(found, "keyhouse_policy_attachment")) == 1
    assert resources(found, "keyhouse_project_member") == {}
    assert set(outputs(found)) == {
        "project",
        "role",
        "key_id",
        "key_prefix",
        "key_expires_at",
        "secret_name",
        "secret_arn",
        "policy_arn",
    }


def test_api_keys_are_personal_and_team_keys_told_apart_by_prefix() -> None:
    # GIVEN the api-keys stack WHEN synthesized
    found = synthesized("api-keys")
    keys = resources(found, "keyhouse_api_key")
    # THEN personal keys: one per person, owned by that person, unrestricted.
    personal = {k["owner_user"]: k for k in keys.values() if "owner_user" in k}
    assert set(personal) == {"${keyhouse_user.User-alice.name}", "${keyhouse_user.User-bob.name}"}
    assert all(k["name"] == "personal" and "project" not in k for k in personal.values())
    # Team keys: named, owned by the team's role, restricted to its project, expiring,
    # rotating every 90 days with a day's overlap, made after the role joined the project.
    team = {k["name"]: k for k in keys.values() if "owner_role" in k}
    assert set(team) == {"scheduler", "ci"}
    for key in team.values():
        assert key["project"] == "${keyhouse_project.Team.name}"
        assert key["expires_in_days"] == 180
        assert key["rotation"] == {"every_days": 90, "overlap_hours": 24}
        assert key["depends_on"] == ["keyhouse_project_member.Member-team"]
    assert has_resource(
        found,
        "keyhouse_project_member",
        {"machine_role": "${keyhouse_role.TeamRole.name}", "role": "member"},
    )
    # The listing output names each key by id and prefix.
    listing = outputs(found)["keys"]
    assert set(listing) == {
        "alice/personal",
        "bob/personal",
        "data-science-team/scheduler",
        "data-science-team/ci",
    }
    assert listing["alice/personal"] == {
        "id": "${keyhouse_api_key.Personal-alice.id}",
        "prefix": "${keyhouse_api_key.Personal-alice.prefix}",
        "expires_at": "${keyhouse_api_key.Personal-alice.expires_at}",
    }


def test_model_keys_follow_the_admins_lifetimes() -> None:
    # GIVEN the model-keys stack WHEN synthesized
    found = synthesized("model-keys")
    # THEN the admin's settings: one year by default, two at most.
    assert has_resource(
        found,
        "keyhouse_settings",
        {"default_key_lifetime_days": 365, "max_key_lifetime_days": 730},
    )
    keys = resources(found, "keyhouse_api_key")
    assert keys["Key-carol"]["expires_in_days"] == 30
    assert "expires_in_days" not in keys["Key-dave"]  # the admin's default
    for person, key in (("carol", keys["Key-carol"]), ("dave", keys["Key-dave"])):
        assert key["owner_user"] == f"${{keyhouse_user.User-{person}.name}}"
        assert key["project"] == "${keyhouse_project.Models.name}"
        assert key["scopes"] == ["job"]
        # Created after the settings (whose default applies) and the membership (required).
        assert set(key["depends_on"]) == {
            "keyhouse_settings.Lifetimes",
            f"keyhouse_project_member.Member-{person}",
        }


def test_a_model_key_beyond_the_maximum_stops_the_synth() -> None:
    # GIVEN a collaborator asking for more than the admin's maximum
    # WHEN the stack is built THEN the error names the collaborator and the maximum
    with pytest.raises(PropError) as raised:
        ModelKeysStack(cdktf.Testing.app(), collaborators={"erin": 800}, max_lifetime_days=730)
    assert raised.value.prop == "collaborators['erin']"
    assert "800 days is beyond the maximum key lifetime of 730 days" in str(raised.value)


def test_project_secrets_share_text_and_file_and_keep_one_private() -> None:
    # GIVEN the project-secrets stack WHEN synthesized
    found = synthesized("project-secrets")
    document = json.loads(found)
    secrets = resources(found, "keyhouse_secret")
    # THEN values are sensitive variables or a file Terraform reads: never literals.
    assert secrets["DbPassword"]["value"] == "${var.db_password}"
    assert secrets["DeployKey"]["value"] == "${filebase64(var.deploy_key_file)}"
    assert secrets["DeployKey"]["type"] == "file"
    # AND the break-glass token is write-only: written to the service, not kept in the state
    assert secrets["BreakGlass"]["value_wo"] == "${var.break_glass_token}"
    assert secrets["BreakGlass"]["value_wo_version"] == 1
    assert "value" not in secrets["BreakGlass"]
    assert document["variable"]["db_password"]["sensitive"] is True
    assert document["variable"]["break_glass_token"]["sensitive"] is True
    # Two shared with the project, one private.
    assert secrets["DbPassword"]["project"] == "${keyhouse_project.Analytics.name}"
    assert secrets["DeployKey"]["project"] == "${keyhouse_project.Analytics.name}"
    assert secrets["BreakGlass"]["visibility"] == "private"
    assert "project" not in secrets["BreakGlass"]
    # The reporting role reads the password only.
    (statement,) = [
        s
        for d in data_sources(found, "keyhouse_iam_policy_document").values()
        for s in d["statement"]
    ]
    assert statement["resources"] == ["${keyhouse_secret.DbPassword.arn}"]
    assert has_resource(
        found, "keyhouse_policy_attachment", {"role": "${keyhouse_role.Reporting.name}"}
    )
    assert has_resource(found, "keyhouse_project_member", {"user": "${keyhouse_user.Erin.name}"})


def test_the_state_directory_comes_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # GIVEN KEYHOUSE_CDK_STATE_DIR WHEN a stack is synthesized THEN its local state goes there
    monkeypatch.setenv("KEYHOUSE_CDK_STATE_DIR", str(tmp_path))
    document = json.loads(synthesized("cluster-access"))
    assert document["terraform"]["backend"] == {
        "local": {"path": f"{tmp_path}/terraform.cluster-access.tfstate"}
    }
