"""``Secret``: grants that name the policy and the attachment, file secrets, prop checks."""

from __future__ import annotations

import json
from pathlib import Path

import cdktf
import pytest

from keyhouse_cdk import (
    SECRET_READ_ACTIONS,
    SECRET_WRITE_ACTIONS,
    Principal,
    PropError,
    Secret,
    SecretValue,
)
from keyhouse_cdk.l1 import IamPolicy, PolicyAttachment, Role, User
from keyhouse_cdk.l1 import Secret as L1Secret
from tests.cdk.synth import data_sources, has_data_source, has_resource, resources, synth


def password(stack: cdktf.TerraformStack) -> Secret:
    value = cdktf.TerraformVariable(stack, "password", type="string", sensitive=True)
    return Secret(stack, "Password", name="db/password", value=value.string_value, project="fs")


def test_grant_read_allows_exactly_reading_this_secret(stack: cdktf.TerraformStack) -> None:
    # GIVEN a project secret and a role
    secret = password(stack)
    role = Role(stack, "Reader", name="reader")
    # WHEN the role is granted read access
    grant = secret.grant_read(role)
    synthesized = synth(stack)
    # THEN a document allows GetSecret and GetSecretValue on the secret's arn, nothing more
    documents = data_sources(synthesized, "keyhouse_iam_policy_document")
    assert [d["statement"] for d in documents.values()] == [
        [
            {
                "sid": "ReadSecret",
                "effect": "Allow",
                "actions": list(SECRET_READ_ACTIONS),
                "resources": ["${keyhouse_secret.Password.arn}"],
            }
        ]
    ]
    # AND the returned grant names the policy holding that document and its attachment
    assert isinstance(grant.policy, IamPolicy)
    assert isinstance(grant.attachment, PolicyAttachment)
    (policy_id,) = resources(synthesized, "keyhouse_iam_policy")
    (document_id,) = documents
    assert has_resource(
        synthesized,
        "keyhouse_iam_policy",
        {"policy": f"${{data.keyhouse_iam_policy_document.{document_id}.json}}"},
    )
    # AND the attachment puts it in force for the role (by reference: after the role exists)
    assert resources(synthesized, "keyhouse_policy_attachment") == {
        grant.attachment.friendly_unique_id: {
            "policy_arn": f"${{keyhouse_iam_policy.{policy_id}.arn}}",
            "role": "${keyhouse_role.Reader.name}",
        }
    }


def test_grant_write_allows_writing_but_not_reading(stack: cdktf.TerraformStack) -> None:
    # GIVEN a secret WHEN a user is granted write access
    password(stack).grant_write(User(stack, "Rotator", name="rotator"))
    synthesized = synth(stack)
    # THEN the document allows new values and descriptions, and no read action
    (document,) = data_sources(synthesized, "keyhouse_iam_policy_document").values()
    assert document["statement"][0]["actions"] == list(SECRET_WRITE_ACTIONS)
    assert not set(SECRET_READ_ACTIONS) & set(document["statement"][0]["actions"])
    assert has_resource(
        synthesized, "keyhouse_policy_attachment", {"user": "${keyhouse_user.Rotator.name}"}
    )


def test_grants_to_several_principals_make_separate_policies(stack: cdktf.TerraformStack) -> None:
    # GIVEN one secret WHEN two principals named outside the stack are granted read access
    secret = password(stack)
    first = secret.grant_read(Principal.role("etl"))
    second = secret.grant_read(Principal.user("auditor"))
    synthesized = synth(stack)
    # THEN each has its own policy, with a distinct valid name, attached to it
    names = [p["name"] for p in resources(synthesized, "keyhouse_iam_policy").values()]
    assert len(set(names)) == 2
    assert all(len(n) <= 64 and n[0].isalnum() for n in names)
    attachments = resources(synthesized, "keyhouse_policy_attachment").values()
    assert sorted(f"{a.get('role')}/{a.get('user')}" for a in attachments) == [
        "None/auditor",
        "etl/None",
    ]
    assert first.principal == Principal("role", "etl")
    assert second.principal == Principal("user", "auditor")


def test_a_policy_name_can_be_given(stack: cdktf.TerraformStack) -> None:
    # GIVEN a grant with a policy name WHEN synthesized THEN the policy has that name
    password(stack).grant_read(Principal.role("etl"), policy_name="etl-reads-db-password")
    assert has_resource(synth(stack), "keyhouse_iam_policy", {"name": "etl-reads-db-password"})


def test_an_invalid_policy_name_is_refused(stack: cdktf.TerraformStack) -> None:
    # GIVEN a policy name the service would refuse WHEN granting THEN the synth stops
    with pytest.raises(PropError, match="policy_name: 'no spaces please' is not a valid name"):
        password(stack).grant_read(Principal.role("etl"), policy_name="no spaces please")


def test_a_file_secret_reads_the_file_when_terraform_plans(stack: cdktf.TerraformStack) -> None:
    # GIVEN a file secret from a path
    Secret.from_file(stack, "Key", name="deploy/key", path="/keys/id_ed25519", project="fs")
    # WHEN synthesized THEN its value is Terraform's filebase64 of the path, typed file
    synthesized = synth(stack)
    assert has_resource(
        synthesized,
        "keyhouse_secret",
        {
            "name": "deploy/key",
            "type": "file",
            "project": "fs",
            "value": '${filebase64("/keys/id_ed25519")}',
        },
    )


def test_no_grant_means_no_policy(stack: cdktf.TerraformStack) -> None:
    # GIVEN a secret nobody was granted WHEN synthesized THEN there is no policy
    password(stack)
    synthesized = synth(stack)
    assert resources(synthesized, "keyhouse_iam_policy") == {}
    assert not has_data_source(synthesized, "keyhouse_iam_policy_document", {})


@pytest.mark.parametrize(
    ("props", "message"),
    [
        (
            {"visibility": "project"},
            "Bad/Secret: visibility: visibility 'project' needs a project",
        ),
        ({"visibility": "public"}, "visibility: must be 'private' or 'project'"),
        ({"type": "binary", "project": "fs"}, "type: must be 'text' or 'file'"),
    ],
)
def test_bad_props_stop_the_synth_naming_the_prop(
    props: dict[str, str], message: str, stack: cdktf.TerraformStack
) -> None:
    # GIVEN a secret with props it cannot use WHEN it is defined THEN the error names the prop
    scope = cdktf.TerraformStack(cdktf.Testing.app(), "Bad")
    with pytest.raises(PropError, match=message):
        Secret(scope, "Secret", name="n", value="${var.v}", **props)  # type: ignore[arg-type]


def test_secret_values_are_references_not_literals(stack: cdktf.TerraformStack) -> None:
    # GIVEN a secret whose value is a sensitive variable WHEN synthesized
    password(stack)
    document = json.loads(synth(stack))
    # THEN the configuration holds the reference, and the variable is marked sensitive
    assert document["resource"]["keyhouse_secret"]["Password"]["value"] == "${var.password}"
    assert document["variable"]["password"]["sensitive"] is True


def test_a_literal_value_is_refused_unless_opted_into(stack: cdktf.TerraformStack) -> None:
    # GIVEN a literal value WHEN a secret is defined with it THEN the synth stops, naming the
    # prop and the ways out, without the value in the message
    with pytest.raises(PropError) as raised:
        Secret(stack, "Pw", name="pw", value="hunter2")
    assert raised.value.prop == "value"
    assert "SecretValue.unsafe_plain_text" in str(raised.value)
    assert "Secret.from_file" in str(raised.value)
    assert "hunter2" not in str(raised.value)
    # AND opting in by name writes it as given, and its repr hides it
    opted = SecretValue.unsafe_plain_text("hunter2")
    assert "hunter2" not in repr(opted)
    Secret(stack, "Opted", name="pw", value=opted)
    assert resources(synth(stack), "keyhouse_secret")["Opted"]["value"] == "hunter2"


def test_a_relative_file_is_read_from_the_app_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN an app run from its folder, which holds keys/id_ed25519
    monkeypatch.chdir(tmp_path)
    (tmp_path / "keys").mkdir()
    (tmp_path / "keys" / "id_ed25519").write_bytes(b"\x00key")
    app = cdktf.App(outdir=str(tmp_path / "cdktf.out"))
    stack = cdktf.TerraformStack(app, "platform")
    # WHEN a file secret names it by a relative path
    Secret.from_file(stack, "Key", name="deploy/key", path="keys/id_ed25519")
    # THEN Terraform, which runs in cdktf.out/stacks/platform, is pointed back at the app's file
    (secret,) = resources(synth(stack), "keyhouse_secret").values()
    assert secret["value"] == '${filebase64("../../../keys/id_ed25519")}'
    # AND a relative path to nothing stops the synth, naming the prop
    with pytest.raises(PropError) as raised:
        Secret.from_file(stack, "Missing", name="x", path="keys/nope")
    assert raised.value.prop == "path"
    assert "keys/nope" in str(raised.value)


def test_from_name_grants_on_a_secret_made_elsewhere(stack: cdktf.TerraformStack) -> None:
    # GIVEN secrets this app does not manage: a project one and a private one
    shared = Secret.from_name(stack, "Shared", name="db/password", project="analytics")
    private = Secret.from_name(stack, "Mine", name="token", owner=Principal.user("alice"))
    # WHEN a role is granted reading each
    reader = Role(stack, "Reader", name="reader")
    shared.grant_read(reader)
    private.grant_write(reader)
    # THEN the policies name them by their Keyhouse names, and nothing is created for them
    synthesized = synth(stack)
    statements = [
        s
        for d in data_sources(synthesized, "keyhouse_iam_policy_document").values()
        for s in d["statement"]
    ]
    assert sorted(s["resources"][0] for s in statements) == [
        "khrn:secret:project/analytics/db/password",
        "khrn:secret:user/alice/token",
    ]
    assert resources(synthesized, "keyhouse_secret") == {}
    # AND naming neither a project nor an owner is refused
    with pytest.raises(PropError) as raised:
        Secret.from_name(stack, "Nowhere", name="x")
    assert raised.value.prop == "project"


def test_the_secret_holds_its_l1_resource_as_a_child(stack: cdktf.TerraformStack) -> None:
    # GIVEN the L2 secret WHEN defined THEN it is a construct holding the L1, not an L1
    secret = password(stack)
    assert isinstance(secret.resource, L1Secret)
    assert not isinstance(secret, L1Secret)
    assert secret.node.default_child is secret.resource
    # AND the Terraform name is the L2's id, as before (no state moves)
    assert list(resources(synth(stack), "keyhouse_secret")) == ["Password"]
