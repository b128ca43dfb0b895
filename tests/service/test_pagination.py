"""Every list endpoint pages with limit and an opaque cursor, and loses nothing."""

from __future__ import annotations

from typing import Any

import httpx

from tests.support.actors import (
    Actor,
    add_member,
    allow_passing,
    expect,
    make_role,
    make_user,
    unique,
)
from tests.support.keyhouse_server import KeyhouseServer


def walk(http: httpx.Client, path: str, **params: Any) -> list[list[dict[str, Any]]]:
    """Every page of a list, following next_cursor."""
    pages = []
    cursor = None
    while True:
        query = {**params, **({"cursor": cursor} if cursor else {})}
        page = expect(http.get(path, params=query), 200)
        pages.append(page["data"])
        cursor = page["next_cursor"]
        if cursor is None:
            return pages


def test_api_keys_page_through_every_key(user: Actor) -> None:
    created = {
        expect(user.post("/api/v1/api-keys", json={"name": unique("p"), "scopes": ["job"]}), 201)[
            "id"
        ]
        for _ in range(5)
    }
    pages = walk(user.http, "/api/v1/api-keys", limit=2)
    assert [len(p) for p in pages] == [2, 2, 2]  # 5 new keys + the user's own key
    ids = [k["id"] for page in pages for k in page]
    assert len(ids) == len(set(ids))
    assert created | {user.key_id} == set(ids)


def test_api_keys_owned_and_created_merge_into_one_order(
    service: KeyhouseServer, admin: httpx.Client, user: Actor
) -> None:
    # The user sees keys it owns (one made by the admin for it) and keys it
    # made for a role: each page is read off both and merged.
    role = make_role(admin, service.url, scopes=["job"])
    allow_passing(admin, user, "role", role.name)
    expected = {user.key_id}
    for turn in range(6):
        body: dict[str, Any] = {"name": unique("m"), "scopes": ["job"]}
        if turn % 2:
            body["owner_role"] = role.name
        expected.add(expect(user.post("/api/v1/api-keys", json=body), 201)["id"])
    for_user = {"name": unique("a"), "scopes": ["job"], "owner_user": user.name}
    expected.add(expect(admin.post("/api/v1/api-keys", json=for_user), 201)["id"])
    for limit in (1, 2, 3, 50):
        listed = [k for page in walk(user.http, "/api/v1/api-keys", limit=limit) for k in page]
        assert [k["id"] for k in listed] == [
            k["id"] for k in sorted(listed, key=lambda k: (k["created_at"], k["id"]))
        ]
        assert sorted(k["id"] for k in listed) == sorted(expected)
    revoked = sorted(expected - {user.key_id})[:2]
    for key_id in revoked:
        expect(user.post(f"/api/v1/api-keys/{key_id}/revoke"), 200)
    pages = walk(user.http, "/api/v1/api-keys", limit=1, status="revoked")
    assert sorted(k["id"] for page in pages for k in page) == revoked


def test_secrets_page_in_creation_order(user: Actor) -> None:
    names = [unique("page") for _ in range(5)]
    for name in names:
        expect(user.post("/api/v1/secrets", json={"name": name, "value": "v"}), 201)
    pages = walk(user.http, "/api/v1/secrets", limit=2)
    assert [s["name"] for page in pages for s in page] == names


def test_private_and_shared_secrets_merge_into_one_order(
    admin: httpx.Client, user: Actor, other_user: Actor
) -> None:
    # Private secrets and the project's shared ones are read off two indexes
    # and merged; another user's private secret stays out.
    project = unique("sp")
    expect(user.post("/api/v1/projects", json={"name": project}), 201)
    names = []
    for turn in range(6):
        body: dict[str, Any] = {"name": unique("mix"), "value": "v"}
        if turn % 2:
            body |= {"visibility": "project", "project": project}
        expect(user.post("/api/v1/secrets", json=body), 201)
        names.append(body["name"])
        if turn == 2:
            hidden = {"name": unique("theirs"), "value": "v"}
            expect(other_user.post("/api/v1/secrets", json=hidden), 201)
    for limit in (1, 2, 4, 50):
        pages = walk(user.http, "/api/v1/secrets", limit=limit)
        assert [s["name"] for page in pages for s in page] == names
    shared = walk(user.http, "/api/v1/secrets", limit=1, visibility="project")
    assert [s["name"] for page in shared for s in page] == names[1::2]


def test_projects_and_members_page(
    service: KeyhouseServer, admin: httpx.Client, user: Actor
) -> None:
    projects = sorted(unique("proj") for _ in range(3))
    for name in projects:
        expect(user.post("/api/v1/projects", json={"name": name}), 201)
    seen = [p["name"] for page in walk(user.http, "/api/v1/projects", limit=1) for p in page]
    assert seen == projects
    members = [make_user(admin, service.url) for _ in range(3)]
    for member in members:
        add_member(admin, projects[0], member, "viewer")
    listed = walk(user.http, f"/api/v1/projects/{projects[0]}/members", limit=2)
    assert [len(p) for p in listed] == [2, 2]
    assert {m["principal_name"] for page in listed for m in page} == {
        user.name,
        *(m.name for m in members),
    }


def test_users_and_roles_page(admin: httpx.Client) -> None:
    for _ in range(3):
        expect(admin.post("/api/v1/roles", json={"name": unique("pr")}), 201)
    roles = [r["name"] for page in walk(admin, "/api/v1/roles", limit=2) for r in page]
    assert roles == sorted(roles)
    assert len(roles) == len(set(roles)) >= 3
    users = [u["name"] for page in walk(admin, "/api/v1/users", limit=3) for u in page]
    assert "admin" in users
    assert len(users) == len(set(users))


def test_audit_pages_newest_first(admin: httpx.Client, user: Actor) -> None:
    for _ in range(3):
        expect(user.post("/api/v1/secrets", json={"name": unique("aud"), "value": "v"}), 201)
    pages = walk(admin, "/api/v1/audit", principal=user.name, limit=2)
    ids = [event["id"] for page in pages for event in page]
    assert ids == sorted(ids, reverse=True)
    assert len(ids) == len(set(ids)) >= 3
