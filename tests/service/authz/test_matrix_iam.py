"""Authorization matrix: IAM policies, attachments, simulation, and the IAM tools.

Customer policies, their attachments and the simulator are admin work: admins
hold them through the managed policy ``keyhouse/AdminAccess``, and keys need
the ``iam`` scope. Only keys of admin users can hold that scope, so every other
principal of the matrix is refused with a 403 naming it. A key that holds the
scope but whose owner is no admin any more (a demoted admin's) is refused by
the policies instead: the operation is "reserved to admins".

The action catalog, the managed policies and validation need any valid key.

Making a key for a role or for another user is ``iam:PassRole``, which needs the
``keys`` scope (it is part of creating keys), and which no managed policy but
AdminAccess grants.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.service.authz.conftest import (
    POLICY_DOCUMENT,
    PROBLEM,
    SCOPE,
    Build,
    Call,
    Caller,
    Row,
    World,
    assert_outcome,
    cells,
    check,
    send,
)
from tests.support.actors import Actor, expect, make_user, unique

POLICIES = "/api/v1/iam/policies"

NEW_DOCUMENT = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "DenyNothingReal",
            "Effect": "Deny",
            "Action": ["secrets:GetSecretValue"],
            "Resource": ["khrn:secret:project/no-such-project-for-authz/*"],
        }
    ],
}


def _attach_to_subject(world: World, caller: Caller) -> Call:
    body = {"principal_kind": "role", "principal_name": world.subject_role}
    return Call("POST", f"{POLICIES}/{world.new_policy()}/attachments", json=body)


def _detach_from_subject(world: World, caller: Caller) -> Call:
    name = world.new_policy(attached=True)
    return Call("DELETE", f"{POLICIES}/{name}/attachments/role/{world.subject_role}")


def _simulate(world: World, caller: Caller) -> Call:
    body = {
        "principal": {"kind": "role", "name": world.subject_role},
        "action": "secrets:GetSecret",
        "resource": "khrn:secret:project/no-such-project-for-authz/token",
    }
    return Call("POST", "/api/v1/iam:simulate", json=body)


def _key_for_a_role(world: World, caller: Caller) -> Call:
    body = {"name": unique("passed"), "scopes": ["keys"], "owner_role": world.new_role()}
    return Call("POST", "/api/v1/api-keys", json=body)


def _key_for_another_user(world: World, caller: Caller) -> Call:
    body = {"name": unique("passed"), "scopes": ["keys"], "owner_user": world.new_user()}
    return Call("POST", "/api/v1/api-keys", json=body)


def _admins_only(endpoint: str, case: str, build: Build, ok: int) -> Row:
    return Row(
        endpoint=endpoint,
        case=case,
        build=build,
        scope="iam",
        outsider=SCOPE,
        viewer=SCOPE,
        member=SCOPE,
        owner=SCOPE,
        admin=ok,
    )


def _any_valid_key(endpoint: str, case: str, build: Build) -> Row:
    return Row(
        endpoint=endpoint,
        case=case,
        build=build,
        scope=None,
        missing_scope=200,
        outsider=200,
        viewer=200,
        member=200,
        owner=200,
        admin=200,
    )


ADMIN_ROWS = [
    _admins_only(
        f"POST {POLICIES}",
        "a new policy",
        lambda w, c: Call(
            "POST", POLICIES, json={"name": unique("policy"), "document": POLICY_DOCUMENT}
        ),
        201,
    ),
    _admins_only(f"GET {POLICIES}", "every policy", lambda w, c: Call("GET", POLICIES), 200),
    _admins_only(
        f"GET {POLICIES}/{{policy}}",
        "an attached policy",
        lambda w, c: Call("GET", f"{POLICIES}/{w.policy}"),
        200,
    ),
    _admins_only(
        f"PATCH {POLICIES}/{{policy}}",
        "an attached policy's description",
        lambda w, c: Call("PATCH", f"{POLICIES}/{w.policy}", json={"description": "d"}),
        200,
    ),
    _admins_only(
        f"PATCH {POLICIES}/{{policy}}",
        "a new document for a fresh attached policy",
        lambda w, c: Call(
            "PATCH", f"{POLICIES}/{w.new_policy(attached=True)}", json={"document": NEW_DOCUMENT}
        ),
        200,
    ),
    _admins_only(
        f"DELETE {POLICIES}/{{policy}}",
        "a fresh policy",
        lambda w, c: Call("DELETE", f"{POLICIES}/{w.new_policy()}"),
        204,
    ),
    _admins_only(
        f"POST {POLICIES}/{{policy}}/attachments",
        "a fresh policy to a role",
        _attach_to_subject,
        201,
    ),
    _admins_only(
        f"GET {POLICIES}/{{policy}}/attachments",
        "an attached policy's",
        lambda w, c: Call("GET", f"{POLICIES}/{w.policy}/attachments"),
        200,
    ),
    _admins_only(
        f"DELETE {POLICIES}/{{policy}}/attachments/{{principal_kind}}/{{principal_name}}",
        "a fresh policy from a role",
        _detach_from_subject,
        204,
    ),
    _admins_only("POST /api/v1/iam:simulate", "a role's policies", _simulate, 200),
]
"""The operations reserved to admins (through AdminAccess), with the ``iam`` scope."""

ACTIONS = {
    f"POST {POLICIES}": "iam:CreatePolicy",
    f"GET {POLICIES}": "iam:ListPolicies",
    f"GET {POLICIES}/{{policy}}": "iam:GetPolicy",
    f"PATCH {POLICIES}/{{policy}}": "iam:UpdatePolicy",
    f"DELETE {POLICIES}/{{policy}}": "iam:DeletePolicy",
    f"POST {POLICIES}/{{policy}}/attachments": "iam:AttachPolicy",
    f"GET {POLICIES}/{{policy}}/attachments": "iam:ListAttachments",
    f"DELETE {POLICIES}/{{policy}}/attachments/{{principal_kind}}/{{principal_name}}": (
        "iam:DetachPolicy"
    ),
    "POST /api/v1/iam:simulate": "iam:SimulatePolicy",
}
"""The action each admin-only row's operation performs (what its refusals name)."""

TOOL_ROWS = [
    _any_valid_key(
        "GET /api/v1/iam/actions", "the catalog", lambda w, c: Call("GET", "/api/v1/iam/actions")
    ),
    _any_valid_key(
        "GET /api/v1/iam/managed-policies",
        "every managed policy",
        lambda w, c: Call("GET", "/api/v1/iam/managed-policies"),
    ),
    _any_valid_key(
        "GET /api/v1/iam/managed-policies/{policy}",
        "one by its short name",
        lambda w, c: Call("GET", "/api/v1/iam/managed-policies/ProjectViewer"),
    ),
    _any_valid_key(
        f"POST {POLICIES}:validate",
        "a valid document",
        lambda w, c: Call("POST", f"{POLICIES}:validate", json={"document": POLICY_DOCUMENT}),
    ),
]
"""The IAM tools: any valid key, whatever its scopes."""

PASS_ROLE_ROWS = [
    Row(
        endpoint="POST /api/v1/api-keys",
        case="a key for a fresh role (iam:PassRole)",
        build=_key_for_a_role,
        scope="keys",
        outsider=403,
        viewer=403,
        member=403,
        owner=403,
        admin=201,
    ),
    Row(
        endpoint="POST /api/v1/api-keys",
        case="a key for a fresh user (iam:PassRole)",
        build=_key_for_another_user,
        scope="keys",
        outsider=403,
        viewer=403,
        member=403,
        owner=403,
        admin=201,
    ),
]
"""Keys made for someone else: iam:PassRole, under the ``keys`` scope."""

ROWS = [*ADMIN_ROWS, *TOOL_ROWS, *PASS_ROLE_ROWS]


@pytest.mark.parametrize(("row", "caller"), cells(ROWS))
def test_authorization(world: World, row: Row, caller: Caller) -> None:
    check(world, row, caller)


# Refusals say why.

NON_ADMINS = [Caller.OUTSIDER, Caller.VIEWER, Caller.MEMBER, Caller.OWNER]


@pytest.mark.parametrize("caller", NON_ADMINS, ids=str)
@pytest.mark.parametrize("row", PASS_ROLE_ROWS, ids=lambda row: row.case)
def test_pass_role_refusal_names_the_action_and_the_principal(
    world: World, row: Row, caller: Caller
) -> None:
    call = row.build(world, caller)
    body = expect(send(world.http(caller), call), 403)
    kind, name = world.principal(caller)
    owner_kind = "role" if "owner_role" in call.json else "user"
    target = f"khrn:{owner_kind}:{call.json[f'owner_{owner_kind}']}"
    assert body["type"] == "urn:keyhouse:problem:forbidden"
    assert body["detail"] == f"no policy allows {kind}/{name} to perform iam:PassRole on {target}"
    assert "scope" not in body
    # No key was made: the caller would see one it created.
    mine = expect(
        world.http(caller).get("/api/v1/api-keys", params={"name": call.json["name"]}), 200
    )
    assert mine["data"] == []


@pytest.fixture(scope="module")
def former_admin(world: World) -> Iterator[Actor]:
    """A user whose key was given the ``iam`` scope while it was an admin; no admin now."""
    actor = make_user(world.admin, world.url, is_admin=True, scopes=["iam", "keys"])
    demoted = expect(
        world.admin.patch(f"/api/v1/users/{actor.name}", json={"is_admin": False}), 200
    )
    assert demoted["is_admin"] is False
    yield actor
    actor.http.close()
    expect(world.admin.delete(f"/api/v1/users/{actor.name}"), 204)


@pytest.mark.parametrize("row", ADMIN_ROWS, ids=lambda row: f"{row.endpoint} | {row.case}")
def test_an_iam_scoped_key_of_a_non_admin_is_refused_as_not_an_admin(
    world: World, former_admin: Actor, row: Row
) -> None:
    call = row.build(world, Caller.ADMIN)
    response = send(former_admin.http, call)
    body = expect(response, 403)
    assert response.headers["content-type"] == PROBLEM
    assert body["type"] == "urn:keyhouse:problem:forbidden"
    assert body["detail"] == (
        f"{ACTIONS[row.endpoint]} is reserved to admins; user/{former_admin.name} is not an admin"
    )
    assert "scope" not in body  # the key holds the scope: the policies refused


def test_the_tools_answer_an_iam_scoped_key_of_a_non_admin(
    world: World, former_admin: Actor
) -> None:
    for row in TOOL_ROWS:
        expect(send(former_admin.http, row.build(world, Caller.ADMIN)), 200)


def test_a_refused_delete_leaves_the_policy_and_its_attachment(
    world: World, former_admin: Actor
) -> None:
    name = world.new_policy(attached=True)
    expect(former_admin.delete(f"{POLICIES}/{name}"), 403)
    path = f"{POLICIES}/{name}/attachments/role/{world.subject_role}"
    expect(former_admin.delete(path), 403)
    kept = expect(world.admin.get(f"{POLICIES}/{name}/attachments"), 200)
    assert [a["principal_name"] for a in kept["data"]] == [world.subject_role]


@pytest.fixture(params=NON_ADMINS, ids=str)
def caller_http(world: World, request: pytest.FixtureRequest) -> httpx.Client:
    """The client of each non-admin caller of the matrix."""
    caller: Caller = request.param
    return world.http(caller)


def test_a_refused_create_makes_no_policy(world: World, caller_http: httpx.Client) -> None:
    name = unique("policy")
    body = {"name": name, "document": POLICY_DOCUMENT}
    expect(caller_http.post(POLICIES, json=body), 403)
    expect(world.admin.get(f"{POLICIES}/{name}"), 404)


def test_an_admin_holds_iam_rights_through_a_policy_an_explicit_deny_overrides(
    world: World,
) -> None:
    # AdminAccess allows everything, but as a policy: a Deny attached to an admin wins.
    deputy = make_user(world.admin, world.url, is_admin=True, scopes=["iam"])
    deny = {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "NoDeletes", "Effect": "Deny", "Action": "iam:DeletePolicy", "Resource": "*"}
        ],
    }
    guard = unique("policy")
    try:
        expect(world.admin.post(POLICIES, json={"name": guard, "document": deny}), 201)
        attach = {"principal_kind": "user", "principal_name": deputy.name}
        expect(world.admin.post(f"{POLICIES}/{guard}/attachments", json=attach), 201)
        target = world.new_policy()
        call = Call("DELETE", f"{POLICIES}/{target}")
        refused = assert_outcome(send(deputy.http, call), 403, call)
        assert refused["detail"] == (
            f"iam:DeletePolicy on khrn:policy:{target} is denied by policy "
            f"'{guard}' (statement 'NoDeletes')"
        )
        expect(deputy.get(f"{POLICIES}/{target}"), 200)  # everything else is still allowed
        path = f"{POLICIES}/{guard}/attachments/user/{deputy.name}"
        expect(world.admin.delete(path), 204)
        expect(deputy.delete(f"{POLICIES}/{target}"), 204)  # detached: in force at once
    finally:
        deputy.http.close()
        expect(world.admin.delete(f"/api/v1/users/{deputy.name}"), 204)
        expect(world.admin.delete(f"{POLICIES}/{guard}"), 204)
