"""Authentication: 401 problem details for every way a key can fail, and whoami."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine

from keyhouse.core.keys import generate_key
from tests.support.actors import Actor, create_key, expect, unique
from tests.support.database import set_key_expiry
from tests.support.keyhouse_server import KeyhouseServer

WHOAMI = "/api/v1/whoami"


def call(service: KeyhouseServer, headers: dict[str, str], path: str = WHOAMI) -> httpx.Response:
    """GET ``path`` with exactly ``headers``."""
    with httpx.Client(base_url=service.url, timeout=30) as http:
        response = http.get(path, headers=headers)
    if response.status_code == 401:
        for value in headers.values():
            if len(value) > 8:
                assert value not in response.text, "a refused key is echoed back"
    return response


def unauthenticated(response: httpx.Response, reason: str) -> dict[str, Any]:
    """Check a 401 problem detail with ``reason``; its body."""
    problem: dict[str, Any] = expect(response, 401)
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.headers.get("www-authenticate") == "ApiKey"
    assert problem["status"] == 401
    assert problem["type"] == "urn:keyhouse:problem:unauthenticated"
    assert problem["reason"] == reason
    assert problem["detail"]
    return problem


def flip(key: str, index: int) -> str:
    """``key`` with the character at ``index`` changed to another valid one."""
    char = key[index]
    replacement = "b" if char != "b" else "c"
    if char.isdigit():
        replacement = "7" if char != "7" else "6"
    elif char.isupper():
        replacement = "Q" if char != "Q" else "R"
    return key[:index] + replacement + key[index + 1 :]


def comparable(problem: dict[str, Any]) -> dict[str, Any]:
    """A problem without the per-request id."""
    return {k: v for k, v in problem.items() if k != "request_id"}


def test_missing_key(service: KeyhouseServer) -> None:
    unauthenticated(call(service, {}), "missing")
    unauthenticated(call(service, {"x-api-key": ""}), "missing")


@pytest.mark.parametrize("index", [5, 18, 30, -1])
def test_malformed_key_bad_checksum(service: KeyhouseServer, user: Actor, index: int) -> None:
    broken = flip(user.key, index)
    assert broken != user.key
    unauthenticated(call(service, {"x-api-key": broken}), "malformed")


@pytest.mark.parametrize(
    "value",
    ["not-a-key", "kh_", "kh_abc_def", "x" * 300],
)
def test_malformed_key_bad_format(service: KeyhouseServer, value: str) -> None:
    unauthenticated(call(service, {"x-api-key": value}), "malformed")


def test_malformed_truncated_or_extended_key(service: KeyhouseServer, user: Actor) -> None:
    unauthenticated(call(service, {"x-api-key": user.key[:-1]}), "malformed")
    unauthenticated(call(service, {"x-api-key": user.key + "A"}), "malformed")


def test_unknown_key(service: KeyhouseServer) -> None:
    unauthenticated(call(service, {"x-api-key": generate_key().plaintext}), "not_found")


def test_wrong_secret_looks_exactly_like_an_unknown_key(
    service: KeyhouseServer, user: Actor
) -> None:
    wrong_secret = generate_key(key_id=user.key_id).plaintext
    assert wrong_secret != user.key
    assert wrong_secret[:20] == user.key[:20]
    unknown = unauthenticated(call(service, {"x-api-key": generate_key().plaintext}), "not_found")
    wrong = unauthenticated(call(service, {"x-api-key": wrong_secret}), "not_found")
    assert comparable(wrong) == comparable(unknown)
    # The real key still works, and nothing about it leaked into the answer.
    expect(user.get(WHOAMI), 200)
    assert user.key_id not in str(wrong)
    assert user.name not in str(wrong)


def test_wrong_secret_for_a_revoked_key_reveals_nothing(
    service: KeyhouseServer, user: Actor
) -> None:
    expect(user.post(f"/api/v1/api-keys/{user.key_id}/revoke"), 200)
    wrong_secret = generate_key(key_id=user.key_id).plaintext
    unauthenticated(call(service, {"x-api-key": wrong_secret}), "not_found")
    unauthenticated(call(service, {"x-api-key": user.key}), "revoked")


def test_revoked_key(service: KeyhouseServer, admin: httpx.Client, user: Actor) -> None:
    expect(admin.post(f"/api/v1/api-keys/{user.key_id}/revoke"), 200)
    problem = unauthenticated(call(service, {"x-api-key": user.key}), "revoked")
    assert "revoked" in problem["detail"]
    unauthenticated(call(service, {"authorization": f"ApiKey {user.key}"}), "revoked")


def test_expired_key(service: KeyhouseServer, user: Actor, db: Engine) -> None:
    expect(user.get(WHOAMI), 200)
    set_key_expiry(db, service.url, user.key, datetime.now(UTC) - timedelta(seconds=1))
    problem = unauthenticated(call(service, {"x-api-key": user.key}), "expired")
    assert "expired" in problem["detail"]
    # Expired is not a state of the API: once the expiry is moved on, the key works again.
    set_key_expiry(db, service.url, user.key, datetime.now(UTC) + timedelta(days=1))
    expect(user.get(WHOAMI), 200)


def test_every_route_needs_a_key(service: KeyhouseServer) -> None:
    for path in ("/api/v1/api-keys", "/api/v1/scopes", "/api/v1/settings", WHOAMI):
        unauthenticated(call(service, {}, path), "missing")
        unauthenticated(call(service, {"x-api-key": generate_key().plaintext}, path), "not_found")


def test_x_api_key_header(service: KeyhouseServer, user: Actor) -> None:
    body = expect(call(service, {"x-api-key": user.key}), 200)
    assert body["principal"] == {"kind": "user", "name": user.name}


@pytest.mark.parametrize("scheme", ["ApiKey", "apikey"])
def test_authorization_apikey_header(service: KeyhouseServer, user: Actor, scheme: str) -> None:
    body = expect(call(service, {"authorization": f"{scheme} {user.key}"}), 200)
    assert body["principal"] == {"kind": "user", "name": user.name}
    assert body["key"]["id"] == user.key_id


@pytest.mark.parametrize(
    "value", ["Bearer x", "Bearer {key}", "Basic abc", "ApiKey", "Token {key}"]
)
def test_other_authorization_schemes_are_malformed(
    service: KeyhouseServer, user: Actor, value: str
) -> None:
    header = value.replace("{key}", user.key)
    unauthenticated(call(service, {"authorization": header}), "malformed")


def test_authorization_apikey_with_an_unknown_key(service: KeyhouseServer) -> None:
    header = f"ApiKey {generate_key().plaintext}"
    unauthenticated(call(service, {"authorization": header}), "not_found")


def test_x_api_key_wins_over_authorization(service: KeyhouseServer, user: Actor) -> None:
    response = call(service, {"x-api-key": user.key, "authorization": "Bearer x"})
    assert expect(response, 200)["key"]["id"] == user.key_id


def test_whoami(user: Actor) -> None:
    body = expect(user.get(WHOAMI), 200)
    fetched = expect(user.get(f"/api/v1/api-keys/{user.key_id}"), 200)
    assert body["principal"] == {"kind": "user", "name": user.name}
    assert body["is_admin"] is False
    assert body["key"] == {
        "id": user.key_id,
        "name": fetched["name"],
        "prefix": user.key[:12],
        "scopes": sorted(fetched["scopes"]),
        "project": None,
        "expires_at": fetched["expires_at"],
        "replaced_by": None,
    }
    assert "key" not in body["key"] or body["key"].get("key") is None
    assert user.key not in str(body)


def test_whoami_needs_no_scope(service: KeyhouseServer, admin: httpx.Client) -> None:
    role = unique("role")
    expect(admin.post("/api/v1/roles", json={"name": role}), 201)
    actor = create_key(admin, service.url, owner_kind="role", owner_name=role, scopes=["kafka"])
    body = expect(actor.get(WHOAMI), 200)
    assert body["principal"] == {"kind": "role", "name": role}
    assert body["is_admin"] is False
    assert body["key"]["scopes"] == ["kafka"]


def test_whoami_of_an_admin(admin: httpx.Client) -> None:
    body = expect(admin.get(WHOAMI), 200)
    assert body["is_admin"] is True
    assert "admin" in body["key"]["scopes"]


def test_whoami_of_a_project_key(service: KeyhouseServer, admin: httpx.Client) -> None:
    project = unique("proj")
    expect(admin.post("/api/v1/projects", json={"name": project}), 201)
    role = unique("role")
    expect(admin.post("/api/v1/roles", json={"name": role}), 201)
    actor = create_key(
        admin,
        service.url,
        owner_kind="role",
        owner_name=role,
        scopes=["secrets", "job"],
        project=project,
    )
    body = expect(actor.get(WHOAMI), 200)
    assert body["key"]["project"] == project
    assert body["key"]["scopes"] == ["job", "secrets"]


TWO_CREDENTIALS = [
    pytest.param([("x-api-key", "{key}"), ("authorization", "ApiKey {key}")], id="both-headers"),
    pytest.param([("x-api-key", "{key}"), ("authorization", "ApiKey {other}")], id="both-differ"),
    pytest.param([("x-api-key", "{key}"), ("x-api-key", "{other}")], id="two-x-api-key"),
    pytest.param(
        [("authorization", "ApiKey {key}"), ("authorization", "ApiKey {key}")],
        id="two-authorization",
    ),
]


@pytest.mark.parametrize("headers", TWO_CREDENTIALS)
@pytest.mark.parametrize("path", [WHOAMI, "/api/v1/api-keys", "/api/v1/secrets"])
def test_two_credentials_are_a_400_naming_the_headers(
    service: KeyhouseServer,
    user: Actor,
    other_user: Actor,
    headers: list[tuple[str, str]],
    path: str,
) -> None:
    sent = [(name, value.format(key=user.key, other=other_user.key)) for name, value in headers]
    with httpx.Client(base_url=service.url, timeout=30) as http:
        response = http.get(path, headers=sent)
    problem = expect(response, 400)
    assert response.headers["content-type"] == "application/problem+json"
    assert problem["type"] == "urn:keyhouse:problem:bad-request"
    assert "x-api-key" in problem["detail"]
    assert "Authorization" in problem["detail"]
    assert user.key not in response.text
    assert other_user.key not in response.text
