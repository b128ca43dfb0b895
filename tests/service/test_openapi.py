"""The OpenAPI document is the client's contract: committed, stable, complete."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.actors import expect

ROOT = Path(__file__).resolve().parents[2]
COMMITTED = ROOT / "client" / "openapi.json"
METHODS = {"get", "post", "put", "patch", "delete"}


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(COMMITTED.read_text())
    return loaded


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in METHODS
    ]


def test_committed_document_matches_the_app() -> None:
    printed = subprocess.run(
        [sys.executable, "-m", "keyhouse.cli", "openapi"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    assert printed == COMMITTED.read_text(), (
        "client/openapi.json is stale: run `keyhouse openapi --output client/openapi.json`"
    )


def test_served_document_matches_the_committed_one(anonymous: httpx.Client) -> None:
    assert expect(anonymous.get("/openapi.json"), 200) == json.loads(COMMITTED.read_text())


def test_version_is_openapi_3_1(document: dict[str, Any]) -> None:
    assert document["openapi"].startswith("3.1")


def test_operation_ids_are_tag_dash_name_and_unique(document: dict[str, Any]) -> None:
    ids = [op["operationId"] for _, _, op in operations(document)]
    assert len(ids) == len(set(ids))
    for (_, _, operation), operation_id in zip(operations(document), ids, strict=True):
        assert re.fullmatch(r"[a-z-]+-[a-z_]+", operation_id), operation_id
        assert operation_id.startswith(operation["tags"][0] + "-")


def test_bodies_are_named_schemas(document: dict[str, Any]) -> None:
    for method, path, operation in operations(document):
        if "requestBody" in operation:
            schema = operation["requestBody"]["content"]["application/json"]["schema"]
            assert "$ref" in schema, f"{method} {path} request body is not a named schema"
        for status, response in operation["responses"].items():
            if status.startswith("2") and "content" in response:
                schema = response["content"]["application/json"]["schema"]
                assert "$ref" in schema, f"{method} {path} {status} is not a named schema"


def test_errors_are_documented_as_problem_details(document: dict[str, Any]) -> None:
    for method, path, operation in operations(document):
        errors = {s: r for s, r in operation["responses"].items() if s[0] in "45"}
        if operation.get("parameters") or "requestBody" in operation:
            assert "422" in errors, f"{method} {path} takes input but does not document 422"
        for status, response in errors.items():
            assert list(response["content"]) == ["application/problem+json"], (method, path, status)
            ref = response["content"]["application/problem+json"]["schema"]["$ref"]
            assert ref == "#/components/schemas/Problem"
    assert "HTTPValidationError" not in document["components"]["schemas"]


def test_authenticated_operations_declare_the_api_key(document: dict[str, Any]) -> None:
    schemes = document["components"]["securitySchemes"]
    assert schemes["ApiKeyHeader"] == {"type": "apiKey", "in": "header", "name": "x-api-key"}
    for method, path, operation in operations(document):
        open_routes = {("get", "/healthz"), ("get", "/readyz"), ("post", "/api/v1/keys:verify")}
        if (method, path) in open_routes:
            assert "security" not in operation
        else:
            assert operation["security"] == [{"ApiKeyHeader": []}, {"ApiKeyAuthorization": []}]


def _resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def test_every_request_field_and_parameter_is_described(document: dict[str, Any]) -> None:
    # The generated client's docstrings are these descriptions.
    undescribed = []
    for method, path, operation in operations(document):
        for parameter in operation.get("parameters", []):
            if not parameter.get("description"):
                undescribed.append(f"{method} {path}: {parameter['in']} {parameter['name']}")
        body = operation.get("requestBody", {}).get("content", {}).get("application/json")
        if body is not None:
            for name, prop in _resolve(document, body["schema"]).get("properties", {}).items():
                if not prop.get("description"):
                    undescribed.append(f"{method} {path}: body {name}")
    assert undescribed == []


def test_path_parameters_are_named_after_what_they_identify(document: dict[str, Any]) -> None:
    # /projects/{project}, /users/{user}, /roles/{role}, /iam/policies/{policy}: a name;
    # /api-keys/{key_id}, /secrets/{secret_id}: an id. Never a bare {name}.
    seen = {
        name
        for _, path, _ in operations(document)
        for name in re.findall(r"\{([^}:]+)(?::path)?\}", path)
    }
    assert seen == {
        "key_id",
        "secret_id",
        "project",
        "user",
        "role",
        "policy",
        "principal_kind",
        "principal_name",
    }


def test_a_secret_has_one_name_for_its_type(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    for name in ("SecretCreate", "SecretPublic", "SecretValue", "SecretValueUpdate"):
        properties = schemas[name]["properties"]
        assert "type" in properties
        assert "kind" not in properties
