"""Synthesizing stacks in the test process and reading the JSON, with cdktf's own matchers."""

from __future__ import annotations

import json
from typing import Any

import cdktf

from keyhouse_cdk.l1 import KeyhouseProvider


def new_stack(name: str = "test") -> cdktf.TerraformStack:
    """An empty stack with the provider, in a testing app."""
    stack = cdktf.TerraformStack(cdktf.Testing.app(), name)
    KeyhouseProvider(stack, "keyhouse")
    return stack


def synth(stack: cdktf.TerraformStack) -> str:
    """The stack's Terraform JSON, as cdktf's matchers take it."""
    return cdktf.Testing.synth(stack)


def has_resource(synthesized: str, resource_type: str, properties: dict[str, Any]) -> bool:
    """A resource of ``resource_type`` has (at least) ``properties``."""
    return cdktf.Testing.to_have_resource_with_properties(synthesized, resource_type, properties)


def has_data_source(synthesized: str, data_type: str, properties: dict[str, Any]) -> bool:
    """A data source of ``data_type`` has (at least) ``properties``."""
    return cdktf.Testing.to_have_data_source_with_properties(synthesized, data_type, properties)


def resources(synthesized: str, resource_type: str) -> dict[str, dict[str, Any]]:
    """Every resource of ``resource_type``, by logical id."""
    found: dict[str, dict[str, Any]] = json.loads(synthesized).get("resource", {})
    return found.get(resource_type, {})


def data_sources(synthesized: str, data_type: str) -> dict[str, dict[str, Any]]:
    """Every data source of ``data_type``, by logical id."""
    found: dict[str, dict[str, Any]] = json.loads(synthesized).get("data", {})
    return found.get(data_type, {})


def outputs(synthesized: str) -> dict[str, Any]:
    """The stack's outputs: name -> value expression."""
    found: dict[str, dict[str, Any]] = json.loads(synthesized).get("output", {})
    return {name: body["value"] for name, body in found.items()}
