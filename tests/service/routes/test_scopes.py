"""The scope catalog: the built-ins, custom scopes added by admins, and keys holding them."""

from __future__ import annotations

from typing import Any

import httpx

from tests.support.actors import Actor, create_key, expect, make_user, unique
from tests.support.keyhouse_server import KeyhouseServer

BUILTINS = {"featurestore", "project", "job", "kafka", "secrets", "keys", "iam", "admin"}


def catalog(http: httpx.Client | Actor) -> dict[str, dict[str, Any]]:
    """Every scope of the catalog by name, following the pages."""
    scopes: dict[str, dict[str, Any]] = {}
    cursor: str | None = None
    while True:
        params = {"cursor": cursor} if cursor is not None else {}
        page = expect(http.get("/api/v1/scopes", params=params), 200)
        for scope in page["data"]:
            assert scope["name"] not in scopes, "a scope is listed twice"
            scopes[scope["name"]] = scope
        cursor = page["next_cursor"]
        if cursor is None:
            return scopes


def add_scope(admin: httpx.Client, description: str = "") -> str:
    """A new custom scope; its name."""
    name = unique("scope")
    created = expect(
        admin.post("/api/v1/scopes", json={"name": name, "description": description}), 201
    )
    assert created == {"name": name, "description": description, "builtin": False}
    return name


def test_the_builtins_are_listed(user: Actor) -> None:
    scopes = catalog(user)
    builtins = {name for name, scope in scopes.items() if scope["builtin"]}
    assert builtins == BUILTINS
    assert all(scopes[name]["description"] for name in BUILTINS)


def test_the_catalog_is_readable_by_any_key(service: KeyhouseServer, admin: httpx.Client) -> None:
    narrow = make_user(admin, service.url, scopes=["featurestore"])
    assert set(catalog(narrow)) >= BUILTINS


def test_the_catalog_is_sorted_and_paged(admin: httpx.Client) -> None:
    add_scope(admin)
    add_scope(admin)
    first = expect(admin.get("/api/v1/scopes", params={"limit": 3}), 200)
    assert len(first["data"]) == 3
    assert first["next_cursor"] is not None
    names = list(catalog(admin))
    assert names == sorted(names)
    assert [s["name"] for s in first["data"]] == names[:3]


def test_admin_adds_a_custom_scope(admin: httpx.Client, user: Actor) -> None:
    name = add_scope(admin, "Read the reporting warehouse.")
    listed = catalog(user)[name]
    assert listed == {
        "name": name,
        "description": "Read the reporting warehouse.",
        "builtin": False,
    }


def test_custom_scopes_can_be_put_on_keys(
    service: KeyhouseServer, anonymous: httpx.Client, admin: httpx.Client
) -> None:
    name = add_scope(admin)
    holder = make_user(admin, service.url, scopes=["keys", name])
    whoami = expect(holder.get("/api/v1/whoami"), 200)
    assert name in whoami["key"]["scopes"]
    # The holder may pass it on to a key of its own...
    own = expect(
        holder.post("/api/v1/api-keys", json={"name": unique("key"), "scopes": [name]}), 201
    )
    assert own["scopes"] == [name]
    # ...and downstream services see it.
    answer = expect(
        anonymous.post("/api/v1/keys:verify", json={"key": own["key"], "scopes": [name]}), 200
    )
    assert answer["valid"] is True
    # A role may hold it too: custom scopes are not reserved to admins.
    role = unique("role")
    expect(admin.post("/api/v1/roles", json={"name": role}), 201)
    actor = create_key(admin, service.url, owner_kind="role", owner_name=role, scopes=[name])
    assert expect(actor.get("/api/v1/whoami"), 200)["key"]["scopes"] == [name]


def test_a_custom_scope_cannot_be_granted_by_a_key_without_it(
    admin: httpx.Client, user: Actor
) -> None:
    name = add_scope(admin)
    problem = expect(
        user.post("/api/v1/api-keys", json={"name": unique("key"), "scopes": [name]}), 403
    )
    assert problem["scope"] == name


def test_duplicate_scope_is_refused(admin: httpx.Client) -> None:
    name = add_scope(admin, "first")
    problem = expect(admin.post("/api/v1/scopes", json={"name": name, "description": "x"}), 409)
    assert name in problem["detail"]
    assert catalog(admin)[name]["description"] == "first"
    expect(admin.post("/api/v1/scopes", json={"name": "secrets"}), 409)
    assert catalog(admin)["secrets"]["builtin"] is True


def test_non_admin_cannot_add_scopes(
    service: KeyhouseServer, admin: httpx.Client, user: Actor
) -> None:
    name = unique("scope")
    problem = expect(user.post("/api/v1/scopes", json={"name": name}), 403)
    assert problem["scope"] == "admin"
    admin_without_scope = make_user(admin, service.url, is_admin=True, scopes=["keys", "iam"])
    expect(admin_without_scope.post("/api/v1/scopes", json={"name": name}), 403)
    assert name not in catalog(admin)


def test_invalid_scope_names_are_refused(admin: httpx.Client) -> None:
    for name in ("", "has space", "../up", "-leading", "x" * 65):
        problem = expect(admin.post("/api/v1/scopes", json={"name": name}), 422)
        assert "/body/name" in [e["pointer"] for e in problem["errors"]]
