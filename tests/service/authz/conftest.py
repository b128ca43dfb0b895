"""The world the authorization tests act in, and the matrix machinery they share.

The world is built once per test module and backend, through the real API:

* a project owned by ``owner``, with ``member`` and ``viewer`` as collaborators;
* ``outsider``, a user with every non-admin scope who collaborates on nothing;
* ``role``, a role with every non-admin scope, in no project;
* targets: a project secret, a private secret of the owner, an API key the
  owner made for itself (so the admin neither owns nor created it), and a
  customer IAM policy attached to a role that holds no key;
* keys that must not authenticate: malformed (bad checksum), unknown (well
  formed, never issued), revoked, and expired (``expires_at`` moved to the past
  in the database: the API cannot make one);
* a key missing every scope the matrix needs (only ``featurestore``). It
  belongs to the admin, so a refusal can only be the missing scope;
* project-restricted keys: one of a current member, and one of a user who was
  removed from the project after the key was made.

A matrix row names one OpenAPI operation, a request that would succeed for a
caller allowed to make it, the scope it needs, and what each principal gets.
The five unauthenticated callers and the missing-scope caller are derived:
401 with the right ``reason``, and 403 naming the scope.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine

from keyhouse.core.keys import generate_key
from keyhouse.models import utcnow
from tests.support.actors import (
    ALL_SCOPES,
    Actor,
    add_member,
    client,
    create_key,
    expect,
    make_role,
    make_user,
    unique,
)
from tests.support.database import set_key_expiry
from tests.support.keyhouse_server import KeyhouseServer

PROBLEM = "application/problem+json"

POLICY_DOCUMENT: dict[str, Any] = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "ReadNothingReal",
            "Effect": "Allow",
            "Action": "secrets:GetSecret",
            "Resource": "khrn:secret:project/no-such-project-for-authz/*",
        }
    ],
}
"""The document of the matrix's policies: it grants nothing any test relies on."""


class Caller(enum.StrEnum):
    """Who sends a request in the matrix."""

    NO_KEY = "no-key"
    MALFORMED = "malformed-key"
    UNKNOWN = "unknown-key"
    REVOKED = "revoked-key"
    EXPIRED = "expired-key"
    MISSING_SCOPE = "missing-scope"
    OUTSIDER = "non-collaborator"
    VIEWER = "viewer"
    MEMBER = "member"
    OWNER = "owner"
    ADMIN = "admin"


REASONS: dict[Caller, str] = {
    Caller.NO_KEY: "missing",
    Caller.MALFORMED: "malformed",
    Caller.UNKNOWN: "not_found",
    Caller.REVOKED: "revoked",
    Caller.EXPIRED: "expired",
}
"""The ``reason`` of the 401 each unauthenticated caller gets."""


class Refusal(enum.Enum):
    """A refusal whose body must say why, beyond its status."""

    AUTH = "401 with the caller's reason"
    SCOPE = "403 naming the scope the operation needs"
    PROJECT = "403 naming the project the request concerns"


AUTH = Refusal.AUTH
SCOPE = Refusal.SCOPE
PROJECT = Refusal.PROJECT

Expect = int | Refusal
"""A cell of the matrix: a plain status (2xx, 404, 409), or a refusal with a reason."""

_REFUSAL_STATUS = {AUTH: 401, SCOPE: 403, PROJECT: 403}


@dataclass(frozen=True)
class Target:
    """A secret made for the tests: its id and name."""

    id: str
    name: str


@dataclass(frozen=True)
class Call:
    """One HTTP request; ``project`` is the project a 403 must name."""

    method: str
    path: str
    params: dict[str, str] | None = None
    json: Any = None
    project: str | None = None


@dataclass
class World:
    """Principals, keys and targets for one backend, made through the real API."""

    url: str
    admin: httpx.Client
    admin_name: str
    owner: Actor
    member: Actor
    viewer: Actor
    outsider: Actor
    role: Actor
    project: str
    project_secret: Target
    private_secret: Target
    owner_key_id: str
    subject_user: str
    subject_role: str
    policy: str
    restricted_member: Actor
    former_member: Actor
    clients: dict[Caller, httpx.Client]

    def http(self, caller: Caller) -> httpx.Client:
        """The client that sends ``caller``'s key (or none)."""
        return self.clients[caller]

    def principal(self, caller: Caller) -> tuple[str, str]:
        """The (kind, name) behind ``caller``; the admin for the keys the admin holds."""
        actors = {
            Caller.OUTSIDER: self.outsider,
            Caller.VIEWER: self.viewer,
            Caller.MEMBER: self.member,
            Caller.OWNER: self.owner,
        }
        if caller in actors:
            return actors[caller].kind, actors[caller].name
        return "user", self.admin_name

    # Fresh targets, for cells that destroy or change what they act on.

    def new_project_secret(self) -> Target:
        """A new secret of the project, made by its owner."""
        name = unique("authz/shared")
        body = {"name": name, "value": "v", "visibility": "project", "project": self.project}
        created = expect(self.owner.post("/api/v1/secrets", json=body), 201)
        return Target(created["id"], name)

    def new_private_secret(self) -> Target:
        """A new private secret of the owner."""
        name = unique("authz/private")
        created = expect(self.owner.post("/api/v1/secrets", json={"name": name, "value": "v"}), 201)
        return Target(created["id"], name)

    def new_owner_key(self) -> str:
        """The id of a new key the owner makes for itself."""
        body = {"name": unique("own"), "scopes": ["keys"]}
        return str(expect(self.owner.post("/api/v1/api-keys", json=body), 201)["id"])

    def new_key_for_owner_by_admin(self) -> str:
        """The id of a new key the admin makes for the owner."""
        body = {"name": unique("given"), "scopes": ["keys"], "owner_user": self.owner.name}
        return str(expect(self.admin.post("/api/v1/api-keys", json=body), 201)["id"])

    def new_user(self) -> str:
        """The name of a new user with no keys."""
        name = unique("user")
        expect(self.admin.post("/api/v1/users", json={"name": name}), 201)
        return name

    def new_role(self) -> str:
        """The name of a new role with no keys."""
        name = unique("role")
        expect(self.admin.post("/api/v1/roles", json={"name": name}), 201)
        return name

    def new_policy(self, *, attached: bool = False) -> str:
        """The name of a new customer policy (attached to ``subject_role`` if asked)."""
        name = unique("policy")
        body = {"name": name, "document": POLICY_DOCUMENT}
        expect(self.admin.post("/api/v1/iam/policies", json=body), 201)
        if attached:
            attach = {"principal_kind": "role", "principal_name": self.subject_role}
            expect(self.admin.post(f"/api/v1/iam/policies/{name}/attachments", json=attach), 201)
        return name

    def new_project(self, *, admin_role: str | None = None) -> str:
        """A new project of the owner with the viewer and member (and the admin, if given)."""
        name = unique("proj")
        expect(self.owner.post("/api/v1/projects", json={"name": name}), 201)
        # The admin adds them: an owner needs consent (iam:PassRole) over whom it adds.
        add_member(self.admin, name, self.viewer, "viewer")
        add_member(self.admin, name, self.member, "member")
        if admin_role is not None:
            body = {"principal_kind": "user", "principal_name": self.admin_name, "role": admin_role}
            expect(self.admin.post(f"/api/v1/projects/{name}/members", json=body), 201)
        return name

    def new_project_viewer(self) -> str:
        """The name of a new user the admin adds to the project as a viewer."""
        name = self.new_user()
        body = {"principal_kind": "user", "principal_name": name, "role": "viewer"}
        expect(self.admin.post(f"/api/v1/projects/{self.project}/members", json=body), 201)
        return name


def _verify_reason(http: httpx.Client, key: str) -> str | None:
    reason: str | None = expect(http.post("/api/v1/keys:verify", json={"key": key}), 200)["reason"]
    return reason


def build_world(service: KeyhouseServer, stack: ExitStack) -> World:
    """Make the world on ``service``; ``stack`` closes its clients."""
    url = service.url

    def open_client(key: str | None) -> httpx.Client:
        return stack.enter_context(client(url, key))

    admin = open_client(service.admin_key)
    admin_name = expect(admin.get("/api/v1/whoami"), 200)["principal"]["name"]
    owner, member, viewer, outsider = (make_user(admin, url) for _ in range(4))
    role = make_role(admin, url)
    for actor in (owner, member, viewer, outsider, role):
        stack.callback(actor.http.close)

    project = unique("proj")
    expect(owner.post("/api/v1/projects", json={"name": project}), 201)
    add_member(admin, project, member, "member")
    add_member(admin, project, viewer, "viewer")

    shared_name, private_name = unique("authz/shared"), unique("authz/private")
    shared = expect(
        owner.post(
            "/api/v1/secrets",
            json={"name": shared_name, "value": "v", "visibility": "project", "project": project},
        ),
        201,
    )
    private = expect(owner.post("/api/v1/secrets", json={"name": private_name, "value": "v"}), 201)
    owner_key = expect(
        owner.post("/api/v1/api-keys", json={"name": unique("own"), "scopes": ["keys"]}), 201
    )

    subject_user = unique("subject")
    expect(admin.post("/api/v1/users", json={"name": subject_user}), 201)
    subject_role = unique("subject")
    expect(admin.post("/api/v1/roles", json={"name": subject_role}), 201)
    policy = unique("policy")
    expect(
        admin.post("/api/v1/iam/policies", json={"name": policy, "document": POLICY_DOCUMENT}),
        201,
    )
    attach = {"principal_kind": "role", "principal_name": subject_role}
    expect(admin.post(f"/api/v1/iam/policies/{policy}/attachments", json=attach), 201)

    # Keys of the admin that must not get through: revoked, expired, missing scopes.
    every_scope = [*ALL_SCOPES, "iam", "admin"]  # the built-in catalog (custom scopes come and go)
    revoked = create_key(admin, url, owner_kind="user", owner_name=admin_name, scopes=every_scope)
    expect(admin.post(f"/api/v1/api-keys/{revoked.key_id}/revoke"), 200)
    expired = create_key(admin, url, owner_kind="user", owner_name=admin_name, scopes=every_scope)
    engine = create_engine(service.database_url)
    try:
        set_key_expiry(engine, url, expired.key, utcnow() - timedelta(hours=1))
    finally:
        engine.dispose()
    scopeless = create_key(
        admin, url, owner_kind="user", owner_name=admin_name, scopes=["featurestore"]
    )
    for actor in (revoked, expired, scopeless):
        stack.callback(actor.http.close)
    assert _verify_reason(admin, revoked.key) == "revoked"
    assert _verify_reason(admin, expired.key) == "expired"

    unknown = generate_key().plaintext
    malformed = unknown[:-1] + ("B" if unknown[-1] == "A" else "A")  # checksum no longer matches
    assert _verify_reason(admin, unknown) == "not_found"
    assert _verify_reason(admin, malformed) == "malformed"

    # Keys restricted to the project: a member's, and one of a user who has since left it.
    restricted_member = create_key(
        admin,
        url,
        owner_kind="user",
        owner_name=member.name,
        scopes=["keys", "project", "secrets"],
        project=project,
    )
    former = make_user(admin, url)
    former.http.close()
    add_member(admin, project, former, "member")
    former_member = create_key(
        admin,
        url,
        owner_kind="user",
        owner_name=former.name,
        scopes=["keys", "project", "secrets"],
        project=project,
    )
    expect(owner.delete(f"/api/v1/projects/{project}/members/user/{former.name}"), 204)
    for actor in (restricted_member, former_member):
        stack.callback(actor.http.close)

    clients = {
        Caller.NO_KEY: open_client(None),
        Caller.MALFORMED: open_client(malformed),
        Caller.UNKNOWN: open_client(unknown),
        Caller.REVOKED: revoked.http,
        Caller.EXPIRED: expired.http,
        Caller.MISSING_SCOPE: scopeless.http,
        Caller.OUTSIDER: outsider.http,
        Caller.VIEWER: viewer.http,
        Caller.MEMBER: member.http,
        Caller.OWNER: owner.http,
        Caller.ADMIN: admin,
    }
    return World(
        url=url,
        admin=admin,
        admin_name=admin_name,
        owner=owner,
        member=member,
        viewer=viewer,
        outsider=outsider,
        role=role,
        project=project,
        project_secret=Target(shared["id"], shared_name),
        private_secret=Target(private["id"], private_name),
        owner_key_id=owner_key["id"],
        subject_user=subject_user,
        subject_role=subject_role,
        policy=policy,
        restricted_member=restricted_member,
        former_member=former_member,
        clients=clients,
    )


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> KeyhouseServer:
    """The key service, once per backend, for a whole module."""
    server: KeyhouseServer = request.getfixturevalue(f"{request.param}_service")
    return server


@pytest.fixture(scope="module")
def world(backend: KeyhouseServer) -> Iterator[World]:
    """The world, built once per module and backend."""
    with ExitStack() as stack:
        yield build_world(backend, stack)


# The matrix.

Build = Callable[[World, Caller], Call]


@dataclass(frozen=True, kw_only=True)
class Row:
    """One operation of the OpenAPI document, one request, and what every caller gets.

    ``endpoint`` is ``"<METHOD> <path as in the OpenAPI document>"``; ``case`` tells
    rows of the same endpoint apart. ``scope`` is the scope the operation needs
    (None: any valid key will do, and ``missing_scope`` must say what that key gets).
    ``unauthenticated`` is what the five callers without a usable key get: 401 by
    default, a status for operations that need no key.
    """

    endpoint: str
    case: str
    build: Build
    scope: str | None
    outsider: Expect
    viewer: Expect
    member: Expect
    owner: Expect
    admin: Expect
    missing_scope: Expect = SCOPE
    unauthenticated: Expect = AUTH

    def __post_init__(self) -> None:
        cells = [self.outsider, self.viewer, self.member, self.owner, self.admin]
        cells.append(self.missing_scope)
        if self.scope is None:
            assert SCOPE not in cells, f"{self.endpoint}: SCOPE refusal without a scope"
        assert AUTH not in cells, f"{self.endpoint}: AUTH is only for unauthenticated callers"

    @property
    def method(self) -> str:
        """The HTTP method of the endpoint."""
        return self.endpoint.split(" ", 1)[0]

    @property
    def path(self) -> str:
        """The OpenAPI path of the endpoint."""
        return self.endpoint.split(" ", 1)[1]

    def expected(self, caller: Caller) -> Expect:
        """What ``caller`` must get."""
        if caller in REASONS:
            return self.unauthenticated
        return {
            Caller.MISSING_SCOPE: self.missing_scope,
            Caller.OUTSIDER: self.outsider,
            Caller.VIEWER: self.viewer,
            Caller.MEMBER: self.member,
            Caller.OWNER: self.owner,
            Caller.ADMIN: self.admin,
        }[caller]


def cells(rows: list[Row]) -> list[Any]:
    """One pytest parameter per (row, caller), with a readable id."""
    ids = [f"{row.endpoint} | {row.case}" for row in rows]
    assert len(ids) == len(set(ids)), "two rows share an endpoint and case"
    return [
        pytest.param(row, caller, id=f"{row.endpoint} | {row.case} | {caller}")
        for row in rows
        for caller in Caller
    ]


def send(http: httpx.Client, call: Call) -> httpx.Response:
    """Send ``call``."""
    return http.request(call.method, call.path, params=call.params, json=call.json)


def assert_outcome(
    response: httpx.Response,
    expected: Expect,
    call: Call,
    *,
    scope: str | None = None,
    reason: str | None = None,
) -> Any:
    """Check ``response`` against a cell; the body.

    Refusals must be problem details saying why: the 401's ``reason``, the
    403's ``scope`` or ``project`` (in the field and in the detail).
    """
    status = _REFUSAL_STATUS[expected] if isinstance(expected, Refusal) else expected
    body = expect(response, status)
    if status < 400:
        return body
    assert response.headers["content-type"] == PROBLEM
    assert body["status"] == status
    if expected is AUTH:
        assert body["type"] == "urn:keyhouse:problem:unauthenticated"
        assert body["reason"] == reason
        assert response.headers["www-authenticate"] == "ApiKey"
    elif expected is SCOPE:
        assert body["type"] == "urn:keyhouse:problem:forbidden"
        assert body["scope"] == scope
        assert str(scope) in body["detail"]
        assert "project" not in body
    elif expected is PROJECT:
        assert call.project is not None, f"{call.method} {call.path}: no project to name"
        assert body["type"] == "urn:keyhouse:problem:forbidden"
        assert body["project"] == call.project
        assert call.project in body["detail"]
        assert "scope" not in body
    elif status == 404:
        assert body["type"] == "urn:keyhouse:problem:not-found"
    return body


def check(world: World, row: Row, caller: Caller) -> None:
    """Make ``row``'s request as ``caller`` and check the cell."""
    call = row.build(world, caller)
    response = send(world.http(caller), call)
    assert_outcome(
        response, row.expected(caller), call, scope=row.scope, reason=REASONS.get(caller)
    )
