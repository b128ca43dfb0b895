"""The audit log records every change and every secret read, allowed or not."""

from __future__ import annotations

from typing import Any

import httpx

from tests.support.actors import Actor, expect, unique


def events(admin: httpx.Client, **params: Any) -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = expect(admin.get("/api/v1/audit", params=params), 200)["data"]
    return data


def test_secret_reads_and_changes_are_recorded(admin: httpx.Client, user: Actor) -> None:
    name = unique("audited")
    secret = expect(user.post("/api/v1/secrets", json={"name": name, "value": "v1"}), 201)
    expect(user.get(f"/api/v1/secrets/{secret['id']}/value"), 200)
    expect(user.put(f"/api/v1/secrets/{secret['id']}/value", json={"value": "v2"}), 200)
    expect(user.delete(f"/api/v1/secrets/{secret['id']}"), 204)
    target = f"khrn:secret:user/{user.name}/{name}"
    recorded = [
        (e["action"], e["outcome"])
        for e in events(admin, principal=user.name)
        if e["target"] == target
    ]
    assert recorded == [
        ("secrets:DeleteSecret", "success"),
        ("secrets:PutSecretValue", "success"),
        ("secrets:GetSecretValue", "success"),
        ("secrets:CreateSecret", "success"),
    ]
    read = next(e for e in events(admin, action="secrets:GetSecretValue", principal=user.name))
    assert read["principal"] == f"user/{user.name}"
    assert read["key_id"] == user.key_id
    assert read["at"]


def test_refusals_are_recorded_as_denied(
    admin: httpx.Client, user: Actor, other_user: Actor
) -> None:
    project = unique("closed")
    expect(other_user.post("/api/v1/projects", json={"name": project}), 201)
    expect(user.get(f"/api/v1/projects/{project}"), 403)
    denied = events(admin, principal=user.name, action="projects:GetProject")
    assert denied[0]["outcome"] == "denied"
    assert denied[0]["target"] == f"project/{project}" or project in denied[0]["target"]


def test_filters_by_principal_and_action(admin: httpx.Client, user: Actor) -> None:
    expect(user.post("/api/v1/secrets", json={"name": unique("f"), "value": "v"}), 201)
    expect(user.post("/api/v1/api-keys", json={"name": unique("k"), "scopes": ["job"]}), 201)
    only_keys = events(admin, principal=user.name, action="keys:CreateKey")
    assert only_keys
    assert all(e["action"] == "keys:CreateKey" for e in only_keys)
    assert all(e["principal"] == f"user/{user.name}" for e in only_keys)


def test_reads_without_side_effects_are_not_recorded(admin: httpx.Client, user: Actor) -> None:
    before = events(admin, principal=user.name)
    expect(user.get("/api/v1/whoami"), 200)
    expect(user.get("/api/v1/api-keys"), 200)
    assert events(admin, principal=user.name) == before


def test_only_admins_read_the_log(user: Actor) -> None:
    problem = expect(user.get("/api/v1/audit"), 403)
    assert problem["scope"] == "admin"
