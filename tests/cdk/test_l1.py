"""The generated L1 constructs synthesize what Terraform expects, and getters are references."""

from __future__ import annotations

import inspect
import json

import cdktf
import pytest

from keyhouse_cdk import l1
from keyhouse_cdk.l1 import (
    ApiKey,
    ApiKeyStoreInSecret,
    DataKeyhouseIamPolicyDocument,
    DataKeyhouseIamPolicyDocumentStatement,
    DataKeyhouseIamPolicyDocumentStatementCondition,
    DataKeyhouseSecret,
    KeyhouseProvider,
    Project,
    ProjectMember,
    Secret,
)
from tests.cdk.synth import data_sources, has_resource, outputs, resources, synth

# The constructs the architecture names, one per provider, resource and data source.
EXPECTED_CLASSES = {
    "KeyhouseProvider": "keyhouse",
    "User": "keyhouse_user",
    "Role": "keyhouse_role",
    "Project": "keyhouse_project",
    "ProjectMember": "keyhouse_project_member",
    "ApiKey": "keyhouse_api_key",
    "Secret": "keyhouse_secret",
    "IamPolicy": "keyhouse_iam_policy",
    "PolicyAttachment": "keyhouse_policy_attachment",
    "Settings": "keyhouse_settings",
    "DataKeyhouseSecret": "keyhouse_secret",
    "DataKeyhouseApiKey": "keyhouse_api_key",
    "DataKeyhouseIamPolicyDocument": "keyhouse_iam_policy_document",
    "DataKeyhouseCallerIdentity": "keyhouse_caller_identity",
    "DataKeyhouseScopes": "keyhouse_scopes",
}


@pytest.mark.parametrize(("name", "terraform_type"), sorted(EXPECTED_CLASSES.items()))
def test_every_schema_entry_has_its_construct(name: str, terraform_type: str) -> None:
    # GIVEN the generated package WHEN a construct is looked up by its CDKTF name
    construct = getattr(l1, name)
    # THEN it is the cdktf construct for that Terraform type, with keyword-only arguments
    assert terraform_type == construct.TF_RESOURCE_TYPE
    parameters = list(inspect.signature(construct.__init__).parameters.values())
    assert [p.name for p in parameters[:3]] == ["self", "scope", "id_"]
    assert all(p.kind is p.KEYWORD_ONLY for p in parameters[3:])
    assert all(p.name == p.name.lower() for p in parameters)


def test_only_required_and_given_attributes_are_synthesized(stack: cdktf.TerraformStack) -> None:
    # GIVEN an API key with only its required arguments
    ApiKey(stack, "ci", name="ci", scopes=["job"])
    # WHEN the stack is synthesized
    synthesized = synth(stack)
    # THEN the resource holds exactly those: nothing unset is written as null
    assert resources(synthesized, "keyhouse_api_key") == {"ci": {"name": "ci", "scopes": ["job"]}}


def test_a_single_nested_block_is_an_object(stack: cdktf.TerraformStack) -> None:
    # GIVEN a key stored in a secret (a single nested block, as a typed struct)
    ApiKey(
        stack,
        "cluster",
        name="cluster",
        scopes=["job", "kafka"],
        expires_in_days=30,
        store_in_secret=ApiKeyStoreInSecret(name="a/b", project="fs"),
    )
    # WHEN synthesized THEN the block is one object, without its unset attributes
    assert has_resource(
        synth(stack),
        "keyhouse_api_key",
        {
            "expires_in_days": 30,
            "store_in_secret": {"name": "a/b", "project": "fs"},
        },
    )
    block = resources(synth(stack), "keyhouse_api_key")["cluster"]["store_in_secret"]
    assert block == {"name": "a/b", "project": "fs"}


def test_list_blocks_nest_in_order(stack: cdktf.TerraformStack) -> None:
    # GIVEN a policy document with two statements, one with a condition
    DataKeyhouseIamPolicyDocument(
        stack,
        "doc",
        statement=[
            DataKeyhouseIamPolicyDocumentStatement(
                sid="Read", actions=["secrets:GetSecretValue"], resources=["khrn:secret:*"]
            ),
            DataKeyhouseIamPolicyDocumentStatement(
                effect="Deny",
                actions=["secrets:*"],
                resources=["*"],
                condition=[
                    DataKeyhouseIamPolicyDocumentStatementCondition(
                        test="NotIpAddress", variable="keyhouse:SourceIp", values=["10.0.0.0/8"]
                    )
                ],
            ),
        ],
    )
    # WHEN synthesized THEN the statements are a list of objects, the condition nested in one
    document = data_sources(synth(stack), "keyhouse_iam_policy_document")["doc"]
    assert document == {
        "statement": [
            {"sid": "Read", "actions": ["secrets:GetSecretValue"], "resources": ["khrn:secret:*"]},
            {
                "effect": "Deny",
                "actions": ["secrets:*"],
                "resources": ["*"],
                "condition": [
                    {
                        "test": "NotIpAddress",
                        "variable": "keyhouse:SourceIp",
                        "values": ["10.0.0.0/8"],
                    }
                ],
            },
        ]
    }


def test_getters_are_tokens_that_resolve_to_references(stack: cdktf.TerraformStack) -> None:
    # GIVEN constructs whose attributes feed others and outputs
    project = Project(stack, "fs", name="featurestore")
    ProjectMember(stack, "alice", project=project.name, user="alice")
    key = ApiKey(stack, "k", name="k", scopes=["job"], project=project.name)
    found = DataKeyhouseSecret(stack, "s", name="x", project=project.name)
    secret = Secret(stack, "copy", name="y", value=found.value, project=project.name)
    # String, number and list getters are tokens until synthesis.
    assert cdktf.Token.is_unresolved(key.id)
    for name, value in {
        "id": key.id,
        "scopes": key.scopes,
        "version": secret.version,
        "expires_in_days": key.expires_in_days,
    }.items():
        cdktf.TerraformOutput(stack, name, value=value)
    # WHEN synthesized
    synthesized = synth(stack)
    # THEN each resolves to an interpolation of the right address
    assert outputs(synthesized) == {
        "id": "${keyhouse_api_key.k.id}",
        "scopes": "${keyhouse_api_key.k.scopes}",
        "version": "${keyhouse_secret.copy.version}",
        "expires_in_days": "${keyhouse_api_key.k.expires_in_days}",
    }
    assert has_resource(
        synthesized,
        "keyhouse_project_member",
        {"project": "${keyhouse_project.fs.name}", "user": "alice"},
    )
    assert has_resource(
        synthesized, "keyhouse_secret", {"value": "${data.keyhouse_secret.s.value}"}
    )


def test_the_provider_is_required_from_its_source_and_configured(
    stack: cdktf.TerraformStack,
) -> None:
    # GIVEN a second, aliased provider configuration used by one resource
    other = KeyhouseProvider(
        stack, "other", alias="other", url="http://127.0.0.1:9999", timeout_seconds=5
    )
    Project(stack, "p", name="p", provider=other)
    # WHEN synthesized
    document = json.loads(synth(stack))
    # THEN the provider comes from keyhouse/keyhouse at the generated version
    assert document["terraform"]["required_providers"]["keyhouse"] == {
        "source": "keyhouse/keyhouse",
        "version": "0.1.0",
    }
    # AND the default configuration is empty (the environment supplies URL and key)
    assert {} in document["provider"]["keyhouse"]
    assert {
        "alias": "other",
        "url": "http://127.0.0.1:9999",
        "timeout_seconds": 5,
    } in document["provider"]["keyhouse"]
    assert document["resource"]["keyhouse_project"]["p"]["provider"] == "keyhouse.other"


def test_meta_arguments_pass_through(stack: cdktf.TerraformStack) -> None:
    # GIVEN a key that waits for a project and must not be destroyed
    project = Project(stack, "fs", name="fs")
    ApiKey(
        stack,
        "k",
        name="k",
        scopes=["job"],
        depends_on=[project],
        lifecycle=cdktf.TerraformResourceLifecycle(prevent_destroy=True),
    )
    # WHEN synthesized THEN Terraform's meta-arguments are there
    key = resources(synth(stack), "keyhouse_api_key")["k"]
    assert key["depends_on"] == ["keyhouse_project.fs"]
    assert key["lifecycle"] == {"prevent_destroy": True}


def test_hcl_synthesis_writes_blocks_and_quotes_every_string(stack: cdktf.TerraformStack) -> None:
    # GIVEN a key with a nested block and a name that looks like HCL syntax
    ApiKey(
        stack,
        "k",
        name="[not a list",
        scopes=["job"],
        expires_in_days=7,
        store_in_secret=ApiKeyStoreInSecret(name="a/b", visibility="private"),
    )
    # WHEN synthesized as HCL
    hcl = cdktf.Testing.synth_hcl(stack)
    # THEN the block is a block and the strings stay strings
    assert 'resource "keyhouse_api_key" "k" {' in hcl
    assert 'name = "[not a list"' in hcl
    assert "expires_in_days = 7" in hcl
    assert "store_in_secret {" in hcl
    assert 'visibility = "private"' in hcl


def test_docstrings_come_from_the_schema() -> None:
    # GIVEN the provider's descriptions WHEN reading the generated documentation
    # THEN the class, its arguments and its getters carry them
    assert "scopes and an expiry" in (ApiKey.__doc__ or "")
    init_doc = " ".join((ApiKey.__init__.__doc__ or "").split())
    assert "store_in_secret: Store the new key in a Keyhouse secret" in init_doc
    prefix_doc = ApiKey.prefix.__doc__ or ""
    assert "first characters" in prefix_doc
    provider_doc = " ".join((KeyhouseProvider.__init__.__doc__ or "").split())
    assert "Sensitive: a literal value is written into the synthesized configuration" in (
        provider_doc
    )
