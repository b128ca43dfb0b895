"""The operation tests leave no operation of the generated client out.

Two checks. The clients the operation tests use note every operation they are
asked to run (``EXERCISED``, see conftest): each public method of each resource
class, sync and async, must have been run by the operation module.
And the error cases must provoke every error status the OpenAPI document lists
for every operation, and only those.
"""

from __future__ import annotations

import inspect
import json
from pathlib import Path

import pytest

from keyhouse_client import resources
from tests.client.conftest import DESELECTED, ERROR_CASES, EXERCISED, OPERATION_MODULE

DOCUMENT = Path(__file__).parents[2] / "client" / "openapi.json"


def public_operations() -> set[tuple[str, str]]:
    """(class, method) for every public method of every resource class, but ``with_response``."""
    found: set[tuple[str, str]] = set()
    for class_name in resources.__all__:
        for name, member in vars(getattr(resources, class_name)).items():
            if name.startswith("_") or name == "with_response":
                continue
            if inspect.isfunction(member):
                found.add((class_name, name))
    return found


def documented_errors() -> set[tuple[str, int]]:
    """(operationId, status) for every 4xx response the OpenAPI document lists."""
    document = json.loads(DOCUMENT.read_text())
    return {
        (operation["operationId"], int(status))
        for item in document["paths"].values()
        for operation in item.values()
        if isinstance(operation, dict) and "operationId" in operation
        for status in operation["responses"]
        if status.startswith("4")
    }


def test_the_resource_classes_are_introspected() -> None:
    operations = public_operations()
    # Every tag has a sync and an async class; lists have iterators.
    assert {
        ("ApiKeys", "iter"),
        ("AsyncProjects", "iter_members"),
        ("Keys", "verify"),
    } <= operations
    sync = {method for cls, method in operations if not cls.startswith("Async")}
    asynchronous = {method for cls, method in operations if cls.startswith("Async")}
    assert sync == asynchronous
    assert len(operations) >= 2 * 40


def test_every_operation_is_exercised(request: pytest.FixtureRequest) -> None:
    selected = {
        item.module.__name__ for item in request.session.items if isinstance(item, pytest.Function)
    }
    if OPERATION_MODULE not in selected or DESELECTED:
        pytest.skip("the operation tests are not all part of this run: run tests/client whole")
    ran = {(cls, method) for module, cls, method in EXERCISED if module == OPERATION_MODULE}
    missing = sorted(f"{cls}.{method}" for cls, method in public_operations() - ran)
    assert missing == [], "operations no operation test ran"


def test_every_documented_error_is_provoked() -> None:
    documented = documented_errors()
    assert len(documented) > 100  # the document was read
    provoked = {(case.operation_id, case.status) for case in ERROR_CASES}
    assert sorted(documented - provoked) == [], "documented errors without a case"
    assert sorted(provoked - documented) == [], "cases for errors the document does not list"


def test_every_error_case_names_a_client_method() -> None:
    operations = public_operations()
    for case in ERROR_CASES:
        resource_class = case.resource.title().replace("_", "")
        assert (resource_class, case.operation) in operations, case.id
        assert (f"Async{resource_class}", case.operation) in operations, case.id
