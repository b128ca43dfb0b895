"""Bodies and parameters are read strictly: every bad one is a clear 4xx naming where.

Each body case is sent to every operation of the OpenAPI document that takes
a body, on both databases: invalid UTF-8, another charset, nesting beyond the
limit, a 5,000-digit number, NaN, a repeated key, NUL and control characters,
another media type. Then NUL in paths and filters, the size limit (declared
and streamed), and strict types.
"""

from __future__ import annotations

import json
import re
import socket
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.actors import Actor, client, expect, make_user, unique
from tests.support.keyhouse_server import KeyhouseServer

ROOT = Path(__file__).resolve().parents[2]
DOCUMENT = json.loads((ROOT / "client" / "openapi.json").read_text())
PROBLEM = "application/problem+json"
MAX_BODY_BYTES = 1_048_576

# Path parameters that are well formed: the body is refused before any look-up.
PATH_VALUES = {
    "secret_id": "0" * 32,
    "key_id": "a" * 16,
    "project": "p",
    "user": "u",
    "role": "r",
    "policy": "n",
    "principal_kind": "user",
    "principal_name": "x",
}


def _body_operations() -> list[Any]:
    found = []
    for path, item in DOCUMENT["paths"].items():
        for method, operation in item.items():
            if "requestBody" not in operation:
                continue
            concrete = re.sub(r"\{(\w+)\}", lambda m: PATH_VALUES[m[1]], path)
            found.append(pytest.param(method.upper(), concrete, id=operation["operationId"]))
    return found


BODY_OPERATIONS = _body_operations()


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> KeyhouseServer:
    server: KeyhouseServer = request.getfixturevalue(f"{request.param}_service")
    return server


@pytest.fixture(scope="module")
def admin_http(backend: KeyhouseServer) -> Iterator[httpx.Client]:
    with client(backend.url, backend.admin_key) as http:
        yield http


@pytest.fixture(scope="module")
def member(backend: KeyhouseServer, admin_http: httpx.Client) -> Actor:
    return make_user(admin_http, backend.url)


def refused(response: httpx.Response, status: int, pointer: str, mentions: str) -> dict[str, Any]:
    """A problem of ``status`` whose error at ``pointer`` (or detail) names ``mentions``."""
    body: dict[str, Any] = expect(response, status)
    assert response.headers["content-type"] == PROBLEM
    if status == 422:
        errors = {e["pointer"]: e["detail"] for e in body["errors"]}
        assert pointer in errors, errors
        assert mentions in errors[pointer], errors
    else:
        assert mentions in body["detail"]
    return body


JSON = {"content-type": "application/json"}
BAD_BODIES = [
    pytest.param(b'{"name": "caf\xe9"}', JSON, "/body", "not valid UTF-8", id="invalid-utf8"),
    pytest.param(
        '{"name": "café"}'.encode("latin-1"),
        {"content-type": "application/json; charset=latin-1"},
        "/body",
        "UTF-8",
        id="latin-1-charset",
    ),
    pytest.param(b"[" * 40 + b"]" * 40, JSON, "/body", "32 levels", id="nested-40"),
    pytest.param(b"[" * 100_000 + b"]" * 100_000, JSON, "/body", "32 levels", id="nested-100k"),
    pytest.param(b'{"n": ' + b"9" * 5000 + b"}", JSON, "/body", "100 digits", id="5000-digits"),
    pytest.param(b'{"n": 1e999}', JSON, "/body", "too large", id="infinite-float"),
    pytest.param(b'{"n": NaN}', JSON, "/body", "NaN is not JSON", id="nan"),
    pytest.param(b'{"name": "a", "name": "b"}', JSON, "/body/name", "twice", id="duplicate-key"),
    pytest.param(b'{"name": "a\\u0000b"}', JSON, "/body/name", "NUL", id="nul"),
    pytest.param(b'{"name": "a\\u001bb"}', JSON, "/body/name", "control", id="escape-char"),
    pytest.param(b'{"name": "\\ud800"}', JSON, "/body/name", "surrogate", id="lone-surrogate"),
    pytest.param(b'{"name": ', JSON, "/body", "malformed JSON", id="truncated"),
]


@pytest.mark.parametrize(("content", "headers", "pointer", "mentions"), BAD_BODIES)
@pytest.mark.parametrize(("method", "path"), BODY_OPERATIONS)
def test_every_body_operation_refuses_a_bad_body_with_a_422(
    admin_http: httpx.Client,
    method: str,
    path: str,
    content: bytes,
    headers: dict[str, str],
    pointer: str,
    mentions: str,
) -> None:
    response = admin_http.request(method, path, content=content, headers=headers)
    refused(response, 422, pointer, mentions)


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "application/xml"]
)
@pytest.mark.parametrize(("method", "path"), BODY_OPERATIONS)
def test_every_body_operation_takes_only_json(
    admin_http: httpx.Client, method: str, path: str, content_type: str
) -> None:
    response = admin_http.request(
        method, path, content=b'{"key": "x"}', headers={"content-type": content_type}
    )
    refused(response, 415, "", "application/json")


def test_a_repeated_key_in_a_policy_is_refused_not_resolved(admin_http: httpx.Client) -> None:
    name = unique("twice")
    text = (
        '{"name": "' + name + '", "document": {"Version": "2012-10-17", "Statement": '
        '[{"Effect": "Deny", "Effect": "Allow", "Action": "*", "Resource": "*"}]}}'
    )
    response = admin_http.post("/api/v1/iam/policies", content=text.encode(), headers=JSON)
    refused(response, 422, "/body/document/Statement/0/Effect", "'Effect' appears twice")
    expect(admin_http.get(f"/api/v1/iam/policies/{name}"), 404)


def test_nul_in_a_secret_value_is_refused_and_nothing_is_stored(member: Actor) -> None:
    name = unique("nul")
    response = member.post("/api/v1/secrets", json={"name": name, "value": "a\x00b"})
    refused(response, 422, "/body/value", "NUL")
    expect(member.get("/api/v1/secrets/by-name", params={"name": name}), 404)
    # Tabs and line breaks are text: a PEM file is a fine text secret.
    pem = "-----BEGIN KEY-----\n\tabc\r\n-----END KEY-----\n"
    created = expect(member.post("/api/v1/secrets", json={"name": name, "value": pem}), 201)
    assert expect(member.get(f"/api/v1/secrets/{created['id']}/value"), 200)["value"] == pem


PARAMETERS = [
    ("/api/v1/projects/a%00b", {}, "/path/project"),
    ("/api/v1/projects/a%0Ab/members", {}, "/path/project"),
    ("/api/v1/iam/policies/a%00b", {}, "/path/policy"),
    ("/api/v1/users/a%01b", {}, "/path/user"),
    ("/api/v1/api-keys", {"name": "a\x00b"}, "/query/name"),
    ("/api/v1/api-keys", {"prefix": "kh_\x00"}, "/query/prefix"),
    ("/api/v1/secrets", {"name_prefix": "x\x00"}, "/query/name_prefix"),
    ("/api/v1/secrets/by-name", {"name": "a\x00b"}, "/query/name"),
    ("/api/v1/audit", {"principal": "a\x00"}, "/query/principal"),
    ("/api/v1/audit", {"action": "a\x7f"}, "/query/action"),
    ("/api/v1/projects", {"cursor": "a\x00"}, "/query/cursor"),
]


@pytest.mark.parametrize(("path", "params", "pointer"), PARAMETERS)
def test_control_characters_in_paths_and_filters_are_a_422(
    admin_http: httpx.Client, path: str, params: dict[str, str], pointer: str
) -> None:
    refused(admin_http.get(path, params=params), 422, pointer, "control characters")


def test_a_declared_body_over_the_limit_is_refused_before_it_is_read(
    backend: KeyhouseServer,
) -> None:
    # Only the headers are sent: the answer must come without a byte of the body.
    head = (
        "POST /api/v1/projects HTTP/1.1\r\nhost: 127.0.0.1\r\n"
        f"x-api-key: {backend.admin_key}\r\ncontent-type: application/json\r\n"
        f"content-length: {100 * MAX_BODY_BYTES}\r\n\r\n"
    )
    with socket.create_connection(("127.0.0.1", backend.port), timeout=10) as connection:
        connection.sendall(head.encode())
        received = b""
        while b"\r\n\r\n" not in received or not received.rstrip().endswith(b"}"):
            chunk = connection.recv(65536)
            if not chunk:
                break
            received += chunk
    status_line, _, rest = received.partition(b"\r\n")
    assert status_line.startswith(b"HTTP/1.1 413"), status_line
    headers, _, body = rest.partition(b"\r\n\r\n")
    assert b"content-type: application/problem+json" in headers.lower()
    problem = json.loads(body)
    assert problem["type"] == "urn:keyhouse:problem:content-too-large"
    assert f"{MAX_BODY_BYTES} bytes" in problem["detail"]


def test_a_streamed_body_over_the_limit_is_refused(admin_http: httpx.Client) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"name": "'
        for _ in range(40):
            yield b"x" * 65536
        yield b'"}'

    response = admin_http.post("/api/v1/projects", content=chunks(), headers=JSON)
    refused(response, 413, "", f"{MAX_BODY_BYTES} bytes")


def test_a_body_at_the_limit_is_read(admin_http: httpx.Client) -> None:
    # Just under the limit: parsed, then refused for what it says, not for its size.
    padding = " " * (MAX_BODY_BYTES - 100)
    content = ('{"name": "' + unique("p") + '"' + padding + "}").encode()
    assert len(content) <= MAX_BODY_BYTES
    expect(admin_http.post("/api/v1/projects", content=content, headers=JSON), 201)


STRICT = [
    ({"expires_in_days": True}, "/body/expires_in_days"),
    ({"expires_in_days": "7"}, "/body/expires_in_days"),
    ({"expires_in_days": 7.5}, "/body/expires_in_days"),
    ({"expires_at": 1893456000}, "/body/expires_at"),
    ({"name": 12}, "/body/name"),
    ({"scopes": ["job", 1]}, "/body/scopes/1"),
]


@pytest.mark.parametrize(("change", "pointer"), STRICT)
def test_types_are_strict(member: Actor, change: dict[str, Any], pointer: str) -> None:
    body = {"name": unique("strict"), "scopes": ["job"], **change}
    refused(member.post("/api/v1/api-keys", json=body), 422, pointer, "")


def test_a_whole_number_is_an_integer_however_written(member: Actor) -> None:
    # JSON (and JSON Schema's "integer") does not tell 7.0 from 7.
    body = {"name": unique("whole"), "scopes": ["job"], "expires_in_days": 7.0}
    created = expect(member.post("/api/v1/api-keys", json=body), 201)
    lifetime = datetime.fromisoformat(created["expires_at"]) - datetime.fromisoformat(
        created["created_at"]
    )
    assert lifetime == timedelta(days=7)


def test_verify_takes_only_json(anonymous_http: httpx.Client, member: Actor) -> None:
    body = json.dumps({"key": member.key}).encode()
    plain = anonymous_http.post(
        "/api/v1/keys:verify", content=body, headers={"content-type": "text/plain"}
    )
    refused(plain, 415, "", "application/json")
    fine = anonymous_http.post("/api/v1/keys:verify", content=body, headers=JSON)
    assert expect(fine, 200)["valid"] is True


@pytest.fixture
def anonymous_http(backend: KeyhouseServer) -> Iterator[httpx.Client]:
    with client(backend.url, None) as http:
        yield http
