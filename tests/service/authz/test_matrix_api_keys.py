"""Authorization matrix: API keys, ``whoami`` and ``keys:verify``.

A caller sees the keys it owns and the keys it created; every other key is a
404, whether or not it exists. The target is a key the owner made for itself,
so even the admin neither owns nor created it; a second target shows that the
admin does see a key it made for someone else.
"""

from __future__ import annotations

import pytest

from tests.service.authz.conftest import (
    PROJECT,
    Call,
    Caller,
    Row,
    World,
    assert_outcome,
    cells,
    check,
    send,
)
from tests.support.actors import expect, unique


def _new_key_body(world: World, caller: Caller) -> Call:
    return Call("POST", "/api/v1/api-keys", json={"name": unique("key"), "scopes": ["keys"]})


def _revoke(key_id: str) -> Call:
    return Call("POST", f"/api/v1/api-keys/{key_id}/revoke")


def _roll(key_id: str) -> Call:
    return Call("POST", f"/api/v1/api-keys/{key_id}/roll", json={"overlap_seconds": 60})


ROWS = [
    Row(
        endpoint="GET /api/v1/whoami",
        case="any valid key",
        build=lambda w, c: Call("GET", "/api/v1/whoami"),
        scope=None,
        missing_scope=200,
        outsider=200,
        viewer=200,
        member=200,
        owner=200,
        admin=200,
    ),
    Row(
        endpoint="POST /api/v1/keys:verify",
        case="needs no key of its own",
        build=lambda w, c: Call("POST", "/api/v1/keys:verify", json={"key": "kh_not-a-key"}),
        scope=None,
        unauthenticated=200,
        missing_scope=200,
        outsider=200,
        viewer=200,
        member=200,
        owner=200,
        admin=200,
    ),
    Row(
        endpoint="POST /api/v1/api-keys",
        case="a key for oneself",
        build=_new_key_body,
        scope="keys",
        outsider=201,
        viewer=201,
        member=201,
        owner=201,
        admin=201,
    ),
    Row(
        endpoint="GET /api/v1/api-keys",
        case="one's own keys",
        build=lambda w, c: Call("GET", "/api/v1/api-keys"),
        scope="keys",
        outsider=200,
        viewer=200,
        member=200,
        owner=200,
        admin=200,
    ),
    Row(
        endpoint="GET /api/v1/api-keys/{key_id}",
        case="a key the owner made for itself",
        build=lambda w, c: Call("GET", f"/api/v1/api-keys/{w.owner_key_id}"),
        scope="keys",
        outsider=404,
        viewer=404,
        member=404,
        owner=200,
        admin=404,
    ),
    Row(
        endpoint="GET /api/v1/api-keys/{key_id}",
        case="a key the admin made for the owner",
        build=lambda w, c: Call("GET", f"/api/v1/api-keys/{w.owner.key_id}"),
        scope="keys",
        outsider=404,
        viewer=404,
        member=404,
        owner=200,
        admin=200,
    ),
    Row(
        endpoint="PATCH /api/v1/api-keys/{key_id}",
        case="rename a key the owner made for itself",
        build=lambda w, c: Call(
            "PATCH", f"/api/v1/api-keys/{w.owner_key_id}", json={"name": unique("renamed")}
        ),
        scope="keys",
        outsider=404,
        viewer=404,
        member=404,
        owner=200,
        admin=404,
    ),
    Row(
        endpoint="POST /api/v1/api-keys/{key_id}/revoke",
        case="a fresh key the owner made for itself",
        build=lambda w, c: _revoke(w.new_owner_key()),
        scope="keys",
        outsider=404,
        viewer=404,
        member=404,
        owner=200,
        admin=404,
    ),
    Row(
        endpoint="POST /api/v1/api-keys/{key_id}/revoke",
        case="a fresh key the admin made for the owner",
        build=lambda w, c: _revoke(w.new_key_for_owner_by_admin()),
        scope="keys",
        outsider=404,
        viewer=404,
        member=404,
        owner=200,
        admin=200,
    ),
    Row(
        endpoint="POST /api/v1/api-keys/{key_id}/roll",
        case="a fresh key the owner made for itself",
        build=lambda w, c: _roll(w.new_owner_key()),
        scope="keys",
        outsider=404,
        viewer=404,
        member=404,
        owner=201,
        admin=404,
    ),
    Row(
        endpoint="POST /api/v1/api-keys/{key_id}/roll",
        case="a fresh key the admin made for the owner (the admin passes the owner)",
        build=lambda w, c: _roll(w.new_key_for_owner_by_admin()),
        scope="keys",
        outsider=404,
        viewer=404,
        member=404,
        owner=201,
        admin=201,
    ),
    Row(
        endpoint="DELETE /api/v1/api-keys/{key_id}",
        case="a fresh key the owner made for itself",
        build=lambda w, c: Call("DELETE", f"/api/v1/api-keys/{w.new_owner_key()}"),
        scope="keys",
        outsider=404,
        viewer=404,
        member=404,
        owner=204,
        admin=404,
    ),
]


@pytest.mark.parametrize(("row", "caller"), cells(ROWS))
def test_authorization(world: World, row: Row, caller: Caller) -> None:
    check(world, row, caller)


def test_a_project_restricted_key_may_make_keys_restricted_to_its_project(world: World) -> None:
    body = {"name": unique("key"), "scopes": ["secrets"], "project": world.project}
    created = expect(world.restricted_member.post("/api/v1/api-keys", json=body), 201)
    assert created["project"] == world.project


def test_a_project_restricted_key_cannot_make_an_unrestricted_key(world: World) -> None:
    # A key restricted to one project must not mint a key that reaches every project
    # (and the owner's private secrets): that would undo the restriction.
    name = unique("escape")
    call = Call(
        "POST",
        "/api/v1/api-keys",
        json={"name": name, "scopes": ["secrets"]},
        project=world.project,
    )
    assert_outcome(send(world.restricted_member.http, call), PROJECT, call)
    listed = expect(world.member.get("/api/v1/api-keys", params={"name": name}), 200)
    assert listed["data"] == []
