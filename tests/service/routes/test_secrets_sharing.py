"""Who may see and change which secrets: project roles, private secrets, restricted keys.

Actors are wrapped so that their repr (which pytest prints for a failing
assertion) leaves out their key, and secret values are compared outside
``assert`` expressions, so a failure shows neither.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.support.actors import (
    Actor,
    add_member,
    create_key,
    expect,
    make_role,
    make_user,
    unique,
)
from tests.support.keyhouse_server import KeyhouseServer

SECRETS = "/api/v1/secrets"


def same_value(actual: str, expected: str) -> None:
    """Fail, showing neither, unless two secret values are equal."""
    if actual != expected:
        raise AssertionError("the secret value read differs from the one expected (not shown)")


def new_project(owner: Actor | httpx.Client) -> str:
    """A new project owned by ``owner``; its name."""
    name = unique("proj")
    expect(owner.post("/api/v1/projects", json={"name": name}), 201)
    return name


def new_secret(actor: Actor | httpx.Client, **body: Any) -> dict[str, Any]:
    """Create a secret; its metadata."""
    body.setdefault("name", unique("secret"))
    body.setdefault("value", unique("value"))
    created: dict[str, Any] = expect(actor.post(SECRETS, json=body), 201)
    return created


def listed_ids(actor: Actor | httpx.Client, **params: Any) -> set[str]:
    """Ids of every secret ``actor`` lists with ``params`` (all pages)."""
    ids: set[str] = set()
    cursor: str | None = None
    while True:
        query = {**params, "limit": 200}
        if cursor is not None:
            query["cursor"] = cursor
        page = expect(actor.get(SECRETS, params=query), 200)
        ids.update(item["id"] for item in page["data"])
        cursor = page["next_cursor"]
        if cursor is None:
            return ids


def value_of(actor: Actor | httpx.Client, secret_id: str) -> str:
    """A secret's value as ``actor`` reads it."""
    body = expect(actor.get(f"{SECRETS}/{secret_id}/value"), 200)
    value: str = body["value"]
    return value


def assert_forbidden_for(response: httpx.Response, project: str) -> None:
    """A 403 problem naming ``project``."""
    problem = expect(response, 403)
    assert problem["type"] == "urn:keyhouse:problem:forbidden"
    assert problem["project"] == project
    assert project in problem["detail"]


def assert_hidden(actor: Actor | httpx.Client, secret_id: str) -> None:
    """Every per-secret operation answers 404, exactly as for a secret that does not exist."""
    path = f"{SECRETS}/{secret_id}"
    responses = {
        "GET metadata": actor.get(path),
        "GET value": actor.get(f"{path}/value"),
        "PUT value": actor.put(f"{path}/value", json={"value": "overwritten"}),
        "PATCH": actor.patch(path, json={"description": "defaced"}),
        "DELETE": actor.delete(path),
    }
    statuses = {call: response.status_code for call, response in responses.items()}
    assert statuses == dict.fromkeys(responses, 404)
    for response in responses.values():
        problem = response.json()
        assert problem["type"] == "urn:keyhouse:problem:not-found"
        assert problem["detail"] == f"secret '{secret_id}' does not exist"
        assert "project" not in problem


@dataclass(repr=False)
class Team:
    """A project with an owner, a member and a viewer, and one shared secret."""

    project: str
    owner: Actor
    member: Actor
    viewer: Actor
    secret: dict[str, Any]
    value: str


@pytest.fixture
def team(service: KeyhouseServer, admin: httpx.Client, user: Actor) -> Team:
    project = new_project(user)
    member = make_user(admin, service.url)
    viewer = make_user(admin, service.url)
    add_member(admin, project, member, "member")
    add_member(admin, project, viewer, "viewer")
    value = unique("team-value")
    secret = new_secret(
        user, name=unique("team/db"), value=value, visibility="project", project=project
    )
    return Team(project, user, member, viewer, secret, value)


def test_every_project_role_reads_a_project_secret(team: Team) -> None:
    for actor in (team.owner, team.member, team.viewer):
        path = f"{SECRETS}/{team.secret['id']}"
        assert expect(actor.get(path), 200) == team.secret
        same_value(value_of(actor, team.secret["id"]), team.value)
        by_name = actor.get(
            f"{SECRETS}/by-name", params={"name": team.secret["name"], "project": team.project}
        )
        assert expect(by_name, 200)["id"] == team.secret["id"]
        assert team.secret["id"] in listed_ids(actor, project=team.project)
        assert team.secret["id"] in listed_ids(actor)


def test_members_write_project_secrets(team: Team) -> None:
    path = f"{SECRETS}/{team.secret['id']}"
    new_value = unique("member-wrote")
    assert expect(team.member.put(f"{path}/value", json={"value": new_value}), 200)["version"] == 2
    same_value(value_of(team.owner, team.secret["id"]), new_value)
    assert (
        expect(team.member.patch(path, json={"description": "by member"}), 200)["description"]
        == "by member"
    )
    created = new_secret(team.member, visibility="project", project=team.project)
    assert created["owner"] == f"user/{team.member.name}"
    assert team.owner.delete(f"{SECRETS}/{created['id']}").status_code == 204
    assert team.member.delete(path).status_code == 204
    expect(team.owner.get(path), 404)


def test_viewers_cannot_change_project_secrets(team: Team) -> None:
    path = f"{SECRETS}/{team.secret['id']}"
    assert_forbidden_for(team.viewer.put(f"{path}/value", json={"value": "x"}), team.project)
    assert_forbidden_for(team.viewer.patch(path, json={"description": "x"}), team.project)
    assert_forbidden_for(team.viewer.delete(path), team.project)
    assert_forbidden_for(
        team.viewer.post(
            SECRETS,
            json={
                "name": unique("v"),
                "value": "x",
                "visibility": "project",
                "project": team.project,
            },
        ),
        team.project,
    )
    # Nothing changed.
    read = expect(team.owner.get(f"{path}/value"), 200)
    same_value(read["value"], team.value)
    assert read["version"] == 1
    assert expect(team.owner.get(path), 200)["description"] == team.secret["description"]


def test_non_members_cannot_learn_a_project_secret_exists(team: Team, other_user: Actor) -> None:
    assert_hidden(other_user, team.secret["id"])
    # The 404 is the one a secret that does not exist gets.
    nowhere = "0123456789abcdef" * 2
    assert expect(other_user.get(f"{SECRETS}/{nowhere}"), 404)["detail"] == (
        f"secret '{nowhere}' does not exist"
    )
    assert team.secret["id"] not in listed_ids(other_user)
    assert team.secret["id"] not in listed_ids(other_user, visibility="project")
    same_value(value_of(team.owner, team.secret["id"]), team.value)


def test_non_members_get_403_naming_the_project(team: Team, other_user: Actor) -> None:
    assert_forbidden_for(other_user.get(SECRETS, params={"project": team.project}), team.project)
    assert_forbidden_for(
        other_user.post(
            SECRETS,
            json={
                "name": unique("n"),
                "value": "x",
                "visibility": "project",
                "project": team.project,
            },
        ),
        team.project,
    )
    assert_forbidden_for(
        other_user.get(
            f"{SECRETS}/by-name", params={"name": team.secret["name"], "project": team.project}
        ),
        team.project,
    )


def test_removed_members_lose_access(team: Team, admin: httpx.Client) -> None:
    response = team.owner.delete(f"/api/v1/projects/{team.project}/members/user/{team.member.name}")
    assert response.status_code == 204
    assert_hidden(team.member, team.secret["id"])
    assert team.secret["id"] not in listed_ids(team.member)


def test_private_secrets_are_invisible_to_everyone_else(
    user: Actor, other_user: Actor, admin: httpx.Client
) -> None:
    value = unique("private-value")
    secret = new_secret(user, name=unique("mine/token"), value=value)
    for outsider in (other_user, admin):
        assert_hidden(outsider, secret["id"])
        assert secret["id"] not in listed_ids(outsider, name_prefix=secret["name"])
        assert secret["id"] not in listed_ids(outsider, visibility="private")
        expect(outsider.get(f"{SECRETS}/by-name", params={"name": secret["name"]}), 404)
    assert secret["id"] not in listed_ids(other_user)
    read = expect(user.get(f"{SECRETS}/{secret['id']}/value"), 200)
    same_value(read["value"], value)
    assert read["version"] == 1
    assert expect(user.get(f"{SECRETS}/{secret['id']}"), 200) == secret


def test_admins_see_every_project_secret_but_no_private_one(
    user: Actor, admin: httpx.Client
) -> None:
    project = new_project(user)
    value = unique("admin-reads")
    shared = new_secret(user, value=value, visibility="project", project=project)
    private = new_secret(user)
    same_value(value_of(admin, shared["id"]), value)
    assert listed_ids(admin, project=project) == {shared["id"]}
    assert private["id"] not in listed_ids(admin, name_prefix=private["name"])


@dataclass(repr=False)
class Restricted:
    """A user with projects A and B, a secret in each and a private one, and a key for A."""

    owner: Actor
    key: Actor
    project_a: str
    project_b: str
    in_a: dict[str, Any]
    in_b: dict[str, Any]
    private: dict[str, Any]
    value_a: str


@pytest.fixture
def restricted(service: KeyhouseServer, admin: httpx.Client, user: Actor) -> Restricted:
    project_a = new_project(user)
    project_b = new_project(user)
    value_a = unique("in-a")
    in_a = new_secret(user, value=value_a, visibility="project", project=project_a)
    in_b = new_secret(user, visibility="project", project=project_b)
    private = new_secret(user, name=unique("private/x"))
    key = create_key(
        admin,
        service.url,
        owner_kind="user",
        owner_name=user.name,
        scopes=["secrets", "project"],
        project=project_a,
    )
    return Restricted(user, key, project_a, project_b, in_a, in_b, private, value_a)


def test_restricted_key_works_in_its_project(restricted: Restricted) -> None:
    key = restricted.key
    same_value(value_of(key, restricted.in_a["id"]), restricted.value_a)
    made = new_secret(key, visibility="project", project=restricted.project_a)
    assert made["project"] == restricted.project_a
    assert listed_ids(key) == {restricted.in_a["id"], made["id"]}
    assert listed_ids(key, project=restricted.project_a) == {restricted.in_a["id"], made["id"]}


def test_restricted_key_cannot_touch_private_secrets(restricted: Restricted) -> None:
    key = restricted.key
    refused = key.post(SECRETS, json={"name": unique("p"), "value": "x"})
    assert_forbidden_for(refused, restricted.project_a)
    by_name = key.get(f"{SECRETS}/by-name", params={"name": restricted.private["name"]})
    assert_forbidden_for(by_name, restricted.project_a)
    path = f"{SECRETS}/{restricted.private['id']}"
    for response in (
        key.get(path),
        key.get(f"{path}/value"),
        key.put(f"{path}/value", json={"value": "x"}),
        key.patch(path, json={"description": "x"}),
        key.delete(path),
    ):
        # Refused either way: 403 (out of the key's reach) or 404 (not visible to it).
        assert response.status_code in (403, 404), response.status_code
    assert restricted.private["id"] not in listed_ids(key)
    assert listed_ids(key, visibility="private") == set()
    # The owner's own unrestricted key still sees it, unchanged.
    assert expect(restricted.owner.get(f"{path}/value"), 200)["version"] == 1


def test_restricted_key_cannot_touch_another_project(restricted: Restricted) -> None:
    key = restricted.key
    project_b = restricted.project_b
    assert_forbidden_for(key.get(SECRETS, params={"project": project_b}), project_b)
    assert_forbidden_for(
        key.post(
            SECRETS,
            json={"name": unique("b"), "value": "x", "visibility": "project", "project": project_b},
        ),
        project_b,
    )
    assert_forbidden_for(
        key.get(
            f"{SECRETS}/by-name", params={"name": restricted.in_b["name"], "project": project_b}
        ),
        project_b,
    )
    assert_hidden(key, restricted.in_b["id"])
    assert restricted.in_b["id"] not in listed_ids(key)
    assert expect(restricted.owner.get(f"{SECRETS}/{restricted.in_b['id']}"), 200)["version"] == 1


def test_restricted_key_grants_nothing_its_owner_lacks(
    service: KeyhouseServer, admin: httpx.Client, team: Team, other_user: Actor
) -> None:
    # A key restricted to a project narrows its owner's rights; it never widens them.
    outsider_key = create_key(
        admin,
        service.url,
        owner_kind="user",
        owner_name=other_user.name,
        scopes=["secrets"],
        project=team.project,
    )
    assert_hidden(outsider_key, team.secret["id"])
    assert team.secret["id"] not in listed_ids(outsider_key)
    assert_forbidden_for(outsider_key.get(SECRETS, params={"project": team.project}), team.project)
    same_value(value_of(team.owner, team.secret["id"]), team.value)


def test_restricted_key_stops_working_when_its_owner_leaves(
    service: KeyhouseServer, admin: httpx.Client, team: Team
) -> None:
    member_key = create_key(
        admin,
        service.url,
        owner_kind="user",
        owner_name=team.member.name,
        scopes=["secrets", "project"],
        project=team.project,
    )
    same_value(value_of(member_key, team.secret["id"]), team.value)
    left = member_key.delete(f"/api/v1/projects/{team.project}/members/user/{team.member.name}")
    assert left.status_code == 204
    assert_hidden(member_key, team.secret["id"])
    assert team.secret["id"] not in listed_ids(member_key)


def test_role_member_reads_its_api_key_secret(
    service: KeyhouseServer, admin: httpx.Client, user: Actor
) -> None:
    # The seed workflow: a compute cluster's role reads hopsworks/role/<role>/type/api-key.
    role = make_role(admin, service.url, scopes=["secrets"])
    project = new_project(user)
    name = f"hopsworks/role/{role.name}/type/api-key"
    value = unique("cluster-api-key")
    secret = new_secret(user, name=name, value=value, visibility="project", project=project)
    lookup = {"name": name, "project": project}

    assert_forbidden_for(role.get(f"{SECRETS}/by-name", params=lookup), project)
    assert_hidden(role, secret["id"])

    add_member(admin, project, role, "viewer")
    found = expect(role.get(f"{SECRETS}/by-name", params=lookup), 200)
    assert found["id"] == secret["id"]
    assert found["owner"] == f"user/{user.name}"
    read = expect(role.get(f"{SECRETS}/{found['id']}/value"), 200)
    assert read["name"] == name
    same_value(read["value"], value)
    assert listed_ids(role) == {secret["id"]}
    # A viewer role reads but does not write.
    assert_forbidden_for(role.put(f"{SECRETS}/{secret['id']}/value", json={"value": "x"}), project)
