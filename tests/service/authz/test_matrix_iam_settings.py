"""Authorization matrix: users, roles, settings, the scope catalog, the audit log, health.

Users and roles need the ``iam`` scope, settings changes, new scopes and the
audit log the ``admin`` scope; both are only ever held by keys of admins, so
every other principal is refused with a 403 naming the scope. Reading the
settings and the scope catalog needs any valid key; ``/healthz`` and ``/readyz`` need none.
"""

from __future__ import annotations

import httpx
import pytest

from tests.service.authz.conftest import (
    SCOPE,
    Call,
    Caller,
    Row,
    World,
    cells,
    check,
)
from tests.support.actors import expect, unique


def _unchanged_settings(world: World, caller: Caller) -> Call:
    # The current policy, sent back: a valid change that changes nothing for other tests.
    current = expect(world.admin.get("/api/v1/settings"), 200)
    body = {
        "default_key_lifetime_days": current["default_key_lifetime_days"],
        "max_key_lifetime_days": current["max_key_lifetime_days"],
    }
    return Call("PATCH", "/api/v1/settings", json=body)


ROWS = [
    Row(
        endpoint="GET /healthz",
        case="liveness",
        build=lambda w, c: Call("GET", "/healthz"),
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
        endpoint="GET /readyz",
        case="readiness",
        build=lambda w, c: Call("GET", "/readyz"),
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
        endpoint="POST /api/v1/users",
        case="a new user",
        build=lambda w, c: Call("POST", "/api/v1/users", json={"name": unique("user")}),
        scope="iam",
        outsider=SCOPE,
        viewer=SCOPE,
        member=SCOPE,
        owner=SCOPE,
        admin=201,
    ),
    Row(
        endpoint="GET /api/v1/users",
        case="all users",
        build=lambda w, c: Call("GET", "/api/v1/users"),
        scope="iam",
        outsider=SCOPE,
        viewer=SCOPE,
        member=SCOPE,
        owner=SCOPE,
        admin=200,
    ),
    Row(
        endpoint="GET /api/v1/users/{user}",
        case="a user",
        build=lambda w, c: Call("GET", f"/api/v1/users/{w.subject_user}"),
        scope="iam",
        outsider=SCOPE,
        viewer=SCOPE,
        member=SCOPE,
        owner=SCOPE,
        admin=200,
    ),
    Row(
        endpoint="PATCH /api/v1/users/{user}",
        case="a user's email",
        build=lambda w, c: Call(
            "PATCH",
            f"/api/v1/users/{w.subject_user}",
            json={"email": f"{w.subject_user}@example.com"},
        ),
        scope="iam",
        outsider=SCOPE,
        viewer=SCOPE,
        member=SCOPE,
        owner=SCOPE,
        admin=200,
    ),
    Row(
        endpoint="DELETE /api/v1/users/{user}",
        case="a fresh user",
        build=lambda w, c: Call("DELETE", f"/api/v1/users/{w.new_user()}"),
        scope="iam",
        outsider=SCOPE,
        viewer=SCOPE,
        member=SCOPE,
        owner=SCOPE,
        admin=204,
    ),
    Row(
        endpoint="POST /api/v1/roles",
        case="a new role",
        build=lambda w, c: Call("POST", "/api/v1/roles", json={"name": unique("role")}),
        scope="iam",
        outsider=SCOPE,
        viewer=SCOPE,
        member=SCOPE,
        owner=SCOPE,
        admin=201,
    ),
    Row(
        endpoint="GET /api/v1/roles",
        case="all roles",
        build=lambda w, c: Call("GET", "/api/v1/roles"),
        scope="iam",
        outsider=SCOPE,
        viewer=SCOPE,
        member=SCOPE,
        owner=SCOPE,
        admin=200,
    ),
    Row(
        endpoint="GET /api/v1/roles/{role}",
        case="a role",
        build=lambda w, c: Call("GET", f"/api/v1/roles/{w.subject_role}"),
        scope="iam",
        outsider=SCOPE,
        viewer=SCOPE,
        member=SCOPE,
        owner=SCOPE,
        admin=200,
    ),
    Row(
        endpoint="PATCH /api/v1/roles/{role}",
        case="a role's description",
        build=lambda w, c: Call(
            "PATCH", f"/api/v1/roles/{w.subject_role}", json={"description": "d"}
        ),
        scope="iam",
        outsider=SCOPE,
        viewer=SCOPE,
        member=SCOPE,
        owner=SCOPE,
        admin=200,
    ),
    Row(
        endpoint="DELETE /api/v1/roles/{role}",
        case="a fresh role",
        build=lambda w, c: Call("DELETE", f"/api/v1/roles/{w.new_role()}"),
        scope="iam",
        outsider=SCOPE,
        viewer=SCOPE,
        member=SCOPE,
        owner=SCOPE,
        admin=204,
    ),
    Row(
        endpoint="GET /api/v1/settings",
        case="the lifetime policy",
        build=lambda w, c: Call("GET", "/api/v1/settings"),
        scope=None,
        missing_scope=200,
        outsider=200,
        viewer=200,
        member=200,
        owner=200,
        admin=200,
    ),
    Row(
        endpoint="PATCH /api/v1/settings",
        case="the current policy again",
        build=_unchanged_settings,
        scope="admin",
        outsider=SCOPE,
        viewer=SCOPE,
        member=SCOPE,
        owner=SCOPE,
        admin=200,
    ),
    Row(
        endpoint="GET /api/v1/scopes",
        case="the catalog",
        build=lambda w, c: Call("GET", "/api/v1/scopes"),
        scope=None,
        missing_scope=200,
        outsider=200,
        viewer=200,
        member=200,
        owner=200,
        admin=200,
    ),
    Row(
        endpoint="POST /api/v1/scopes",
        case="a new custom scope",
        build=lambda w, c: Call("POST", "/api/v1/scopes", json={"name": unique("scope")}),
        scope="admin",
        outsider=SCOPE,
        viewer=SCOPE,
        member=SCOPE,
        owner=SCOPE,
        admin=201,
    ),
    Row(
        endpoint="GET /api/v1/audit",
        case="the audit log",
        build=lambda w, c: Call("GET", "/api/v1/audit", params={"limit": "5"}),
        scope="admin",
        outsider=SCOPE,
        viewer=SCOPE,
        member=SCOPE,
        owner=SCOPE,
        admin=200,
    ),
]


@pytest.mark.parametrize(("row", "caller"), cells(ROWS))
def test_authorization(world: World, row: Row, caller: Caller) -> None:
    check(world, row, caller)


GLOBAL_OPERATIONS = [
    ("POST", "/api/v1/users", {"name": "escape-user"}),
    ("GET", "/api/v1/users", None),
    ("POST", "/api/v1/roles", {"name": "escape-role"}),
    ("GET", "/api/v1/roles", None),
    ("GET", "/api/v1/iam/policies", None),
    (
        "POST",
        "/api/v1/iam/policies",
        {
            "name": "escape-policy",
            "document": {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
            },
        },
    ),
    (
        "POST",
        "/api/v1/iam:simulate",
        {
            "action": "iam:CreateUser",
            "resource": "*",
            "principal": {"kind": "user", "name": "admin"},
        },
    ),
    ("PATCH", "/api/v1/settings", {}),
    ("POST", "/api/v1/scopes", {"name": "escape-scope"}),
    ("GET", "/api/v1/audit", None),
    ("POST", "/api/v1/projects", {"name": "escape-project"}),
]


@pytest.mark.parametrize(
    ("method", "path", "body"), GLOBAL_OPERATIONS, ids=[f"{m} {p}" for m, p, _ in GLOBAL_OPERATIONS]
)
def test_an_admins_restricted_key_acts_only_inside_its_project(
    world: World, method: str, path: str, body: object
) -> None:
    created = expect(
        world.admin.post(
            "/api/v1/api-keys",
            json={
                "name": unique("restricted-admin"),
                "scopes": ["iam", "admin", "keys", "project"],
                "project": world.project,
            },
        ),
        201,
    )
    with httpx.Client(base_url=world.url, headers={"x-api-key": created["key"]}) as http:
        refused = expect(http.request(method, path, json=body), 403)
    assert refused["project"] == world.project
    assert f"restricted to project '{world.project}'" in refused["detail"]
    for listing, name in (("/api/v1/users", "escape-user"), ("/api/v1/roles", "escape-role")):
        expect(world.admin.get(f"{listing}/{name}"), 404)
