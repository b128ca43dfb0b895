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
from typing import Any

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


# Refusals of the request's transport, answered before any operation runs and
# alike for all: a body over the size limit (413) and one that is not JSON (415,
# which the client, always sending JSON, cannot provoke). The service's
# tests/service/test_request_parsing.py sends both to every body operation, and
# test_operations_sync shows the client's error for a 413.
# Likewise the 400 for two credentials in one request, which the client (one
# key, one header) cannot send: tests/service/routes/test_auth.py does. Creates
# also answer 400 for a bad Idempotency-Key, which the cases provoke.
TRANSPORT_STATUSES = frozenset({413, 415})


def _provokable(operation: dict[str, Any], status: str) -> bool:
    if not status.startswith("4") or int(status) in TRANSPORT_STATUSES:
        return False
    headers = {p["name"] for p in operation.get("parameters", []) if p["in"] == "header"}
    return status != "400" or "Idempotency-Key" in headers


def documented_errors() -> set[tuple[str, int]]:
    """(operationId, status) for every 4xx the document lists that a client can provoke."""
    document = json.loads(DOCUMENT.read_text())
    return {
        (operation["operationId"], int(status))
        for item in document["paths"].values()
        for operation in item.values()
        if isinstance(operation, dict) and "operationId" in operation
        for status in operation["responses"]
        if _provokable(operation, status)
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
