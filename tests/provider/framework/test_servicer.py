"""The protocol calls the provider replaces in ``tf``'s servicer."""

from __future__ import annotations

import json

import pytest

from keyhouse_provider.framework.tfcompat import pb, to_dynamic_value
from keyhouse_provider.provider import KeyhouseProvider
from keyhouse_provider.resources.role import Role
from tests.provider.harness.inprocess import Harness, diagnostics


def test_old_state_is_fitted_to_the_schema_without_a_warning(harness: Harness) -> None:
    old = {"id": "r", "name": "r", "description": None, "retired_attribute": 1}
    upgraded, found = harness.upgrade("keyhouse_role", 0, old)
    assert found == []
    assert upgraded == {
        "id": "r",
        "name": "r",
        "description": None,
        "role_id": None,
        "arn": None,
        "created_at": None,
    }


def test_a_destroy_plan_is_null(harness: Harness) -> None:
    prior = {"id": "r", "name": "r", "description": None}
    plan = harness.plan("keyhouse_role", harness.full_config("keyhouse_role", prior), None)
    assert plan.planned is None
    assert plan.diagnostics == []


def test_a_bug_in_a_handler_is_a_diagnostic_and_its_traceback_goes_to_the_log(
    harness: Harness, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken(self: Role, ctx: object, current: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(Role, "read", broken)
    state, found = harness.read("keyhouse_role", {"id": "r", "name": "r"})
    assert state == harness.full_config("keyhouse_role", {"id": "r", "name": "r"})
    (error,) = found
    assert (
        error.summary
        == "Unexpected error in the keyhouse provider while trying to read keyhouse_role"
    )
    assert "RuntimeError" in error.detail
    captured = capsys.readouterr()
    assert "RuntimeError: a bug" in captured.err
    assert captured.out == ""


def test_the_schema_has_every_type_with_descriptions() -> None:
    from keyhouse_provider.framework.servicer import Servicer

    servicer = Servicer(KeyhouseProvider())
    schema = servicer.GetProviderSchema(pb.GetProviderSchema.Request(), None)
    assert diagnostics(schema.diagnostics) == []
    assert set(schema.resource_schemas) == {
        "keyhouse_api_key",
        "keyhouse_iam_policy",
        "keyhouse_policy_attachment",
        "keyhouse_project",
        "keyhouse_project_member",
        "keyhouse_role",
        "keyhouse_secret",
        "keyhouse_settings",
        "keyhouse_user",
    }
    assert set(schema.data_source_schemas) == {
        "keyhouse_api_key",
        "keyhouse_caller_identity",
        "keyhouse_iam_policy_document",
        "keyhouse_scopes",
        "keyhouse_secret",
    }
    api_key = schema.resource_schemas["keyhouse_api_key"].block
    blocks = {block.type_name: block.nesting for block in api_key.block_types}
    single = pb.Schema.NestedBlock.NestingMode.SINGLE
    assert blocks == {"store_in_secret": single, "rotation": single}
    sensitive = {a.name for a in api_key.attributes if a.sensitive}
    assert sensitive == {"key"}
    document = schema.data_source_schemas["keyhouse_iam_policy_document"].block
    assert document.block_types[0].nesting == pb.Schema.NestedBlock.NestingMode.LIST
    scopes = schema.data_source_schemas["keyhouse_scopes"].block
    objects = next(a for a in scopes.attributes if a.name == "scopes")
    assert json.loads(objects.type) == [
        "list",
        ["object", {"name": "string", "description": "string", "builtin": "bool"}],
    ]
    everything = [schema.provider.block] + [
        s.block for s in [*schema.resource_schemas.values(), *schema.data_source_schemas.values()]
    ]
    for block in everything:
        for attribute in block.attributes:
            assert attribute.description, attribute.name


def test_an_unknown_provider_url_leaves_the_provider_unconfigured() -> None:
    from keyhouse_provider.framework.servicer import Servicer
    from keyhouse_provider.framework.tfcompat import Unknown

    provider = KeyhouseProvider()
    servicer = Servicer(provider)
    response = servicer.ConfigureProvider(
        pb.ConfigureProvider.Request(
            config=to_dynamic_value(
                {"url": Unknown, "api_key": "k", "timeout_seconds": None, "max_retries": None}
            )
        ),
        None,
    )
    assert diagnostics(response.diagnostics) == []
    assert provider.connection is None


def test_the_schema_announces_the_capabilities_terraform_reads_there() -> None:
    from keyhouse_provider.framework.servicer import Servicer

    servicer = Servicer(KeyhouseProvider())
    first = servicer.GetProviderSchema(pb.GetProviderSchema.Request(), None)
    capabilities = first.server_capabilities
    assert capabilities.plan_destroy
    assert capabilities.get_provider_schema_optional
    assert servicer.GetProviderSchema(pb.GetProviderSchema.Request(), None) is first
