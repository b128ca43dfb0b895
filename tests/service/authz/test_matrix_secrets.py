"""Authorization matrix: secrets.

Id-based operations answer 404 for a secret the caller may not see (a private
secret of someone else, or a project secret outside the caller's projects), so
that ids reveal nothing. Operations that name a project refuse non-collaborators
with a 403 naming it. Project viewers may read; changing needs the member role.
The admin sees every project secret but no one's private secrets.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.service.authz.conftest import (
    PROJECT,
    Build,
    Call,
    Caller,
    Expect,
    Row,
    Target,
    World,
    assert_outcome,
    cells,
    check,
    send,
)
from tests.support.actors import expect, unique

SECRETS = "/api/v1/secrets"


def _project_secret(world: World, caller: Caller) -> Target:
    return world.project_secret


def _private_secret(world: World, caller: Caller) -> Target:
    return world.private_secret


def _fresh_project_secret(world: World, caller: Caller) -> Target:
    return world.new_project_secret()


def _fresh_private_secret(world: World, caller: Caller) -> Target:
    return world.new_private_secret()


TargetOf = Callable[[World, Caller], Target]


def _on(
    method: str, suffix: str, target: TargetOf, json: Any = None, shared: bool = False
) -> Build:
    """A request on the secret ``target`` picks; ``shared``: it concerns the world's project."""

    def build(world: World, caller: Caller) -> Call:
        secret = target(world, caller)
        project = world.project if shared else None
        return Call(method, f"{SECRETS}/{secret.id}{suffix}", json=json, project=project)

    return build


def _create_shared(world: World, caller: Caller) -> Call:
    body = {
        "name": unique("authz/new"),
        "value": "v",
        "visibility": "project",
        "project": world.project,
    }
    return Call("POST", SECRETS, json=body, project=world.project)


def _by_name_private(world: World, caller: Caller, route: str = "by-name") -> Call:
    return Call("GET", f"{SECRETS}/{route}", params={"name": world.private_secret.name})


def _by_name_shared(world: World, caller: Caller, route: str = "by-name") -> Call:
    params = {"name": world.project_secret.name, "project": world.project}
    return Call("GET", f"{SECRETS}/{route}", params=params, project=world.project)


def _value_by_name_private(world: World, caller: Caller) -> Call:
    return _by_name_private(world, caller, "by-name/value")


def _value_by_name_shared(world: World, caller: Caller) -> Call:
    return _by_name_shared(world, caller, "by-name/value")


ROWS = [
    Row(
        endpoint="POST /api/v1/secrets",
        case="a private secret",
        build=lambda w, c: Call("POST", SECRETS, json={"name": unique("authz/new"), "value": "v"}),
        scope="secrets",
        outsider=201,
        viewer=201,
        member=201,
        owner=201,
        admin=201,
    ),
    Row(
        endpoint="POST /api/v1/secrets",
        case="a project secret",
        build=_create_shared,
        scope="secrets",
        outsider=PROJECT,
        viewer=PROJECT,
        member=201,
        owner=201,
        admin=201,
    ),
    Row(
        endpoint="GET /api/v1/secrets",
        case="everything visible",
        build=lambda w, c: Call("GET", SECRETS),
        scope="secrets",
        outsider=200,
        viewer=200,
        member=200,
        owner=200,
        admin=200,
    ),
    Row(
        endpoint="GET /api/v1/secrets",
        case="one project's",
        build=lambda w, c: Call("GET", SECRETS, params={"project": w.project}, project=w.project),
        scope="secrets",
        outsider=PROJECT,
        viewer=200,
        member=200,
        owner=200,
        admin=200,
    ),
    Row(
        endpoint="GET /api/v1/secrets/by-name",
        case="the owner's private secret",
        build=_by_name_private,
        scope="secrets",
        outsider=404,
        viewer=404,
        member=404,
        owner=200,
        admin=404,
    ),
    Row(
        endpoint="GET /api/v1/secrets/by-name",
        case="a project secret",
        build=_by_name_shared,
        scope="secrets",
        outsider=PROJECT,
        viewer=200,
        member=200,
        owner=200,
        admin=200,
    ),
    Row(
        endpoint="GET /api/v1/secrets/by-name/value",
        case="the owner's private secret",
        build=_value_by_name_private,
        scope="secrets",
        outsider=404,
        viewer=404,
        member=404,
        owner=200,
        admin=404,
    ),
    Row(
        endpoint="GET /api/v1/secrets/by-name/value",
        case="a project secret",
        build=_value_by_name_shared,
        scope="secrets",
        outsider=PROJECT,
        viewer=200,
        member=200,
        owner=200,
        admin=200,
    ),
    Row(
        endpoint="GET /api/v1/secrets/{secret_id}",
        case="a project secret",
        build=_on("GET", "", _project_secret),
        scope="secrets",
        outsider=404,
        viewer=200,
        member=200,
        owner=200,
        admin=200,
    ),
    Row(
        endpoint="GET /api/v1/secrets/{secret_id}",
        case="the owner's private secret",
        build=_on("GET", "", _private_secret),
        scope="secrets",
        outsider=404,
        viewer=404,
        member=404,
        owner=200,
        admin=404,
    ),
    Row(
        endpoint="PATCH /api/v1/secrets/{secret_id}",
        case="a project secret",
        build=_on("PATCH", "", _project_secret, json={"description": "d"}, shared=True),
        scope="secrets",
        outsider=404,
        viewer=PROJECT,
        member=200,
        owner=200,
        admin=200,
    ),
    Row(
        endpoint="PATCH /api/v1/secrets/{secret_id}",
        case="the owner's private secret",
        build=_on("PATCH", "", _private_secret, json={"description": "d"}),
        scope="secrets",
        outsider=404,
        viewer=404,
        member=404,
        owner=200,
        admin=404,
    ),
    Row(
        endpoint="DELETE /api/v1/secrets/{secret_id}",
        case="a fresh project secret",
        build=_on("DELETE", "", _fresh_project_secret, shared=True),
        scope="secrets",
        outsider=404,
        viewer=PROJECT,
        member=204,
        owner=204,
        admin=204,
    ),
    Row(
        endpoint="DELETE /api/v1/secrets/{secret_id}",
        case="a fresh private secret of the owner",
        build=_on("DELETE", "", _fresh_private_secret),
        scope="secrets",
        outsider=404,
        viewer=404,
        member=404,
        owner=204,
        admin=404,
    ),
    Row(
        endpoint="GET /api/v1/secrets/{secret_id}/value",
        case="a project secret",
        build=_on("GET", "/value", _project_secret),
        scope="secrets",
        outsider=404,
        viewer=200,
        member=200,
        owner=200,
        admin=200,
    ),
    Row(
        endpoint="GET /api/v1/secrets/{secret_id}/value",
        case="the owner's private secret",
        build=_on("GET", "/value", _private_secret),
        scope="secrets",
        outsider=404,
        viewer=404,
        member=404,
        owner=200,
        admin=404,
    ),
    Row(
        endpoint="PUT /api/v1/secrets/{secret_id}/value",
        case="a project secret",
        build=_on("PUT", "/value", _project_secret, json={"value": "v2"}, shared=True),
        scope="secrets",
        outsider=404,
        viewer=PROJECT,
        member=200,
        owner=200,
        admin=200,
    ),
    Row(
        endpoint="PUT /api/v1/secrets/{secret_id}/value",
        case="the owner's private secret",
        build=_on("PUT", "/value", _private_secret, json={"value": "v2"}),
        scope="secrets",
        outsider=404,
        viewer=404,
        member=404,
        owner=200,
        admin=404,
    ),
]


@pytest.mark.parametrize(("row", "caller"), cells(ROWS))
def test_authorization(world: World, row: Row, caller: Caller) -> None:
    check(world, row, caller)


# Keys restricted to the project: one of a current member, one of a user who was
# removed from the project after the key was made. Restriction narrows what a key
# may do; it never grants what its owner may not do.


@dataclass(frozen=True)
class RestrictedCase:
    """A request, and what the former member's and the current member's restricted keys get."""

    build: Build
    former_member: Expect
    current_member: Expect


RESTRICTED = [
    pytest.param(
        RestrictedCase(_on("GET", "", _project_secret), 404, 200), id="GET a project secret"
    ),
    pytest.param(
        RestrictedCase(_on("GET", "/value", _project_secret), 404, 200),
        id="GET a project secret's value",
    ),
    pytest.param(
        RestrictedCase(
            _on("PATCH", "", _project_secret, json={"description": "d"}, shared=True), 404, 200
        ),
        id="PATCH a project secret",
    ),
    pytest.param(
        RestrictedCase(
            _on("PUT", "/value", _project_secret, json={"value": "v3"}, shared=True), 404, 200
        ),
        id="PUT a project secret's value",
    ),
    pytest.param(
        RestrictedCase(_on("DELETE", "", _fresh_project_secret, shared=True), 404, 204),
        id="DELETE a fresh project secret",
    ),
    pytest.param(
        RestrictedCase(_on("GET", "", _private_secret), 404, 404),
        id="GET the owner's private secret",
    ),
    pytest.param(
        RestrictedCase(
            lambda w, c: Call("GET", SECRETS, params={"project": w.project}, project=w.project),
            PROJECT,
            200,
        ),
        id="GET the project's secrets",
    ),
    pytest.param(RestrictedCase(_by_name_shared, PROJECT, 200), id="GET a project secret by name"),
    pytest.param(RestrictedCase(_create_shared, PROJECT, 201), id="POST a project secret"),
    pytest.param(
        RestrictedCase(
            lambda w, c: Call(
                "POST",
                SECRETS,
                json={"name": unique("authz/new"), "value": "v"},
                project=w.project,
            ),
            PROJECT,
            PROJECT,
        ),
        id="POST a private secret",
    ),
]


@pytest.mark.parametrize("case", RESTRICTED)
def test_project_restricted_keys(world: World, case: RestrictedCase) -> None:
    for actor, expected in (
        (world.former_member, case.former_member),
        (world.restricted_member, case.current_member),
    ):
        call = case.build(world, Caller.MEMBER)
        assert_outcome(send(actor.http, call), expected, call)


def test_a_former_members_restricted_key_lists_none_of_the_projects_secrets(world: World) -> None:
    def listed(http: httpx.Client) -> set[str]:
        body = expect(http.get(SECRETS, params={"limit": 200}), 200)
        return {s["id"] for s in body["data"]}

    assert world.project_secret.id in listed(world.restricted_member.http)
    assert world.project_secret.id not in listed(world.former_member.http)
