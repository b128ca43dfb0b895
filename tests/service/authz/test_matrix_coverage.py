"""The matrix covers every operation of the service's OpenAPI document, and only those."""

from __future__ import annotations

from tests.service.authz import (
    test_matrix_api_keys,
    test_matrix_iam,
    test_matrix_iam_settings,
    test_matrix_projects,
    test_matrix_secrets,
)
from tests.service.authz.conftest import Row
from tests.support.actors import client, expect
from tests.support.keyhouse_server import KeyhouseServer

HTTP_METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}

ALL_ROWS: list[Row] = [
    *test_matrix_api_keys.ROWS,
    *test_matrix_secrets.ROWS,
    *test_matrix_projects.ROWS,
    *test_matrix_iam_settings.ROWS,
    *test_matrix_iam.ROWS,
]


def _documented(service: KeyhouseServer) -> set[str]:
    with client(service.url, None) as http:
        document = expect(http.get("/openapi.json"), 200)
    return {
        f"{method.upper()} {path}"
        for path, item in document["paths"].items()
        for method in item
        if method in HTTP_METHODS
    }


def test_every_documented_operation_is_in_the_matrix(backend: KeyhouseServer) -> None:
    documented = _documented(backend)
    covered = {row.endpoint for row in ALL_ROWS}
    assert len(documented) > 30  # the document was read, not an empty stub
    assert sorted(documented - covered) == [], "operations without authorization rows"


def test_every_matrix_row_names_a_documented_operation(backend: KeyhouseServer) -> None:
    documented = _documented(backend)
    assert sorted({row.endpoint for row in ALL_ROWS} - documented) == [], "stale rows"
