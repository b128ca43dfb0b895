"""``ApiKey`` with ``store_in``: the key kept in a secret, which can grant reading it."""

from __future__ import annotations

import cdktf
import pytest

from keyhouse_cdk import CUSTOM_SCOPES_CONTEXT, ApiKey, Principal, PropError, StoreIn
from tests.cdk.synth import data_sources, has_resource, outputs, resources, synth


def test_store_in_keeps_the_key_in_a_secret_of_the_keys_project(
    stack: cdktf.TerraformStack,
) -> None:
    # GIVEN a project-restricted key stored in a secret named without a project
    key = ApiKey(
        stack,
        "Ci",
        name="ci",
        scopes=["job"],
        project="fs",
        store_in=StoreIn(name="ci/api-key"),
    )
    # WHEN synthesized
    synthesized = synth(stack)
    # THEN the provider's store_in_secret block names the secret, in the key's project
    assert has_resource(
        synthesized,
        "keyhouse_api_key",
        {"name": "ci", "project": "fs", "store_in_secret": {"name": "ci/api-key", "project": "fs"}},
    )
    # AND the stored secret is known by name and by a reference to its arn
    assert key.stored_secret is not None
    assert key.stored_secret.name == "ci/api-key"
    assert key.stored_secret.project == "fs"
    cdktf.TerraformOutput(stack, "arn", value=key.stored_secret.arn)
    assert outputs(synth(stack))["arn"] == "${keyhouse_api_key.Ci.stored_secret_arn}"


def test_a_key_without_store_in_has_no_stored_secret(stack: cdktf.TerraformStack) -> None:
    # GIVEN a key without store_in WHEN synthesized THEN it has no block and no stored secret
    key = ApiKey(stack, "K", name="k", scopes=["job"])
    assert key.stored_secret is None
    assert "store_in_secret" not in resources(synth(stack), "keyhouse_api_key")["K"]


def test_the_stored_secret_grants_reading_it(stack: cdktf.TerraformStack) -> None:
    # GIVEN a key kept in a private secret WHEN a role is granted read access to that secret
    key = ApiKey(
        stack,
        "Svc",
        name="svc",
        scopes=["job"],
        store_in=StoreIn(name="svc/key", visibility="private"),
    )
    assert key.stored_secret is not None
    grant = key.stored_secret.grant_read(Principal.role("svc-runner"))
    synthesized = synth(stack)
    # THEN the policy allows reading exactly the secret the key resource wrote
    (document,) = data_sources(synthesized, "keyhouse_iam_policy_document").values()
    assert document["statement"][0]["resources"] == ["${keyhouse_api_key.Svc.stored_secret_arn}"]
    assert document["statement"][0]["actions"] == ["secrets:GetSecret", "secrets:GetSecretValue"]
    assert grant.attachment.node.scope is not None
    assert has_resource(synthesized, "keyhouse_policy_attachment", {"role": "svc-runner"})


@pytest.mark.parametrize(
    ("props", "message"),
    [
        (
            {"store_in": StoreIn(name="x", visibility="project")},
            "test/K: store_in.visibility: visibility 'project' needs a project",
        ),
        ({"owner_user": "a", "owner_role": "b"}, "owner_role: give owner_user or owner_role"),
        ({"expires_in_days": 0}, "expires_in_days: must be a whole number of days, at least 1"),
        ({"expires_in_days": 1.5}, "expires_in_days: must be a whole number"),
    ],
)
def test_bad_props_stop_the_synth_naming_the_prop(
    props: dict[str, object], message: str, stack: cdktf.TerraformStack
) -> None:
    # GIVEN props a key cannot use WHEN it is defined THEN the error names the prop
    with pytest.raises(PropError, match=message):
        ApiKey(stack, "K", name="k", scopes=["job"], **props)  # type: ignore[arg-type]


def test_scopes_are_checked_against_the_catalog_and_the_apps_custom_scopes() -> None:
    # GIVEN an app that declares the custom scope its admin added
    app = cdktf.Testing.app(context={CUSTOM_SCOPES_CONTEXT: ["billing"]})
    stack = cdktf.TerraformStack(app, "test")
    # WHEN keys ask for a misspelt scope THEN the synth stops, suggesting the spelling
    with pytest.raises(PropError) as raised:
        ApiKey(stack, "Typo", name="t", scopes=["secret"])
    assert (raised.value.path, raised.value.prop) == ("test/Typo", "scopes")
    assert "did you mean 'secrets'?" in str(raised.value)
    # AND a declared custom scope is accepted, a role's admin-only scope is not
    ApiKey(stack, "Billing", name="b", scopes=["billing"])
    with pytest.raises(PropError, match="reserved to admin users"):
        ApiKey(stack, "RoleAdmin", name="r", scopes=["iam"], owner_role="ops")
    ApiKey(stack, "UserAdmin", name="u", scopes=["iam"], owner_user="root-admin")
    assert set(resources(synth(stack), "keyhouse_api_key")) == {"Billing", "UserAdmin"}
