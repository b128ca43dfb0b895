"""Clients, principals and error cases for the generated client's tests.

Everything runs against the session's ``sqlite_service``: a real ``keyhouse
server`` process, reached over real HTTP by the generated client.

* ``kh`` / ``akh``: the admin's sync client, and a runner for async test bodies
  (each run opens an ``AsyncKeyhouse`` in a fresh event loop and closes it in
  that loop: an async client's connections belong to the loop that opened them).
* ``user`` / ``user_kh`` / ``user_akh``: a fresh non-admin user with a key
  holding every non-admin scope, and the same two clients for that key.
* ``world``: principals, keys and targets the error cases act on, made once per
  session with plain HTTP (not with the client under test).
* ``ERROR_CASES``: every documented error status of every operation, each with
  a request that provokes it; the sync and async operation tests both run them.

The clients handed to the operation tests note each operation they are asked
to run (``EXERCISED``); ``test_coverage`` checks that nothing was left out.
"""

from __future__ import annotations

import asyncio
import enum
import functools
import inspect
import re
from collections.abc import AsyncGenerator, Callable, Coroutine, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar, cast

import httpx
import pytest

from keyhouse.core.keys import parse_key_id
from keyhouse_client import (
    NOT_GIVEN,
    APIError,
    AsyncKeyhouse,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    Keyhouse,
    KeyhouseError,
    NotFoundError,
    PermissionDeniedError,
    PreconditionFailedError,
    ValidationError,
    models,
    resources,
)
from tests.support.actors import (
    ALL_SCOPES,
    client,
    create_key,
    expect,
    make_user,
    unique,
)
from tests.support.keyhouse_server import KeyhouseServer

T = TypeVar("T")
K = TypeVar("K", Keyhouse, AsyncKeyhouse)

HERE = Path(__file__).parent
OPERATION_MODULE = "tests.client.test_operations"
"""The module whose calls count as exercising an operation."""

FLAVOURS = ["sync", "async"]
"""The operation tests run once with ``Keyhouse`` and once with ``AsyncKeyhouse``."""

EXERCISED: set[tuple[str, str, str]] = set()
"""(test module, resource class, method) for every operation a test client was asked to run."""

DESELECTED: set[str] = set()
"""Node ids of operation tests left out of this run (``-k``, ``--deselect``, ``--lf``)."""


# Running the coverage check last, after the tests whose calls it counts.


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Move ``test_coverage.py`` after every other test of the session."""
    coverage = [item for item in items if item.path == HERE / "test_coverage.py"]
    if coverage:
        items[:] = [item for item in items if item not in coverage] + coverage


def pytest_deselected(items: list[pytest.Item]) -> None:
    """Note the operation tests a run leaves out: the coverage check cannot judge then."""
    for item in items:
        if item.path == HERE / "test_operations.py":
            DESELECTED.add(item.nodeid)


# Clients that note the operations they run.


class _Recording:
    """Forwards to a resource (or its ``with_response``), noting each public method called."""

    def __init__(self, target: object, module: str) -> None:
        self._target = target
        self._module = module

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._target, name)
        if name == "with_response":
            return _Recording(value, self._module)
        if name.startswith("_") or not callable(value):
            return value
        noted = (self._module, type(self._target).__name__, name)

        @functools.wraps(value)
        def call(*args: Any, **kwargs: Any) -> Any:
            EXERCISED.add(noted)
            return value(*args, **kwargs)

        return call


def recording(kh: K, module: str) -> K:
    """``kh`` with each resource attribute replaced by a recording stand-in."""
    for attribute, value in list(vars(kh).items()):
        if type(value).__module__.startswith(resources.__name__ + "."):
            setattr(kh, attribute, _Recording(value, module))
    return kh


class Blocking:
    """An ``AsyncKeyhouse`` (or a part of it) behind blocking calls, for the shared tests.

    Each awaitable a method returns is run to completion in ``loop``, the loop the
    client's connections belong to; async iterators become plain ones. So one
    test body drives both clients, and the recording underneath still notes the
    async classes' methods.
    """

    def __init__(self, target: object, loop: asyncio.AbstractEventLoop) -> None:
        self._target = target
        self._loop = loop

    def __repr__(self) -> str:
        return f"Blocking({self._target!r})"

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._target, name)
        if name.startswith("_") or isinstance(value, str | int | float | bool | None):
            return value
        if not callable(value):
            return Blocking(value, self._loop)

        @functools.wraps(value)
        def call(*args: Any, **kwargs: Any) -> Any:
            result = value(*args, **kwargs)
            if inspect.isawaitable(result):
                return self._loop.run_until_complete(result)
            if inspect.isasyncgen(result):
                return self._iterate(result)
            return result

        return call

    def _iterate(self, items: AsyncGenerator[Any, Any]) -> Iterator[Any]:
        try:
            while True:
                try:
                    yield self._loop.run_until_complete(anext(items))
                except StopAsyncIteration:
                    return
        finally:
            self._loop.run_until_complete(items.aclose())


@contextmanager
def open_client(flavour: str, url: str, key: str, module: str) -> Iterator[Keyhouse]:
    """A recording client of ``flavour`` ("sync" or "async", blocking), closed afterwards."""
    if flavour == "sync":
        with Keyhouse(base_url=url, api_key=key) as sync:
            yield recording(sync, module)
        return
    loop = asyncio.new_event_loop()
    asynchronous = AsyncKeyhouse(base_url=url, api_key=key)
    try:
        yield cast(Keyhouse, Blocking(recording(asynchronous, module), loop))
    finally:
        loop.run_until_complete(asynchronous.close())
        loop.close()


class AsyncRunner:
    """Runs an async test body with an ``AsyncKeyhouse`` of its own, in an event loop of its own.

    ``runner(body)`` calls ``asyncio.run`` on ``body(client)``; the client is
    opened and closed inside that loop.
    """

    def __init__(self, url: str, key: str, module: str) -> None:
        self.url = url
        self._key = key
        self._module = module

    def __repr__(self) -> str:
        return f"AsyncRunner(url={self.url!r})"

    def __call__(self, body: Callable[[AsyncKeyhouse], Coroutine[Any, Any, T]]) -> T:
        async def main() -> T:
            async with AsyncKeyhouse(base_url=self.url, api_key=self._key) as kh:
                return await body(recording(kh, self._module))

        return asyncio.run(main())


@dataclass(frozen=True)
class Credentials:
    """A principal and one key of theirs."""

    name: str
    key_id: str
    key: str = field(repr=False)


@pytest.fixture(params=FLAVOURS)
def flavour(request: pytest.FixtureRequest) -> str:
    """Which client a test drives: ``Keyhouse``, or ``AsyncKeyhouse`` through ``Blocking``."""
    value: str = request.param
    return value


@pytest.fixture
def kh(
    sqlite_service: KeyhouseServer, flavour: str, request: pytest.FixtureRequest
) -> Iterator[Keyhouse]:
    """The admin's client of this test's flavour, closed after the test."""
    with open_client(
        flavour, sqlite_service.url, sqlite_service.admin_key, request.module.__name__
    ) as admin:
        yield admin


@pytest.fixture
def akh(sqlite_service: KeyhouseServer, request: pytest.FixtureRequest) -> AsyncRunner:
    """Runs async test bodies with the admin's ``AsyncKeyhouse``."""
    return AsyncRunner(sqlite_service.url, sqlite_service.admin_key, request.module.__name__)


@pytest.fixture(scope="session")
def admin_http(sqlite_service: KeyhouseServer) -> Iterator[httpx.Client]:
    """Plain HTTP with the admin's key, to set up what the tests act on."""
    with client(sqlite_service.url, sqlite_service.admin_key) as http:
        yield http


@pytest.fixture
def user(admin_http: httpx.Client) -> Credentials:
    """A fresh non-admin user with a key holding every non-admin scope."""
    name = unique("user")
    expect(admin_http.post("/api/v1/users", json={"name": name}), 201)
    body = {"name": unique("key"), "scopes": ALL_SCOPES, "owner_user": name}
    created = expect(admin_http.post("/api/v1/api-keys", json=body), 201)
    return Credentials(name, created["id"], created["key"])


@pytest.fixture
def user_kh(
    sqlite_service: KeyhouseServer,
    user: Credentials,
    flavour: str,
    request: pytest.FixtureRequest,
) -> Iterator[Keyhouse]:
    """The client of ``user``, of this test's flavour."""
    with open_client(flavour, sqlite_service.url, user.key, request.module.__name__) as mine:
        yield mine


# Checking a typed error.

REQUEST_ID = re.compile(r"[0-9a-f]{32}")


def check_problem(error: APIError, status: int, kind: type[APIError]) -> None:
    """``error`` is exactly ``kind``, and carries the problem detail the service sent."""
    assert type(error) is kind, f"expected {kind.__name__}, got {type(error).__name__}: {error}"
    assert isinstance(error, KeyhouseError)
    assert error.status == status
    assert error.problem.get("status") == status
    assert error.title, "no title"
    assert error.title == error.problem.get("title")
    assert isinstance(error.detail, str)
    assert error.detail, "no detail"
    assert error.detail == error.problem.get("detail")
    assert error.type == error.problem.get("type")
    assert error.type is not None
    assert error.type.startswith("urn:keyhouse:problem:")
    assert error.request_id is not None, "no request id"
    assert REQUEST_ID.fullmatch(error.request_id), error.request_id
    assert error.request_id in str(error)
    assert str(status) in str(error)


def same_secret(actual: str, expected: str, what: str) -> None:
    """Compare two secret strings (values, keys) without showing either on failure.

    The frame is hidden from tracebacks: pytest would print its arguments.
    """
    __tracebackhide__ = True
    equal = actual == expected
    assert equal, f"{what} differs from what was expected"


# The world the error cases act on.


class Caller(enum.StrEnum):
    """Whose key sends an error case's request."""

    ADMIN = "admin"
    USER = "user"  # every non-admin scope, collaborates on no project of the world
    NARROW = "narrow"  # a key of ``user`` holding only the featurestore scope
    REVOKED = "revoked"  # a key of ``user``, revoked
    MALFORMED = "malformed"  # not a key at all
    FORMER_ADMIN = "former-admin"  # a key given the iam scope while its owner was an admin


@dataclass(frozen=True)
class World:
    """Principals, keys and targets for the error cases; made once per session."""

    url: str
    admin_name: str
    user: str
    project: str  # owned by the admin alone; holds ``project_secret``; ``user`` is no member
    project_secret: str
    private_secret_id: str  # the admin's
    private_secret: str
    file_secret_id: str  # the admin's, of type file
    key_id: str  # an API key of the admin's
    key_name: str
    other_key_name: str  # another API key of the admin's
    role: str  # the only owner of a project
    sole_owner: str  # a user who is the only owner of a project
    policy: str  # a customer IAM policy, attached to nobody
    attached_policy: str  # a customer IAM policy, attached to ``role``
    former_admin: str  # a user who was an admin when its key got the iam scope
    keys: dict[Caller, str] = field(repr=False)

    def key(self, caller: Caller) -> str:
        """The API key ``caller`` sends."""
        return self.keys[caller]

    def admins(self) -> set[str]:
        """The names of every admin user, read with plain HTTP."""
        names: set[str] = set()
        params: dict[str, str | int] = {"limit": 200}
        with client(self.url, self.keys[Caller.ADMIN]) as admin:
            while True:
                page = expect(admin.get("/api/v1/users", params=params), 200)
                names |= {u["name"] for u in page["data"] if u["is_admin"]}
                if page["next_cursor"] is None:
                    return names
                params["cursor"] = page["next_cursor"]


POLICY_DOCUMENT: dict[str, Any] = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "ReadTokens",
            "Effect": "Allow",
            "Action": "secrets:GetSecretValue",
            "Resource": "khrn:secret:project/no-such-project-for-the-client-tests/*",
        }
    ],
}
"""A valid policy document that grants nothing any test relies on."""

UNKNOWN_ACTION_DOCUMENT: dict[str, Any] = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "secrets:GetSecrett", "Resource": "*"}],
}
"""A policy document naming an action that does not exist (at /Statement/0/Action)."""


MANAGED_POLICIES = [
    "keyhouse/AdminAccess",
    "keyhouse/SelfService",
    "keyhouse/ProjectViewer",
    "keyhouse/ProjectMember",
    "keyhouse/ProjectOwner",
]
"""The managed policies, in the order the service lists them."""


def policy_document(
    effect: str, action: str, resource: str, sid: str | None = None
) -> dict[str, Any]:
    """A one-statement document, Statement an object and values single strings."""
    statement: dict[str, Any] = {"Effect": effect, "Action": action, "Resource": resource}
    if sid is not None:
        statement["Sid"] = sid
    return {"Version": "2012-10-17", "Statement": statement}


def stored_document(
    effect: str, action: str, resource: str, sid: str | None = None
) -> dict[str, Any]:
    """``policy_document`` as the service stores it: Statement a list, values lists, Sid first."""
    statement: dict[str, Any] = {} if sid is None else {"Sid": sid}
    statement |= {"Effect": effect, "Action": [action], "Resource": [resource]}
    return {"Version": "2012-10-17", "Statement": [statement]}


def _only_owner(admin: httpx.Client, kind: str, name: str, admin_name: str) -> None:
    """Make a project whose only owner is the user or role ``name``."""
    project = unique("client-owned")
    expect(admin.post("/api/v1/projects", json={"name": project}), 201)
    body = {"principal_kind": kind, "principal_name": name, "role": "owner"}
    expect(admin.post(f"/api/v1/projects/{project}/members", json=body), 201)
    expect(admin.delete(f"/api/v1/projects/{project}/members/user/{admin_name}"), 204)


@pytest.fixture(scope="session")
def world(sqlite_service: KeyhouseServer) -> World:
    """The world of the error cases, made through the API with plain HTTP."""
    url = sqlite_service.url
    with client(url, sqlite_service.admin_key) as admin:
        admin_name = expect(admin.get("/api/v1/whoami"), 200)["principal"]["name"]
        user = make_user(admin, url, scopes=ALL_SCOPES)
        narrow = create_key(
            admin, url, owner_kind="user", owner_name=user.name, scopes=["featurestore"]
        )
        revoked = create_key(admin, url, owner_kind="user", owner_name=user.name, scopes=["job"])
        expect(admin.post(f"/api/v1/api-keys/{revoked.key_id}/revoke"), 200)
        for actor in (user, narrow, revoked):
            actor.http.close()

        project = unique("client-proj")
        expect(admin.post("/api/v1/projects", json={"name": project}), 201)
        shared = unique("client/shared")
        body = {"name": shared, "value": "v", "visibility": "project", "project": project}
        expect(admin.post("/api/v1/secrets", json=body), 201)
        private = unique("client/private")
        file_body = {"name": unique("client/file"), "value": "AAAA", "type": "file"}
        file_id = expect(admin.post("/api/v1/secrets", json=file_body), 201)["id"]
        private_id = expect(
            admin.post("/api/v1/secrets", json={"name": private, "value": "v"}), 201
        )["id"]
        key_name, other_key_name = unique("client-key"), unique("client-key")
        key_id = expect(
            admin.post("/api/v1/api-keys", json={"name": key_name, "scopes": ["job"]}), 201
        )["id"]
        expect(
            admin.post("/api/v1/api-keys", json={"name": other_key_name, "scopes": ["job"]}), 201
        )

        role = unique("client-role")
        expect(admin.post("/api/v1/roles", json={"name": role}), 201)
        _only_owner(admin, "role", role, admin_name)
        sole_owner = unique("client-owner")
        expect(admin.post("/api/v1/users", json={"name": sole_owner}), 201)
        _only_owner(admin, "user", sole_owner, admin_name)

        policy, attached_policy = unique("client-policy"), unique("client-policy")
        for name in (policy, attached_policy):
            new_policy = {"name": name, "document": POLICY_DOCUMENT}
            expect(admin.post("/api/v1/iam/policies", json=new_policy), 201)
        attach = {"principal_kind": "role", "principal_name": role}
        expect(admin.post(f"/api/v1/iam/policies/{attached_policy}/attachments", json=attach), 201)

        former = make_user(admin, url, is_admin=True, scopes=["iam"])
        former.http.close()
        expect(admin.patch(f"/api/v1/users/{former.name}", json={"is_admin": False}), 200)

    return World(
        url=url,
        admin_name=admin_name,
        user=user.name,
        project=project,
        project_secret=shared,
        private_secret_id=private_id,
        file_secret_id=file_id,
        private_secret=private,
        key_id=key_id,
        key_name=key_name,
        other_key_name=other_key_name,
        role=role,
        sole_owner=sole_owner,
        policy=policy,
        attached_policy=attached_policy,
        former_admin=former.name,
        keys={
            Caller.ADMIN: sqlite_service.admin_key,
            Caller.USER: user.key,
            Caller.NARROW: narrow.key,
            Caller.REVOKED: revoked.key,
            Caller.MALFORMED: "kh_this-is-not-a-key",
            Caller.FORMER_ADMIN: former.key,
        },
    )


# The error cases.

Kwargs = Callable[[World], dict[str, Any]]

NO_KEY_ID = "a" * 16  # well formed, never issued (Key IDs are 16 base32 letters)
NO_SECRET_ID = "0" * 32
NO_PROJECT = "no-such-project-for-the-client-tests"
NO_USER = "no-such-user-for-the-client-tests"
NO_ROLE = "no-such-role-for-the-client-tests"
NO_POLICY = "no-such-policy-for-the-client-tests"
TOO_LONG_NAME = "n" * 65  # path names are at most 64 characters
TOO_LONG_DESCRIPTION = "d" * 501
BAD_IDEMPOTENCY_KEY = "k" * 300  # the header allows 1 to 255 characters


@dataclass(frozen=True)
class Case:
    """One request that must fail with one documented status, and what the error must say."""

    resource: str  # the client attribute: kh.<resource>
    operation: str  # the method: kh.<resource>.<operation>(...)
    status: int
    error: type[APIError]
    caller: Caller
    kwargs: Kwargs
    label: str
    reason: str | None = None  # 401: AuthenticationError.reason
    scope: str | None = None  # 403: PermissionDeniedError.scope
    names_project: bool = False  # 403: PermissionDeniedError.project is the world's project
    pointer: str | None = None  # 422: one of ValidationError.errors points here
    detail: Callable[[World], str] | None = None  # what the error's detail must say (part of it)
    # Sets the world up for the case and back afterwards (e.g. leave one admin).
    arrange: Callable[[World], AbstractContextManager[None]] | None = None

    def arranged(self, world: World) -> AbstractContextManager[None]:
        """The case's arrangement of the world, or nothing to arrange."""
        return self.arrange(world) if self.arrange is not None else nullcontext()

    @property
    def id(self) -> str:
        return f"{self.resource}.{self.operation}-{self.status}-{self.label}"

    @property
    def operation_id(self) -> str:
        """The OpenAPI operationId: ``<tag>-<operation>``."""
        return f"{self.resource.replace('_', '-')}-{self.operation}"

    def check(self, error: APIError, world: World) -> None:
        """``error`` is the one this case expects."""
        check_problem(error, self.status, self.error)
        if self.reason is not None:
            assert isinstance(error, AuthenticationError)
            assert error.reason == self.reason
        if self.scope is not None:
            assert isinstance(error, PermissionDeniedError)
            assert error.scope == self.scope
        if self.names_project:
            assert isinstance(error, PermissionDeniedError)
            assert error.project == world.project
        if self.pointer is not None:
            assert isinstance(error, ValidationError)
            pointers = [item["pointer"] for item in error.errors]
            assert self.pointer in pointers
            assert all(item["detail"] for item in error.errors)
        if self.detail is not None:
            expected = self.detail(world)
            assert expected in str(error.detail), f"{expected!r} not in {error.detail!r}"
        if self.caller is Caller.FORMER_ADMIN:
            # The key holds the scope: the refusal comes from the policies, and names none.
            assert isinstance(error, PermissionDeniedError)
            assert error.scope is None


# A request each operation would accept from a caller allowed to make it. The
# 401 and missing-scope cases send these; they name things that do not exist,
# so an authorization bug shows as a 404, never as a change to the world.
ALLOWED: dict[tuple[str, str], Kwargs] = {
    ("keys", "whoami"): lambda w: {},
    ("api_keys", "list"): lambda w: {},
    ("api_keys", "create"): lambda w: {"name": unique("key"), "scopes": ["featurestore"]},
    ("api_keys", "get"): lambda w: {"key_id": NO_KEY_ID},
    ("api_keys", "update"): lambda w: {"key_id": NO_KEY_ID, "name": unique("key")},
    ("api_keys", "delete"): lambda w: {"key_id": NO_KEY_ID},
    ("api_keys", "revoke"): lambda w: {"key_id": NO_KEY_ID},
    ("api_keys", "roll"): lambda w: {"key_id": NO_KEY_ID, "overlap_seconds": 60},
    ("secrets", "list"): lambda w: {},
    ("secrets", "create"): lambda w: {"name": unique("client/s"), "value": "v"},
    ("secrets", "get_by_name"): lambda w: {"name": "no/such/secret"},
    ("secrets", "get_value_by_name"): lambda w: {"name": "no/such/secret"},
    ("secrets", "get"): lambda w: {"secret_id": NO_SECRET_ID},
    ("secrets", "update"): lambda w: {"secret_id": NO_SECRET_ID, "description": "d"},
    ("secrets", "delete"): lambda w: {"secret_id": NO_SECRET_ID},
    ("secrets", "get_value"): lambda w: {"secret_id": NO_SECRET_ID},
    ("secrets", "put_value"): lambda w: {"secret_id": NO_SECRET_ID, "value": "v"},
    ("projects", "list"): lambda w: {},
    ("projects", "create"): lambda w: {"name": unique("client-proj")},
    ("projects", "get"): lambda w: {"project": NO_PROJECT},
    ("projects", "update"): lambda w: {"project": NO_PROJECT, "description": "d"},
    ("projects", "delete"): lambda w: {"project": NO_PROJECT},
    ("projects", "list_members"): lambda w: {"project": NO_PROJECT},
    ("projects", "add_member"): lambda w: {"project": NO_PROJECT, "principal_name": w.user},
    ("projects", "update_member"): lambda w: {
        "project": NO_PROJECT,
        "principal_kind": "user",
        "principal_name": w.user,
        "role": "viewer",
    },
    ("projects", "remove_member"): lambda w: {
        "project": NO_PROJECT,
        "principal_kind": "user",
        "principal_name": w.user,
    },
    ("users", "list"): lambda w: {},
    ("users", "create"): lambda w: {"name": unique("client-user")},
    ("users", "get"): lambda w: {"user": NO_USER},
    ("users", "update"): lambda w: {"user": NO_USER, "email": "someone@example.com"},
    ("users", "delete"): lambda w: {"user": NO_USER},
    ("roles", "list"): lambda w: {},
    ("roles", "create"): lambda w: {"name": unique("client-role")},
    ("roles", "get"): lambda w: {"role": NO_ROLE},
    ("roles", "update"): lambda w: {"role": NO_ROLE, "description": "d"},
    ("roles", "delete"): lambda w: {"role": NO_ROLE},
    ("settings", "get"): lambda w: {},
    ("settings", "update"): lambda w: {},
    ("scopes", "list"): lambda w: {},
    ("scopes", "create"): lambda w: {"name": unique("client-scope")},
    ("audit", "list"): lambda w: {},
    ("iam", "list_policies"): lambda w: {},
    ("iam", "create_policy"): lambda w: {
        "name": unique("client-policy"),
        "document": POLICY_DOCUMENT,
    },
    ("iam", "get_policy"): lambda w: {"policy": NO_POLICY},
    ("iam", "update_policy"): lambda w: {"policy": NO_POLICY, "description": "d"},
    ("iam", "delete_policy"): lambda w: {"policy": NO_POLICY},
    ("iam", "list_attachments"): lambda w: {"policy": NO_POLICY},
    ("iam", "attach_policy"): lambda w: {"policy": NO_POLICY, "principal_name": w.role},
    ("iam", "detach_policy"): lambda w: {
        "policy": NO_POLICY,
        "principal_kind": "role",
        "principal_name": w.role,
    },
    ("iam", "list_actions"): lambda w: {},
    ("iam", "list_managed_policies"): lambda w: {},
    ("iam", "get_managed_policy"): lambda w: {"policy": "ProjectViewer"},
    ("iam", "validate_policy"): lambda w: {"document": POLICY_DOCUMENT},
    ("iam", "simulate"): lambda w: {
        "principal": models.PrincipalRef(kind="role", name=NO_ROLE),
        "action": "secrets:GetSecretValue",
        "resource": "khrn:secret:project/no-such-project-for-the-client-tests/token",
    },
}

# The scope each operation needs; a key holding only ``featurestore`` lacks it.
SCOPE_OF = {
    "api_keys": "keys",
    "secrets": "secrets",
    "projects": "project",
    "users": "iam",
    "roles": "iam",
    "settings": "admin",
    "scopes": "admin",
    "audit": "admin",
    "iam": "iam",
}

# Operations that need no scope (any valid key) document no 403.
NO_SCOPE_NEEDED = {
    ("keys", "whoami"),
    ("settings", "get"),
    ("scopes", "list"),
    ("iam", "list_actions"),
    ("iam", "list_managed_policies"),
    ("iam", "get_managed_policy"),
    ("iam", "validate_policy"),
}

IAM_ACTIONS = {
    "list_policies": "iam:ListPolicies",
    "create_policy": "iam:CreatePolicy",
    "get_policy": "iam:GetPolicy",
    "update_policy": "iam:UpdatePolicy",
    "delete_policy": "iam:DeletePolicy",
    "list_attachments": "iam:ListAttachments",
    "attach_policy": "iam:AttachPolicy",
    "detach_policy": "iam:DetachPolicy",
    "simulate": "iam:SimulatePolicy",
}
"""The admin-only IAM operations, and the action each performs."""


def _unauthenticated() -> list[Case]:
    return [
        Case(
            resource,
            operation,
            401,
            AuthenticationError,
            Caller.REVOKED,
            kwargs,
            "revoked-key",
            reason="revoked",
        )
        for (resource, operation), kwargs in ALLOWED.items()
    ]


def _missing_scope() -> list[Case]:
    return [
        Case(
            resource,
            operation,
            403,
            PermissionDeniedError,
            Caller.NARROW,
            kwargs,
            "missing-scope",
            scope=SCOPE_OF[resource],
        )
        for (resource, operation), kwargs in ALLOWED.items()
        if (resource, operation) not in NO_SCOPE_NEEDED
    ]


def _not_found(resource: str, operation: str, kwargs: Kwargs, label: str) -> Case:
    return Case(resource, operation, 404, NotFoundError, Caller.ADMIN, kwargs, label)


def _conflict(
    resource: str,
    operation: str,
    kwargs: Kwargs,
    label: str,
    arrange: Callable[[World], AbstractContextManager[None]] | None = None,
) -> Case:
    return Case(
        resource,
        operation,
        409,
        ConflictError,
        Caller.ADMIN,
        kwargs,
        label,
        arrange=arrange,
    )


def _invalid(resource: str, operation: str, kwargs: Kwargs, pointer: str) -> Case:
    label = "invalid-" + pointer.strip("/").replace("/", "-")
    return Case(
        resource, operation, 422, ValidationError, Caller.ADMIN, kwargs, label, pointer=pointer
    )


def _bad_idempotency_key(resource: str, operation: str, kwargs: Kwargs) -> Case:
    return Case(
        resource,
        operation,
        400,
        BadRequestError,
        Caller.ADMIN,
        lambda w: {**kwargs(w), "idempotency_key": BAD_IDEMPOTENCY_KEY},
        "idempotency-key-too-long",
    )


def _not_a_collaborator(resource: str, operation: str, kwargs: Kwargs) -> Case:
    return Case(
        resource,
        operation,
        403,
        PermissionDeniedError,
        Caller.USER,
        kwargs,
        "not-a-collaborator",
        names_project=True,
    )


def _not_admin(resource: str, operation: str, scope: str) -> Case:
    return Case(
        resource,
        operation,
        403,
        PermissionDeniedError,
        Caller.USER,
        ALLOWED[(resource, operation)],
        "not-an-admin",
        scope=scope,
    )


def _former_admin(operation: str) -> Case:
    """An iam-scoped key whose owner is no admin any more: the policies refuse it."""
    return Case(
        "iam",
        operation,
        403,
        PermissionDeniedError,
        Caller.FORMER_ADMIN,
        ALLOWED[("iam", operation)],
        "reserved-to-admins",
        detail=lambda w: (
            f"{IAM_ACTIONS[operation]} is reserved to admins; user/{w.former_admin} is not an admin"
        ),
    )


@contextmanager
def _only_admin_left(world: World) -> Iterator[None]:
    """Other tests' admins are demoted for the case and promoted again after it.

    With them around, demoting the bootstrap admin would succeed (and break the
    session) instead of being the last-admin conflict.
    """
    others = sorted(world.admins() - {world.admin_name})
    with client(world.url, world.keys[Caller.ADMIN]) as admin:
        for name in others:
            expect(admin.patch(f"/api/v1/users/{name}", json={"is_admin": False}), 200)
        try:
            yield
        finally:
            for name in others:
                expect(admin.patch(f"/api/v1/users/{name}", json={"is_admin": True}), 200)


def _limit_zero(resource: str, operation: str = "list", **extra: Callable[[World], str]) -> Case:
    return _invalid(
        resource,
        operation,
        lambda w: {"limit": 0, **{name: get(w) for name, get in extra.items()}},
        "/query/limit",
    )


def _member(w: World, principal: str, **extra: str) -> dict[str, Any]:
    return {"project": w.project, "principal_kind": "user", "principal_name": principal, **extra}


SPECIFIC_CASES: list[Case] = [
    # keys
    Case(
        "keys",
        "whoami",
        401,
        AuthenticationError,
        Caller.MALFORMED,
        lambda w: {},
        "malformed-key",
        reason="malformed",
    ),
    _invalid("keys", "verify", lambda w: {"key": ""}, "/body/key"),
    # api_keys
    _bad_idempotency_key("api_keys", "create", ALLOWED[("api_keys", "create")]),
    Case(
        "api_keys",
        "create",
        403,
        PermissionDeniedError,
        Caller.USER,
        lambda w: {"name": unique("key"), "scopes": ["iam"]},
        "grants-a-scope-it-lacks",
        scope="iam",
    ),
    _not_found(
        "api_keys",
        "create",
        lambda w: {"name": unique("key"), "scopes": ["job"], "owner_role": NO_ROLE},
        "unknown-owner-role",
    ),
    _conflict(
        "api_keys", "create", lambda w: {"name": w.key_name, "scopes": ["job"]}, "name-taken"
    ),
    _conflict(
        "api_keys",
        "create",
        lambda w: {"name": unique("key"), "scopes": ["no-such-scope"]},
        "unknown-scope",
    ),
    _invalid(
        "api_keys",
        "create",
        lambda w: {
            "name": unique("key"),
            "scopes": ["job"],
            "owner_role": w.role,
            "owner_user": w.user,
        },
        "/body",
    ),
    _limit_zero("api_keys"),
    _not_found("api_keys", "get", lambda w: {"key_id": NO_KEY_ID}, "unknown-key"),
    _invalid("api_keys", "get", lambda w: {"key_id": "not-a-key-id"}, "/path/key_id"),
    _not_found("api_keys", "update", lambda w: {"key_id": NO_KEY_ID, "name": "x"}, "unknown-key"),
    _conflict(
        "api_keys", "update", lambda w: {"key_id": w.key_id, "name": w.other_key_name}, "name-taken"
    ),
    _invalid("api_keys", "update", lambda w: {"key_id": w.key_id, "scopes": []}, "/body/scopes"),
    _not_found("api_keys", "delete", lambda w: {"key_id": NO_KEY_ID}, "unknown-key"),
    _invalid("api_keys", "delete", lambda w: {"key_id": "not-a-key-id"}, "/path/key_id"),
    _not_found("api_keys", "revoke", lambda w: {"key_id": NO_KEY_ID}, "unknown-key"),
    _invalid("api_keys", "revoke", lambda w: {"key_id": "not-a-key-id"}, "/path/key_id"),
    _bad_idempotency_key("api_keys", "roll", ALLOWED[("api_keys", "roll")]),
    _not_found("api_keys", "roll", ALLOWED[("api_keys", "roll")], "unknown-key"),
    _conflict(
        "api_keys",
        "roll",
        lambda w: {"key_id": parse_key_id(w.keys[Caller.REVOKED]), "overlap_seconds": 60},
        "revoked",
    ),
    _invalid(
        "api_keys",
        "roll",
        lambda w: {"key_id": w.key_id, "overlap_seconds": -1},
        "/body/overlap_seconds",
    ),
    # secrets
    _bad_idempotency_key("secrets", "create", ALLOWED[("secrets", "create")]),
    _not_a_collaborator(
        "secrets",
        "create",
        lambda w: {
            "name": unique("client/s"),
            "value": "v",
            "visibility": "project",
            "project": w.project,
        },
    ),
    _not_found(
        "secrets",
        "create",
        lambda w: {
            "name": unique("client/s"),
            "value": "v",
            "visibility": "project",
            "project": NO_PROJECT,
        },
        "unknown-project",
    ),
    _conflict(
        "secrets", "create", lambda w: {"name": w.private_secret, "value": "v"}, "name-taken"
    ),
    _invalid("secrets", "create", lambda w: {"name": "/leading/slash", "value": "v"}, "/body/name"),
    _not_a_collaborator("secrets", "list", lambda w: {"project": w.project}),
    _limit_zero("secrets"),
    _not_a_collaborator(
        "secrets", "get_by_name", lambda w: {"name": w.project_secret, "project": w.project}
    ),
    _not_found("secrets", "list", lambda w: {"project": NO_PROJECT}, "unknown-project"),
    _not_found("secrets", "get_by_name", lambda w: {"name": "no/such/secret"}, "unknown-name"),
    _invalid("secrets", "get_by_name", lambda w: {"name": "/leading/slash"}, "/query/name"),
    _not_a_collaborator(
        "secrets",
        "get_value_by_name",
        lambda w: {"name": w.project_secret, "project": w.project},
    ),
    _not_found(
        "secrets", "get_value_by_name", lambda w: {"name": "no/such/secret"}, "unknown-name"
    ),
    _invalid("secrets", "get_value_by_name", lambda w: {"name": "/leading/slash"}, "/query/name"),
    _not_found("secrets", "get", lambda w: {"secret_id": NO_SECRET_ID}, "unknown-secret"),
    _invalid("secrets", "get", lambda w: {"secret_id": "not-an-id"}, "/path/secret_id"),
    _not_found(
        "secrets", "update", lambda w: {"secret_id": NO_SECRET_ID, "description": "d"}, "unknown"
    ),
    _invalid(
        "secrets",
        "update",
        lambda w: {"secret_id": w.private_secret_id, "description": TOO_LONG_DESCRIPTION},
        "/body/description",
    ),
    _not_found("secrets", "delete", lambda w: {"secret_id": NO_SECRET_ID}, "unknown-secret"),
    _invalid("secrets", "delete", lambda w: {"secret_id": "not-an-id"}, "/path/secret_id"),
    _not_found("secrets", "get_value", lambda w: {"secret_id": NO_SECRET_ID}, "unknown-secret"),
    _invalid("secrets", "get_value", lambda w: {"secret_id": "not-an-id"}, "/path/secret_id"),
    _not_found(
        "secrets", "put_value", lambda w: {"secret_id": NO_SECRET_ID, "value": "v"}, "unknown"
    ),
    _conflict(
        "secrets",
        "put_value",
        lambda w: {"secret_id": w.file_secret_id, "value": "not base64!"},
        "a-file-needs-base64",
    ),
    _invalid(
        "secrets",
        "put_value",
        lambda w: {"secret_id": w.private_secret_id, "value": ""},
        "/body/value",
    ),
    Case(
        "secrets",
        "put_value",
        412,
        PreconditionFailedError,
        Caller.ADMIN,
        lambda w: {"secret_id": w.private_secret_id, "value": "v", "expected_version": 999},
        "stale-expected-version",
        detail=lambda w: "not 999",
    ),
    # projects
    _bad_idempotency_key("projects", "create", ALLOWED[("projects", "create")]),
    _conflict("projects", "create", lambda w: {"name": w.project}, "name-taken"),
    _invalid("projects", "create", lambda w: {"name": "-starts-with-a-dash"}, "/body/name"),
    _limit_zero("projects"),
    _not_a_collaborator("projects", "get", lambda w: {"project": w.project}),
    _not_found("projects", "get", lambda w: {"project": NO_PROJECT}, "unknown-project"),
    _invalid("projects", "get", lambda w: {"project": TOO_LONG_NAME}, "/path/project"),
    _not_a_collaborator("projects", "update", lambda w: {"project": w.project, "description": "d"}),
    _not_found(
        "projects", "update", lambda w: {"project": NO_PROJECT, "description": "d"}, "unknown"
    ),
    _invalid(
        "projects",
        "update",
        lambda w: {"project": w.project, "description": TOO_LONG_DESCRIPTION},
        "/body/description",
    ),
    _not_a_collaborator("projects", "delete", lambda w: {"project": w.project}),
    _not_found("projects", "delete", lambda w: {"project": NO_PROJECT}, "unknown-project"),
    _conflict("projects", "delete", lambda w: {"project": w.project}, "holds-a-secret"),
    _invalid("projects", "delete", lambda w: {"project": TOO_LONG_NAME}, "/path/project"),
    _not_a_collaborator("projects", "list_members", lambda w: {"project": w.project}),
    _not_found("projects", "list_members", lambda w: {"project": NO_PROJECT}, "unknown-project"),
    _limit_zero("projects", "list_members", project=lambda w: w.project),
    _bad_idempotency_key(
        "projects",
        "add_member",
        lambda w: {"project": w.project, "principal_kind": "role", "principal_name": w.role},
    ),
    _not_a_collaborator(
        "projects", "add_member", lambda w: {"project": w.project, "principal_name": w.user}
    ),
    _not_found(
        "projects",
        "add_member",
        lambda w: {"project": NO_PROJECT, "principal_name": w.user},
        "unknown-project",
    ),
    _conflict(
        "projects",
        "add_member",
        lambda w: {"project": w.project, "principal_name": w.admin_name},
        "already-a-member",
    ),
    _invalid(
        "projects",
        "add_member",
        lambda w: {"project": w.project, "principal_name": "has spaces"},
        "/body/principal_name",
    ),
    _not_found(
        "projects",
        "add_member",
        lambda w: {"project": w.project, "principal_name": NO_USER},
        "unknown-principal",
    ),
    _not_a_collaborator(
        "projects", "update_member", lambda w: _member(w, w.admin_name, role="viewer")
    ),
    _not_found(
        "projects", "update_member", lambda w: _member(w, w.user, role="viewer"), "not-a-member"
    ),
    _conflict(
        "projects", "update_member", lambda w: _member(w, w.admin_name, role="viewer"), "last-owner"
    ),
    _invalid(
        "projects",
        "update_member",
        lambda w: {**_member(w, w.admin_name, role="viewer"), "project": TOO_LONG_NAME},
        "/path/project",
    ),
    _not_a_collaborator("projects", "remove_member", lambda w: _member(w, w.admin_name)),
    _not_found("projects", "remove_member", lambda w: _member(w, w.user), "not-a-member"),
    _conflict("projects", "remove_member", lambda w: _member(w, w.admin_name), "last-owner"),
    _invalid(
        "projects",
        "remove_member",
        lambda w: {**_member(w, w.admin_name), "project": TOO_LONG_NAME},
        "/path/project",
    ),
    # users
    _bad_idempotency_key("users", "create", ALLOWED[("users", "create")]),
    _not_admin("users", "create", "iam"),
    _conflict("users", "create", lambda w: {"name": w.user}, "name-taken"),
    _invalid("users", "create", lambda w: {"name": "has spaces"}, "/body/name"),
    _not_admin("users", "list", "iam"),
    _limit_zero("users"),
    _not_found("users", "get", lambda w: {"user": NO_USER}, "unknown-user"),
    _invalid("users", "get", lambda w: {"user": TOO_LONG_NAME}, "/path/user"),
    _not_found("users", "update", lambda w: {"user": NO_USER, "email": "a@example.com"}, "unknown"),
    _conflict(
        "users",
        "update",
        lambda w: {"user": w.admin_name, "is_admin": False},
        "last-admin",
        arrange=_only_admin_left,
    ),
    _invalid("users", "update", lambda w: {"user": w.user, "email": "not-an-email"}, "/body/email"),
    _not_found("users", "delete", lambda w: {"user": NO_USER}, "unknown-user"),
    _conflict("users", "delete", lambda w: {"user": w.sole_owner}, "only-owner-of-a-project"),
    _invalid("users", "delete", lambda w: {"user": TOO_LONG_NAME}, "/path/user"),
    # roles
    _bad_idempotency_key("roles", "create", ALLOWED[("roles", "create")]),
    _conflict("roles", "create", lambda w: {"name": w.role}, "name-taken"),
    _invalid("roles", "create", lambda w: {"name": "has spaces"}, "/body/name"),
    _not_admin("roles", "list", "iam"),
    _limit_zero("roles"),
    _not_found("roles", "get", lambda w: {"role": NO_ROLE}, "unknown-role"),
    _invalid("roles", "get", lambda w: {"role": TOO_LONG_NAME}, "/path/role"),
    _not_found("roles", "update", lambda w: {"role": NO_ROLE, "description": "d"}, "unknown-role"),
    _invalid(
        "roles",
        "update",
        lambda w: {"role": w.role, "description": TOO_LONG_DESCRIPTION},
        "/body/description",
    ),
    _not_found("roles", "delete", lambda w: {"role": NO_ROLE}, "unknown-role"),
    _conflict("roles", "delete", lambda w: {"role": w.role}, "only-owner-of-a-project"),
    _invalid("roles", "delete", lambda w: {"role": TOO_LONG_NAME}, "/path/role"),
    # settings
    Case(
        "settings",
        "get",
        401,
        AuthenticationError,
        Caller.MALFORMED,
        lambda w: {},
        "malformed-key",
        reason="malformed",
    ),
    _not_admin("settings", "update", "admin"),
    _conflict(
        "settings",
        "update",
        lambda w: {"default_key_lifetime_days": 36500},
        "default-beyond-maximum",
    ),
    _invalid(
        "settings",
        "update",
        lambda w: {"default_key_lifetime_days": 0},
        "/body/default_key_lifetime_days",
    ),
    # scopes
    _limit_zero("scopes"),
    _bad_idempotency_key("scopes", "create", ALLOWED[("scopes", "create")]),
    _not_admin("scopes", "create", "admin"),
    _conflict("scopes", "create", lambda w: {"name": "secrets"}, "builtin-name"),
    _invalid("scopes", "create", lambda w: {"name": "has spaces"}, "/body/name"),
    # audit
    _not_admin("audit", "list", "admin"),
    _limit_zero("audit"),
    # iam: a non-admin's key holding the iam scope (its owner was demoted)
    *(_former_admin(operation) for operation in IAM_ACTIONS),
    # iam: policies
    _bad_idempotency_key("iam", "create_policy", ALLOWED[("iam", "create_policy")]),
    _conflict(
        "iam",
        "create_policy",
        lambda w: {"name": w.policy, "document": POLICY_DOCUMENT},
        "name-taken",
    ),
    _invalid(
        "iam",
        "create_policy",
        lambda w: {"name": unique("client-policy"), "document": UNKNOWN_ACTION_DOCUMENT},
        "/body/document/Statement/0/Action",
    ),
    _limit_zero("iam", "list_policies"),
    _not_found("iam", "get_policy", lambda w: {"policy": NO_POLICY}, "unknown-policy"),
    _invalid("iam", "get_policy", lambda w: {"policy": TOO_LONG_NAME}, "/path/policy"),
    _not_found(
        "iam",
        "update_policy",
        lambda w: {"policy": NO_POLICY, "description": "d"},
        "unknown-policy",
    ),
    _invalid(
        "iam",
        "update_policy",
        lambda w: {"policy": w.policy, "document": UNKNOWN_ACTION_DOCUMENT},
        "/body/document/Statement/0/Action",
    ),
    _not_found("iam", "delete_policy", lambda w: {"policy": NO_POLICY}, "unknown-policy"),
    Case(
        "iam",
        "delete_policy",
        409,
        ConflictError,
        Caller.ADMIN,
        lambda w: {"policy": w.attached_policy},
        "attached",
        detail=lambda w: f"is attached to khrn:role:{w.role}; detach it first",
    ),
    _invalid("iam", "delete_policy", lambda w: {"policy": TOO_LONG_NAME}, "/path/policy"),
    # iam: attachments
    _bad_idempotency_key("iam", "attach_policy", ALLOWED[("iam", "attach_policy")]),
    _not_found(
        "iam",
        "attach_policy",
        lambda w: {"policy": NO_POLICY, "principal_name": w.role},
        "unknown-policy",
    ),
    Case(
        "iam",
        "attach_policy",
        409,
        ConflictError,
        Caller.ADMIN,
        lambda w: {"policy": w.attached_policy, "principal_name": w.role},
        "already-attached",
        detail=lambda w: f"policy '{w.attached_policy}' is already attached to khrn:role:{w.role}",
    ),
    _invalid(
        "iam",
        "attach_policy",
        lambda w: {"policy": w.policy, "principal_name": "has spaces"},
        "/body/principal_name",
    ),
    _not_found(
        "iam",
        "attach_policy",
        lambda w: {"policy": w.policy, "principal_name": NO_ROLE},
        "unknown-principal",
    ),
    _not_found("iam", "list_attachments", lambda w: {"policy": NO_POLICY}, "unknown-policy"),
    _limit_zero("iam", "list_attachments", policy=lambda w: w.policy),
    Case(
        "iam",
        "detach_policy",
        404,
        NotFoundError,
        Caller.ADMIN,
        lambda w: {"policy": w.policy, "principal_kind": "role", "principal_name": w.role},
        "not-attached",
        detail=lambda w: f"policy '{w.policy}' is not attached to khrn:role:{w.role}",
    ),
    _invalid(
        "iam",
        "detach_policy",
        lambda w: {"policy": TOO_LONG_NAME, "principal_kind": "role", "principal_name": w.role},
        "/path/policy",
    ),
    # iam: tools
    _not_found(
        "iam", "get_managed_policy", lambda w: {"policy": "NoSuchManagedPolicy"}, "unknown-name"
    ),
    _invalid("iam", "get_managed_policy", lambda w: {"policy": TOO_LONG_NAME}, "/path/policy"),
    # The client requires the document (any JSON is one): leaving it out is the only
    # request it can send that does not validate.
    _invalid("iam", "validate_policy", lambda w: {"document": NOT_GIVEN}, "/body/document"),
    _not_found("iam", "simulate", ALLOWED[("iam", "simulate")], "unknown-principal"),
    _invalid(
        "iam",
        "simulate",
        lambda w: {"action": "secrets:GetSecretValue", "resource": "khrn:secret:x/y/z"},
        "/body/principal",
    ),
    _invalid(
        "iam",
        "simulate",
        lambda w: {
            "policies": [POLICY_DOCUMENT, UNKNOWN_ACTION_DOCUMENT],
            "action": "secrets:GetSecretValue",
            "resource": "khrn:secret:x/y/z",
        },
        "/body/policies/1/Statement/0/Action",
    ),
]

ERROR_CASES: list[Case] = [*_unauthenticated(), *_missing_scope(), *SPECIFIC_CASES]
"""Every documented error status of every operation, provoked (test_coverage checks it)."""
