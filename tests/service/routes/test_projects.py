"""Projects and their members over HTTP.

Actors are wrapped so that their repr (which pytest prints for a failing
assertion) leaves out their key.
"""

from __future__ import annotations

from typing import Any

import httpx

from tests.support.actors import (
    Actor,
    add_member,
    allow_passing,
    create_key,
    expect,
    make_role,
    make_user,
    unique,
)
from tests.support.keyhouse_server import KeyhouseServer

PROJECTS = "/api/v1/projects"


def new_project(owner: Actor | httpx.Client, **extra: Any) -> dict[str, Any]:
    """A new project owned by ``owner``; its body."""
    created: dict[str, Any] = expect(
        owner.post(PROJECTS, json={"name": unique("proj"), **extra}), 201
    )
    return created


def all_projects(actor: Actor | httpx.Client) -> dict[str, dict[str, Any]]:
    """Every project ``actor`` lists (all pages), by name."""
    found: dict[str, dict[str, Any]] = {}
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"limit": 200}
        if cursor is not None:
            params["cursor"] = cursor
        page = expect(actor.get(PROJECTS, params=params), 200)
        for item in page["data"]:
            assert item["name"] not in found, "a project is listed twice"
            found[item["name"]] = item
        cursor = page["next_cursor"]
        if cursor is None:
            return found


def members(actor: Actor | httpx.Client, project: str) -> dict[tuple[str, str], str]:
    """A project's members as (kind, name) -> project role."""
    page = expect(actor.get(f"{PROJECTS}/{project}/members"), 200)
    assert page["next_cursor"] is None
    for item in page["data"]:
        assert item["project"] == project
    return {(m["principal_kind"], m["principal_name"]): m["role"] for m in page["data"]}


def member_path(project: str, actor: Actor) -> str:
    return f"{PROJECTS}/{project}/members/{actor.kind}/{actor.name}"


def assert_forbidden_for(response: httpx.Response, project: str) -> None:
    """A 403 problem naming ``project``."""
    problem = expect(response, 403)
    assert problem["type"] == "urn:keyhouse:problem:forbidden"
    assert problem["project"] == project
    assert project in problem["detail"]


def test_creator_becomes_owner(user: Actor) -> None:
    name = unique("proj")
    created = expect(user.post(PROJECTS, json={"name": name, "description": "ml team"}), 201)
    assert set(created) == {"id", "arn", "name", "description", "created_at", "my_role"}
    assert created["name"] == name
    assert created["description"] == "ml team"
    assert created["my_role"] == "owner"
    assert expect(user.get(f"{PROJECTS}/{name}"), 200) == created
    assert members(user, name) == {("user", user.name): "owner"}


def test_duplicate_project_name_conflicts(user: Actor, other_user: Actor) -> None:
    project = new_project(user)
    for actor in (user, other_user):
        problem = expect(actor.post(PROJECTS, json={"name": project["name"]}), 409)
        assert problem["type"] == "urn:keyhouse:problem:conflict"
        assert project["name"] in problem["detail"]
    assert members(user, project["name"]) == {("user", user.name): "owner"}


def test_invalid_project_names_are_refused(user: Actor) -> None:
    for name in ("", "-leading-dash", "has space", "a..b", "x" * 65):
        problem = expect(user.post(PROJECTS, json={"name": name}), 422)
        assert problem["errors"][0]["pointer"] == "/body/name"


def test_list_shows_only_projects_you_collaborate_on(
    user: Actor, other_user: Actor, admin: httpx.Client
) -> None:
    mine = new_project(user)["name"]
    theirs = new_project(other_user)["name"]
    listed = all_projects(user)
    assert listed[mine]["my_role"] == "owner"
    assert theirs not in listed
    assert_forbidden_for(user.get(f"{PROJECTS}/{theirs}"), theirs)
    assert_forbidden_for(user.get(f"{PROJECTS}/{theirs}/members"), theirs)

    add_member(admin, theirs, user, "viewer")
    listed = all_projects(user)
    assert listed[theirs]["my_role"] == "viewer"
    assert expect(user.get(f"{PROJECTS}/{theirs}"), 200)["my_role"] == "viewer"

    everything = all_projects(admin)
    assert {mine, theirs} <= set(everything)
    assert everything[mine]["my_role"] is None  # the admin is no member
    assert expect(admin.get(f"{PROJECTS}/{mine}"), 200)["my_role"] is None

    missing = expect(user.get(f"{PROJECTS}/{unique('nowhere')}"), 404)
    assert missing["type"] == "urn:keyhouse:problem:not-found"


def test_restricted_key_lists_no_project_its_owner_is_not_in(
    service: KeyhouseServer, admin: httpx.Client, user: Actor, other_user: Actor
) -> None:
    project = new_project(user)["name"]
    key = create_key(
        admin,
        service.url,
        owner_kind="user",
        owner_name=other_user.name,
        scopes=["project"],
        project=project,
    )
    assert project not in all_projects(key)
    assert_forbidden_for(key.get(f"{PROJECTS}/{project}"), project)


def test_project_description_is_changed_by_owners(
    service: KeyhouseServer, admin: httpx.Client, user: Actor
) -> None:
    project = new_project(user, description="before")["name"]
    member = make_user(admin, service.url)
    add_member(admin, project, member, "member")
    assert_forbidden_for(member.patch(f"{PROJECTS}/{project}", json={"description": "x"}), project)
    changed = expect(user.patch(f"{PROJECTS}/{project}", json={"description": "after"}), 200)
    assert changed["description"] == "after"
    assert expect(member.get(f"{PROJECTS}/{project}"), 200)["description"] == "after"


def test_members_are_added_listed_updated_and_removed(
    service: KeyhouseServer, admin: httpx.Client, user: Actor
) -> None:
    project = new_project(user)["name"]
    person = make_user(admin, service.url)
    role = make_role(admin, service.url)
    third = make_user(admin, service.url)
    for principal in (person, role, third):
        allow_passing(admin, user, principal.kind, principal.name)

    added = expect(
        user.post(
            f"{PROJECTS}/{project}/members",
            json={"principal_kind": "user", "principal_name": person.name, "role": "member"},
        ),
        201,
    )
    assert {k: added[k] for k in ("project", "principal_kind", "principal_name", "role")} == {
        "project": project,
        "principal_kind": "user",
        "principal_name": person.name,
        "role": "member",
    }
    add_member(user.http, project, role, "viewer")  # with consent, like person
    assert members(user, project) == {
        ("user", user.name): "owner",
        ("user", person.name): "member",
        ("role", role.name): "viewer",
    }
    # The default project role is member.
    default = user.post(f"{PROJECTS}/{project}/members", json={"principal_name": third.name})
    assert expect(default, 201)["role"] == "member"

    again = user.post(
        f"{PROJECTS}/{project}/members",
        json={"principal_kind": "user", "principal_name": person.name, "role": "viewer"},
    )
    assert person.name in expect(again, 409)["detail"]

    updated = expect(user.patch(member_path(project, person), json={"role": "viewer"}), 200)
    assert updated["role"] == "viewer"
    promoted = expect(user.patch(member_path(project, role), json={"role": "member"}), 200)
    assert promoted["role"] == "member"
    assert expect(role.get(f"{PROJECTS}/{project}"), 200)["my_role"] == "member"

    assert user.delete(member_path(project, role)).status_code == 204
    assert members(user, project) == {
        ("user", user.name): "owner",
        ("user", person.name): "viewer",
        ("user", third.name): "member",
    }
    expect(user.delete(member_path(project, role)), 404)
    expect(user.patch(member_path(project, role), json={"role": "owner"}), 404)
    assert_forbidden_for(role.get(f"{PROJECTS}/{project}"), project)
    expect(user.patch(member_path(project, person), json={"role": "boss"}), 422)


def test_only_owners_and_admins_change_membership(
    service: KeyhouseServer, admin: httpx.Client, user: Actor, other_user: Actor
) -> None:
    project = new_project(user)["name"]
    member = make_user(admin, service.url)
    viewer = make_user(admin, service.url)
    add_member(admin, project, member, "member")
    add_member(admin, project, viewer, "viewer")
    before = members(user, project)

    for actor in (member, viewer, other_user):
        assert_forbidden_for(
            actor.post(
                f"{PROJECTS}/{project}/members",
                json={"principal_kind": "user", "principal_name": actor.name, "role": "owner"},
            ),
            project,
        )
        assert_forbidden_for(
            actor.patch(member_path(project, member), json={"role": "owner"}), project
        )
        assert_forbidden_for(
            actor.patch(member_path(project, viewer), json={"role": "owner"}), project
        )
        assert_forbidden_for(actor.delete(member_path(project, user)), project)
    assert_forbidden_for(member.delete(member_path(project, viewer)), project)
    assert_forbidden_for(viewer.delete(member_path(project, member)), project)
    assert members(user, project) == before

    # Admins manage every project's members without being members.
    add_member(admin, project, other_user, "viewer")
    changed = admin.patch(member_path(project, other_user), json={"role": "member"})
    assert expect(changed, 200)["role"] == "member"
    assert admin.delete(member_path(project, other_user)).status_code == 204
    assert members(user, project) == before


def test_the_last_owner_stays(
    service: KeyhouseServer, admin: httpx.Client, user: Actor, other_user: Actor
) -> None:
    project = new_project(user)["name"]
    mine = member_path(project, user)
    for response in (
        user.patch(mine, json={"role": "member"}),
        user.patch(mine, json={"role": "viewer"}),
        user.delete(mine),
        admin.patch(mine, json={"role": "viewer"}),
        admin.delete(mine),
    ):
        problem = expect(response, 409)
        assert problem["type"] == "urn:keyhouse:problem:conflict"
        assert project in problem["detail"]
    assert members(user, project) == {("user", user.name): "owner"}
    # Re-affirming the owner role is no demotion.
    assert expect(user.patch(mine, json={"role": "owner"}), 200)["role"] == "owner"

    add_member(admin, project, other_user, "owner")
    assert expect(user.patch(mine, json={"role": "member"}), 200)["role"] == "member"
    theirs = member_path(project, other_user)
    expect(other_user.patch(theirs, json={"role": "viewer"}), 409)
    expect(other_user.delete(theirs), 409)
    assert user.delete(mine).status_code == 204  # a non-owner may leave
    assert members(other_user, project) == {("user", other_user.name): "owner"}


def test_members_may_leave(service: KeyhouseServer, admin: httpx.Client, user: Actor) -> None:
    project = new_project(user)["name"]
    member = make_user(admin, service.url)
    viewer = make_user(admin, service.url)
    role = make_role(admin, service.url)
    add_member(admin, project, member, "member")
    add_member(admin, project, viewer, "viewer")
    add_member(admin, project, role, "viewer")
    for actor in (member, viewer, role):
        assert actor.delete(member_path(project, actor)).status_code == 204
        assert_forbidden_for(actor.get(f"{PROJECTS}/{project}"), project)
        assert project not in all_projects(actor)
        # Once out, leaving again is refused like any outsider's membership change.
        assert_forbidden_for(actor.delete(member_path(project, actor)), project)
    assert members(user, project) == {("user", user.name): "owner"}


def test_adding_an_unknown_principal_is_invalid(admin: httpx.Client, user: Actor) -> None:
    project = new_project(user)["name"]
    for kind in ("user", "role"):
        ghost = unique("ghost")
        problem = expect(
            admin.post(
                f"{PROJECTS}/{project}/members",
                json={"principal_kind": kind, "principal_name": ghost, "role": "member"},
            ),
            404,
        )
        assert problem["errors"][0]["pointer"] == "/body/principal_name"
        assert ghost in problem["detail"]
    assert members(user, project) == {("user", user.name): "owner"}


def test_adding_someone_needs_consent_and_reveals_nothing(
    service: KeyhouseServer, admin: httpx.Client, user: Actor
) -> None:
    # An owner adds only principals it may act for (iam:PassRole); refused alike
    # whether the name exists or not, so names cannot be probed this way.
    project = new_project(user)["name"]
    existing = {"user": make_user(admin, service.url), "role": make_role(admin, service.url)}
    for kind, actor in existing.items():
        ghost = unique("ghost")
        answers = []
        for name in (actor.name, ghost):
            body = {"principal_kind": kind, "principal_name": name, "role": "viewer"}
            problem = expect(user.post(f"{PROJECTS}/{project}/members", json=body), 403)
            answers.append((problem["type"], problem["detail"].replace(name, "NAME")))
        assert answers[0] == answers[1]
        assert "iam:PassRole" in answers[0][1]
    assert members(user, project) == {("user", user.name): "owner"}
    # With consent over one role, the owner adds that role and no other.
    allow_passing(admin, user, "role", existing["role"].name)
    add_member(user.http, project, existing["role"], "viewer")
    refused = {"principal_kind": "user", "principal_name": existing["user"].name}
    expect(user.post(f"{PROJECTS}/{project}/members", json=refused), 403)
    assert members(user, project) == {
        ("user", user.name): "owner",
        ("role", existing["role"].name): "viewer",
    }


def test_a_user_and_a_role_of_one_name_are_different_members(
    service: KeyhouseServer, admin: httpx.Client, user: Actor
) -> None:
    project = new_project(user)["name"]
    person = make_user(admin, service.url)
    expect(admin.post("/api/v1/roles", json={"name": person.name}), 201)
    add_member(admin, project, person, "viewer")
    expect(
        admin.post(
            f"{PROJECTS}/{project}/members",
            json={"principal_kind": "role", "principal_name": person.name, "role": "member"},
        ),
        201,
    )
    assert members(user, project) == {
        ("user", user.name): "owner",
        ("user", person.name): "viewer",
        ("role", person.name): "member",
    }


def test_projects_holding_secrets_or_keys_are_not_deleted(
    service: KeyhouseServer, admin: httpx.Client, user: Actor
) -> None:
    project = new_project(user)["name"]
    secret_ids = [
        expect(
            user.post(
                "/api/v1/secrets",
                json={
                    "name": unique("s"),
                    "value": "x",
                    "visibility": "project",
                    "project": project,
                },
            ),
            201,
        )["id"]
        for _ in range(2)
    ]
    key = create_key(
        admin,
        service.url,
        owner_kind="user",
        owner_name=user.name,
        scopes=["secrets", "project"],
        project=project,
    )

    problem = expect(user.delete(f"{PROJECTS}/{project}"), 409)
    assert problem["type"] == "urn:keyhouse:problem:conflict"
    assert "2 secret(s)" in problem["detail"]
    assert "1 API key(s)" in problem["detail"]
    expect(admin.delete(f"{PROJECTS}/{project}"), 409)

    for secret_id in secret_ids:
        assert user.delete(f"/api/v1/secrets/{secret_id}").status_code == 204
    problem = expect(user.delete(f"{PROJECTS}/{project}"), 409)
    assert "0 secret(s)" in problem["detail"]
    assert "1 API key(s)" in problem["detail"]
    assert expect(key.get(f"{PROJECTS}/{project}"), 200)["name"] == project

    assert admin.delete(f"/api/v1/api-keys/{key.key_id}").status_code == 204
    assert user.delete(f"{PROJECTS}/{project}").status_code == 204
    expect(user.get(f"{PROJECTS}/{project}"), 404)


def test_empty_projects_are_deleted_by_owners_and_admins(
    service: KeyhouseServer, admin: httpx.Client, user: Actor
) -> None:
    project = new_project(user)["name"]
    member = make_user(admin, service.url)
    add_member(admin, project, member, "member")
    assert_forbidden_for(member.delete(f"{PROJECTS}/{project}"), project)
    assert user.delete(f"{PROJECTS}/{project}").status_code == 204
    expect(user.get(f"{PROJECTS}/{project}"), 404)
    expect(user.delete(f"{PROJECTS}/{project}"), 404)
    assert project not in all_projects(user)
    assert project not in all_projects(member)

    # The name is free again, and the new project starts with only its creator.
    recreated = expect(member.post(PROJECTS, json={"name": project}), 201)
    assert recreated["my_role"] == "owner"
    assert members(member, project) == {("user", member.name): "owner"}
    assert_forbidden_for(user.get(f"{PROJECTS}/{project}"), project)

    assert admin.delete(f"{PROJECTS}/{project}").status_code == 204
    expect(member.get(f"{PROJECTS}/{project}"), 404)


def test_project_calls_need_the_project_scope(
    service: KeyhouseServer, admin: httpx.Client, user: Actor
) -> None:
    project = new_project(user)["name"]
    no_scope = create_key(
        admin, service.url, owner_kind="user", owner_name=user.name, scopes=["secrets"]
    )
    for response in (
        no_scope.get(PROJECTS),
        no_scope.get(f"{PROJECTS}/{project}"),
        no_scope.post(PROJECTS, json={"name": unique("proj")}),
        no_scope.delete(f"{PROJECTS}/{project}"),
    ):
        assert expect(response, 403)["scope"] == "project"
    assert expect(user.get(f"{PROJECTS}/{project}"), 200)["my_role"] == "owner"
