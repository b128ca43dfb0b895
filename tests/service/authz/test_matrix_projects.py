"""Authorization matrix: projects and their members.

Every operation on a named project refuses non-collaborators with a 403 naming
the project. Viewers and members may read; owners (and admins) manage the
project and its members; anyone in a project may leave it.
"""

from __future__ import annotations

import pytest

from tests.service.authz.conftest import (
    PROJECT,
    Call,
    Caller,
    Row,
    World,
    cells,
    check,
)
from tests.support.actors import allow_passing, expect, unique

PROJECTS = "/api/v1/projects"


def _member_path(project: str, kind: str, name: str) -> str:
    return f"{PROJECTS}/{project}/members/{kind}/{name}"


def _add_member(world: World, caller: Caller) -> Call:
    body = {"principal_kind": "user", "principal_name": world.new_user(), "role": "viewer"}
    return Call("POST", f"{PROJECTS}/{world.project}/members", json=body, project=world.project)


def _add_consenting_member(world: World, caller: Caller) -> Call:
    # The caller (when it is one of the world's users) may pass the new user.
    name = world.new_user()
    actors = {Caller.OUTSIDER: world.outsider, Caller.VIEWER: world.viewer}
    actors |= {Caller.MEMBER: world.member, Caller.OWNER: world.owner}
    if caller in actors:
        allow_passing(world.admin, actors[caller], "user", name)
    body = {"principal_kind": "user", "principal_name": name, "role": "viewer"}
    return Call("POST", f"{PROJECTS}/{world.project}/members", json=body, project=world.project)


def _promote_member(world: World, caller: Caller) -> Call:
    path = _member_path(world.project, "user", world.new_project_viewer())
    return Call("PATCH", path, json={"role": "member"}, project=world.project)


def _remove_member(world: World, caller: Caller) -> Call:
    path = _member_path(world.project, "user", world.new_project_viewer())
    return Call("DELETE", path, project=world.project)


def _leave(world: World, caller: Caller) -> Call:
    # The admin is a second owner, so that the owner (and the admin) may leave too.
    project = world.new_project(admin_role="owner")
    kind, name = world.principal(caller)
    return Call("DELETE", _member_path(project, kind, name), project=project)


def _delete_project(world: World, caller: Caller) -> Call:
    project = world.new_project()
    return Call("DELETE", f"{PROJECTS}/{project}", project=project)


ROWS = [
    Row(
        endpoint="POST /api/v1/projects",
        case="a new project",
        build=lambda w, c: Call("POST", PROJECTS, json={"name": unique("proj")}),
        scope="project",
        outsider=201,
        viewer=201,
        member=201,
        owner=201,
        admin=201,
    ),
    Row(
        endpoint="GET /api/v1/projects",
        case="one's projects",
        build=lambda w, c: Call("GET", PROJECTS),
        scope="project",
        outsider=200,
        viewer=200,
        member=200,
        owner=200,
        admin=200,
    ),
    Row(
        endpoint="GET /api/v1/projects/{project}",
        case="the project",
        build=lambda w, c: Call("GET", f"{PROJECTS}/{w.project}", project=w.project),
        scope="project",
        outsider=PROJECT,
        viewer=200,
        member=200,
        owner=200,
        admin=200,
    ),
    Row(
        endpoint="PATCH /api/v1/projects/{project}",
        case="its description",
        build=lambda w, c: Call(
            "PATCH", f"{PROJECTS}/{w.project}", json={"description": "d"}, project=w.project
        ),
        scope="project",
        outsider=PROJECT,
        viewer=PROJECT,
        member=PROJECT,
        owner=200,
        admin=200,
    ),
    Row(
        endpoint="DELETE /api/v1/projects/{project}",
        case="a fresh empty project",
        build=_delete_project,
        scope="project",
        outsider=PROJECT,
        viewer=PROJECT,
        member=PROJECT,
        owner=204,
        admin=204,
    ),
    Row(
        endpoint="GET /api/v1/projects/{project}/members",
        case="the members",
        build=lambda w, c: Call("GET", f"{PROJECTS}/{w.project}/members", project=w.project),
        scope="project",
        outsider=PROJECT,
        viewer=200,
        member=200,
        owner=200,
        admin=200,
    ),
    Row(
        endpoint="POST /api/v1/projects/{project}/members",
        case="a fresh user as viewer",
        build=_add_member,
        scope="project",
        outsider=PROJECT,
        viewer=PROJECT,
        member=PROJECT,
        owner=403,  # an owner needs consent (iam:PassRole) over whom it adds
        admin=201,
    ),
    Row(
        endpoint="POST /api/v1/projects/{project}/members",
        case="a fresh user the caller may pass",
        build=_add_consenting_member,
        scope="project",
        outsider=PROJECT,
        viewer=PROJECT,
        member=PROJECT,
        owner=201,
        admin=201,
    ),
    Row(
        endpoint="PATCH /api/v1/projects/{project}/members/{principal_kind}/{principal_name}",
        case="promote a fresh viewer",
        build=_promote_member,
        scope="project",
        outsider=PROJECT,
        viewer=PROJECT,
        member=PROJECT,
        owner=200,
        admin=200,
    ),
    Row(
        endpoint="DELETE /api/v1/projects/{project}/members/{principal_kind}/{principal_name}",
        case="remove a fresh viewer",
        build=_remove_member,
        scope="project",
        outsider=PROJECT,
        viewer=PROJECT,
        member=PROJECT,
        owner=204,
        admin=204,
    ),
    Row(
        endpoint="DELETE /api/v1/projects/{project}/members/{principal_kind}/{principal_name}",
        case="leave a fresh project oneself",
        build=_leave,
        scope="project",
        outsider=PROJECT,
        viewer=204,
        member=204,
        owner=204,
        admin=204,
    ),
]


@pytest.mark.parametrize(("row", "caller"), cells(ROWS))
def test_authorization(world: World, row: Row, caller: Caller) -> None:
    check(world, row, caller)


def test_a_former_members_restricted_key_does_not_list_the_project(world: World) -> None:
    def names(body: dict[str, list[dict[str, str]]]) -> set[str]:
        return {p["name"] for p in body["data"]}

    listed = expect(world.restricted_member.get(PROJECTS), 200)
    assert names(listed) == {world.project}
    assert names(expect(world.former_member.get(PROJECTS), 200)) == set()


def test_a_restricted_key_cannot_start_a_project(world: World) -> None:
    name = unique("escape")
    refused = expect(world.restricted_member.post(PROJECTS, json={"name": name}), 403)
    assert refused["project"] == world.project
    assert f"restricted to project '{world.project}'" in refused["detail"]
    expect(world.admin.get(f"{PROJECTS}/{name}"), 404)
