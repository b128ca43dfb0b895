"""No one learns anything about another principal's private secrets or API keys.

For every other principal (collaborators of the owner, a stranger, a role, a
project-restricted key, and the admin), an existing-but-foreign id answers
exactly like an id that was never issued, lists leave foreign items out, a
by-name look-up of another's private secret is a 404 like any unknown name,
and the same names stay free to use.

Every test works on a fresh target and checks, as the owner, that it is unchanged.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from keyhouse.core.keys import new_key_id
from tests.service.authz.conftest import Target, World
from tests.support.actors import expect, unique

OTHERS: dict[str, Callable[[World], httpx.Client]] = {
    "non-collaborator": lambda w: w.outsider.http,
    "viewer": lambda w: w.viewer.http,
    "member": lambda w: w.member.http,
    "role": lambda w: w.role.http,
    "project-restricted key of a member": lambda w: w.restricted_member.http,
    "admin": lambda w: w.admin,
}
"""Principals other than the owner, each with a key holding the scopes it needs."""

# Key owners see their own keys and those they created. The owner made the target
# key itself, so the admin is as foreign to it as anyone else.

SECRET_OPERATIONS = [
    pytest.param("GET", "", None, id="GET"),
    pytest.param("GET", "/value", None, id="GET value"),
    pytest.param("PATCH", "", {"description": "changed"}, id="PATCH"),
    pytest.param("PUT", "/value", {"value": "changed"}, id="PUT value"),
    pytest.param("DELETE", "", None, id="DELETE"),
]

KEY_OPERATIONS = [
    pytest.param("GET", "", None, id="GET"),
    pytest.param("PATCH", "", {"name": "renamed"}, id="PATCH name"),
    pytest.param("PATCH", "", {"scopes": ["keys"]}, id="PATCH scopes"),
    pytest.param("POST", "/revoke", None, id="revoke"),
    pytest.param("DELETE", "", None, id="DELETE"),
]


def _shape(response: httpx.Response, identifier: str) -> dict[str, Any]:
    """What a refusal tells: everything but the request id, with the id asked about masked."""
    body = expect(response, 404)
    assert response.headers["content-type"] == "application/problem+json"
    return {
        field: value.replace(identifier, "<id>") if isinstance(value, str) else value
        for field, value in body.items()
        if field != "request_id"
    }


def assert_indistinguishable(
    foreign: httpx.Response, foreign_id: str, missing: httpx.Response, missing_id: str
) -> None:
    """Both 404s, with the same type, title, detail and fields once the ids are masked."""
    foreign_shape = _shape(foreign, foreign_id)
    assert foreign_shape == _shape(missing, missing_id)
    assert foreign_shape["type"] == "urn:keyhouse:problem:not-found"
    assert set(foreign.headers) - {"date", "x-request-id"} == set(missing.headers) - {
        "date",
        "x-request-id",
    }


def _secret_as_owner(world: World, secret: Target) -> tuple[Any, str]:
    """The owner's view of a secret: metadata, and a digest of the value (never the value)."""
    metadata = expect(world.owner.get(f"/api/v1/secrets/{secret.id}"), 200)
    value: str = expect(world.owner.get(f"/api/v1/secrets/{secret.id}/value"), 200)["value"]
    return metadata, hashlib.sha256(value.encode()).hexdigest()


def _key_as_owner(world: World, key_id: str) -> dict[str, Any]:
    key: dict[str, Any] = expect(world.owner.get(f"/api/v1/api-keys/{key_id}"), 200)
    key.pop("last_used_at")
    return key


def _all_pages(http: httpx.Client, path: str, params: dict[str, str]) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    query = {**params, "limit": "200"}
    while True:
        page = expect(http.get(path, params=query), 200)
        items.extend(page["data"])
        if page["next_cursor"] is None:
            return items
        query["cursor"] = page["next_cursor"]


@pytest.mark.parametrize(("method", "suffix", "body"), SECRET_OPERATIONS)
@pytest.mark.parametrize("other", OTHERS)
def test_a_foreign_private_secret_answers_like_a_missing_one(
    world: World, other: str, method: str, suffix: str, body: Any
) -> None:
    secret = world.new_private_secret()
    before = _secret_as_owner(world, secret)
    http = OTHERS[other](world)
    missing_id = uuid.uuid4().hex

    foreign = http.request(method, f"/api/v1/secrets/{secret.id}{suffix}", json=body)
    missing = http.request(method, f"/api/v1/secrets/{missing_id}{suffix}", json=body)

    assert_indistinguishable(foreign, secret.id, missing, missing_id)
    assert _secret_as_owner(world, secret) == before


@pytest.mark.parametrize(("method", "suffix", "body"), KEY_OPERATIONS)
@pytest.mark.parametrize("other", OTHERS)
def test_a_foreign_api_key_answers_like_a_missing_one(
    world: World, other: str, method: str, suffix: str, body: Any
) -> None:
    key_id = world.new_owner_key()
    before = _key_as_owner(world, key_id)
    http = OTHERS[other](world)
    missing_id = new_key_id()

    foreign = http.request(method, f"/api/v1/api-keys/{key_id}{suffix}", json=body)
    missing = http.request(method, f"/api/v1/api-keys/{missing_id}{suffix}", json=body)

    assert_indistinguishable(foreign, key_id, missing, missing_id)
    after = _key_as_owner(world, key_id)
    assert after == before
    assert after["status"] == "active"


@pytest.mark.parametrize(("method", "suffix", "body"), SECRET_OPERATIONS)
def test_a_project_secret_answers_a_non_collaborator_like_a_missing_one(
    world: World, method: str, suffix: str, body: Any
) -> None:
    secret = world.new_project_secret()
    before = _secret_as_owner(world, secret)
    missing_id = uuid.uuid4().hex

    foreign = world.outsider.request(method, f"/api/v1/secrets/{secret.id}{suffix}", json=body)
    missing = world.outsider.request(method, f"/api/v1/secrets/{missing_id}{suffix}", json=body)

    assert_indistinguishable(foreign, secret.id, missing, missing_id)
    assert _secret_as_owner(world, secret) == before


@pytest.mark.parametrize("other", OTHERS)
def test_secret_lists_never_include_a_foreign_private_secret(world: World, other: str) -> None:
    secret = world.private_secret
    http = OTHERS[other](world)
    by_prefix = {"name_prefix": secret.name}
    # The filters find the secret for its owner: leaving it out is not an accident.
    assert [s["id"] for s in _all_pages(world.owner.http, "/api/v1/secrets", by_prefix)] == [
        secret.id
    ]

    for params in ({}, {"visibility": "private"}, by_prefix):
        listed = _all_pages(http, "/api/v1/secrets", params)
        assert secret.id not in {s["id"] for s in listed}, params
        assert secret.name not in {s["name"] for s in listed}, params


@pytest.mark.parametrize("other", ["viewer", "member", "admin"])
def test_a_projects_secret_list_leaves_out_its_members_private_secrets(
    world: World, other: str
) -> None:
    listed = _all_pages(OTHERS[other](world), "/api/v1/secrets", {"project": world.project})
    ids = {s["id"] for s in listed}
    assert world.project_secret.id in ids
    assert world.private_secret.id not in ids


@pytest.mark.parametrize("other", OTHERS)
def test_key_lists_never_include_a_foreign_key(world: World, other: str) -> None:
    key = expect(world.owner.get(f"/api/v1/api-keys/{world.owner_key_id}"), 200)
    http = OTHERS[other](world)
    filters: list[dict[str, str]] = [
        {},
        {"name": key["name"]},
        {"prefix": key["prefix"]},
        {"status": "active"},
    ]
    for params in filters[1:]:
        found = _all_pages(world.owner.http, "/api/v1/api-keys", params)
        assert key["id"] in {k["id"] for k in found}, params

    for params in filters:
        listed = _all_pages(http, "/api/v1/api-keys", params)
        assert key["id"] not in {k["id"] for k in listed}, params


@pytest.mark.parametrize("other", OTHERS)
def test_by_name_look_up_of_a_foreign_private_secret_is_a_404(world: World, other: str) -> None:
    http = OTHERS[other](world)
    if other == "project-restricted key of a member":
        # Restricted keys have no private secrets at all: a 403 naming their project,
        # whatever the name.
        for name in (world.private_secret.name, unique("authz/missing")):
            body = expect(http.get("/api/v1/secrets/by-name", params={"name": name}), 403)
            assert body["project"] == world.project
        return
    missing_name = unique("authz/missing")
    foreign = http.get("/api/v1/secrets/by-name", params={"name": world.private_secret.name})
    missing = http.get("/api/v1/secrets/by-name", params={"name": missing_name})
    assert_indistinguishable(foreign, world.private_secret.name, missing, missing_name)


@pytest.mark.parametrize("other", ["viewer", "member", "admin"])
def test_by_name_look_up_in_the_project_does_not_find_a_private_secret(
    world: World, other: str
) -> None:
    http = OTHERS[other](world)
    missing_name = unique("authz/missing")
    params = {"project": world.project}
    foreign = http.get(
        "/api/v1/secrets/by-name", params={**params, "name": world.private_secret.name}
    )
    missing = http.get("/api/v1/secrets/by-name", params={**params, "name": missing_name})
    assert_indistinguishable(foreign, world.private_secret.name, missing, missing_name)


def test_a_non_collaborator_learns_nothing_more_by_name_than_that_the_project_refuses(
    world: World,
) -> None:
    # Non-collaborators are refused before any look-up: the same 403 for a
    # project secret that exists, a private secret's name, and a name never used.
    details = set()
    for name in (world.project_secret.name, world.private_secret.name, unique("authz/missing")):
        response = world.outsider.get(
            "/api/v1/secrets/by-name", params={"name": name, "project": world.project}
        )
        body = expect(response, 403)
        assert body["project"] == world.project
        details.add(body["detail"])
    assert len(details) == 1


@pytest.mark.parametrize("other", [o for o in OTHERS if o != "project-restricted key of a member"])
def test_the_same_private_secret_name_is_free_for_everyone_else(world: World, other: str) -> None:
    # A 409 here would tell that someone else holds a secret of that name.
    http = OTHERS[other](world)
    secret = world.new_private_secret()
    created = expect(http.post("/api/v1/secrets", json={"name": secret.name, "value": "mine"}), 201)
    assert created["id"] != secret.id
    found = expect(http.get("/api/v1/secrets/by-name", params={"name": secret.name}), 200)
    assert found["id"] == created["id"]
    expect(http.delete(f"/api/v1/secrets/{created['id']}"), 204)
    assert _secret_as_owner(world, secret)[0]["version"] == 1


@pytest.mark.parametrize("other", OTHERS)
def test_the_same_key_name_is_free_for_everyone_else(world: World, other: str) -> None:
    http = OTHERS[other](world)
    key = expect(world.owner.get(f"/api/v1/api-keys/{world.new_owner_key()}"), 200)
    body: dict[str, Any] = {"name": key["name"], "scopes": ["keys"]}
    if other == "project-restricted key of a member":
        body["project"] = world.project
    created = expect(http.post("/api/v1/api-keys", json=body), 201)
    assert created["id"] != key["id"]
    expect(http.delete(f"/api/v1/api-keys/{created['id']}"), 204)
