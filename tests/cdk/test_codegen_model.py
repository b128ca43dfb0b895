"""The generator's reading of a schema: names, Python types, shapes and rendering."""

from __future__ import annotations

from typing import Any

import pytest
from keyhouse_cdk_codegen.generate import render
from keyhouse_cdk_codegen.model import Attribute, elements, python_name
from keyhouse_cdk_codegen.schema import ProviderSchema


def attribute(spec: Any, **flags: bool) -> dict[str, Any]:
    return {"type": spec, "description": "d", **flags}


SCHEMA = ProviderSchema(
    "registry.terraform.io/keyhouse/keyhouse",
    "9.9.9",
    {
        "provider": {"block": {"attributes": {"url": attribute("string", optional=True)}}},
        "resource_schemas": {
            "keyhouse_widget": {
                "block": {
                    "description": "A widget.",
                    "attributes": {
                        "id": attribute("string", computed=True),
                        "count": attribute("number", optional=True),
                        "provider": attribute("string", optional=True),
                        "lambda": attribute("bool", optional=True),
                        "labels": attribute(["map", "string"], optional=True),
                        "sizes": attribute(["set", "number"], required=True),
                        "rules": attribute(["list", ["object", {"a": "string"}]], computed=True),
                    },
                    "block_types": {
                        "part": {
                            "nesting_mode": "list",
                            "min_items": 1,
                            "block": {
                                "description": "A part.",
                                "attributes": {"name": attribute("string", required=True)},
                                "block_types": {
                                    "bolt": {
                                        "nesting_mode": "single",
                                        "block": {
                                            "attributes": {
                                                "torque": attribute("number", optional=True)
                                            }
                                        },
                                    }
                                },
                            },
                        }
                    },
                }
            }
        },
        "data_source_schemas": {
            "keyhouse_thing": {"block": {"attributes": {"id": attribute("string", required=True)}}}
        },
    },
)


def test_elements_are_named_as_cdktf_names_them() -> None:
    # GIVEN a schema with a provider, a resource and a data source WHEN it is read
    found = {e.terraform_type: e for e in elements(SCHEMA)}
    # THEN resources lose the provider's prefix, data sources keep it behind Data
    assert found["keyhouse"].class_name == "KeyhouseProvider"
    assert found["keyhouse_widget"].class_name == "Widget"
    assert found["keyhouse_widget"].module == "widget"
    assert found["keyhouse_thing"].class_name == "DataKeyhouseThing"
    # AND nested blocks are structs named after their parents, innermost first
    widget = found["keyhouse_widget"]
    assert [s.class_name for s in widget.structs] == ["WidgetPartBolt", "WidgetPart"]
    assert widget.blocks[0].input_type == "Sequence[WidgetPart]"
    assert widget.blocks[0].required
    assert widget.blocks[0].blocks[0].input_type == "WidgetPartBolt"


def test_names_that_cdktf_or_python_own_are_renamed() -> None:
    # GIVEN attributes called count, provider and lambda
    widget = {e.terraform_type: e for e in elements(SCHEMA)}["keyhouse_widget"]
    names = {a.name: a.py_name for a in widget.attributes}
    # THEN their Python names cannot override cdktf's members or break the syntax
    assert names["count"] == "count_attribute"
    assert names["provider"] == "provider_attribute"
    assert names["lambda"] == "lambda_attribute"
    assert names["labels"] == "labels"
    assert python_name("alias") == "alias_attribute"


@pytest.mark.parametrize(
    ("spec", "input_type", "getter", "shape"),
    [
        ("string", "str", ("get_string_attribute", "str"), ("simple", "string")),
        ("number", "float", ("get_number_attribute", "float"), ("simple", "number")),
        (
            "bool",
            "bool | cdktf.IResolvable",
            ("get_boolean_attribute", "cdktf.IResolvable"),
            ("simple", "boolean"),
        ),
        (
            ["set", "string"],
            "Sequence[str] | cdktf.IResolvable",
            ("get_list_attribute", "list[str]"),
            ("set", "stringList"),
        ),
        (
            ["list", "number"],
            "Sequence[float] | cdktf.IResolvable",
            ("get_number_list_attribute", "list[float]"),
            ("list", "numberList"),
        ),
        (
            ["map", "string"],
            "Mapping[str, str] | cdktf.IResolvable",
            ("get_string_map_attribute", "dict[str, str]"),
            ("map", "stringMap"),
        ),
        (
            ["list", ["object", {"a": "string"}]],
            "Any",
            ("interpolation_for_attribute", "cdktf.IResolvable"),
            ("any", "any"),
        ),
    ],
)
def test_terraform_types_map_to_python_types(
    spec: Any, input_type: str, getter: tuple[str, str], shape: tuple[str, str]
) -> None:
    found = Attribute("a", spec, "d", False, True, False, False)
    assert found.input_type == input_type
    assert found.getter == getter
    assert found.hcl_shape == shape


def test_inputs_put_required_attributes_first() -> None:
    widget = {e.terraform_type: e for e in elements(SCHEMA)}["keyhouse_widget"]
    assert [a.name for a in widget.inputs] == ["sizes", "count", "labels", "lambda", "provider"]
    assert "id" not in [a.name for a in widget.inputs]
    assert {a.name for a in widget.outputs} >= {"id", "rules", "sizes"}


def test_sensitive_arguments_are_documented_as_such() -> None:
    secret = Attribute("value", "string", "The value.", True, False, False, True)
    assert "Sensitive" in secret.doc
    assert "Sensitive" not in Attribute("name", "string", "N.", True, False, False, False).doc


def test_rendered_modules_are_python() -> None:
    # GIVEN the fabricated schema WHEN rendered THEN every module compiles
    files = render(SCHEMA)
    assert set(files) == {
        "__init__.py",
        "_support.py",
        "py.typed",
        "provider.py",
        "widget.py",
        "data_keyhouse_thing.py",
    }
    for name, text in files.items():
        if name.endswith(".py"):
            compile(text, name, "exec")
    assert 'provider_version="9.9.9"' in files["_support.py"]
    assert "count_attribute: float | None = None" in files["widget.py"]
    assert '"count": count_attribute' in files["widget.py"]
