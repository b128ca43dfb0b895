"""Bad input is refused with a problem detail naming the field, and changes nothing.

A 422 when the request breaks a rule the contract states; a 409 when it is
well formed but the service's state refuses it (the lifetime policy, the scope
catalog, the clock); a 404 when it names an object that does not exist.

Every case sends a request that would succeed but for one bad part, and checks
that the answer is ``application/problem+json`` with an ``errors`` entry whose
pointer names that part (and its detail the limit, where there is one); that
the submitted secret value is never echoed; and, through the API, that
nothing was created or changed. Also: unknown routes, wrong methods, malformed
JSON, forged pagination cursors and out-of-range page sizes.
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.actors import Actor, client, expect, make_user, unique
from tests.support.keyhouse_server import KeyhouseServer

PROBLEM = "application/problem+json"
VALUE = f"do-not-echo-{uuid.uuid4().hex}"
"""Part of every secret value (and key) sent: no response may contain it."""

MAX_VALUE, MAX_SECRET_NAME, MAX_NAME, MAX_DESCRIPTION = 9000, 256, 64, 500
HARD_LIFETIME_LIMIT = 36500


@dataclass
class Env:
    """A user with a project, a secret and a spare key; the admin; things to change."""

    admin: httpx.Client
    user: Actor
    project: str
    secret_id: str
    key_id: str
    member: str
    subject_user: str
    subject_role: str

    def path(self, template: str) -> str:
        """``template`` with ``{project}``, ``{secret}``... filled in."""
        return template.format(
            project=self.project,
            secret=self.secret_id,
            key=self.key_id,
            member=self.member,
            user=self.subject_user,
            role=self.subject_role,
        )

    def max_lifetime(self) -> int:
        """The admin's maximum key lifetime, in days."""
        days: int = expect(self.admin.get("/api/v1/settings"), 200)["max_key_lifetime_days"]
        return days


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> KeyhouseServer:
    """The key service, once per backend, for the whole module."""
    server: KeyhouseServer = request.getfixturevalue(f"{request.param}_service")
    return server


@pytest.fixture(scope="module")
def env(backend: KeyhouseServer) -> Iterator[Env]:
    """What the bad requests aim at, made once per backend."""
    with client(backend.url, backend.admin_key) as admin:
        user = make_user(admin, backend.url)
        project = unique("proj")
        expect(user.post("/api/v1/projects", json={"name": project}), 201)
        secret = expect(
            user.post("/api/v1/secrets", json={"name": unique("bad/target"), "value": VALUE}), 201
        )
        key = expect(
            user.post("/api/v1/api-keys", json={"name": unique("spare"), "scopes": ["keys"]}), 201
        )
        member, subject_user, subject_role = unique("user"), unique("subject"), unique("subject")
        expect(admin.post("/api/v1/users", json={"name": member}), 201)
        expect(admin.post("/api/v1/users", json={"name": subject_user}), 201)
        expect(admin.post("/api/v1/roles", json={"name": subject_role}), 201)
        body = {"principal_kind": "user", "principal_name": member, "role": "viewer"}
        expect(admin.post(f"/api/v1/projects/{project}/members", json=body), 201)
        try:
            yield Env(
                admin=admin,
                user=user,
                project=project,
                secret_id=secret["id"],
                key_id=key["id"],
                member=member,
                subject_user=subject_user,
                subject_role=subject_role,
            )
        finally:
            user.http.close()


# Reading state through the API, to show a refused request changed nothing.


def _pages(http: httpx.Client, path: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    params = {"limit": "200"}
    while True:
        page = expect(http.get(path, params=params), 200)
        items.extend(page["data"])
        if page["next_cursor"] is None:
            return items
        params["cursor"] = page["next_cursor"]


def _keys(env: Env) -> Any:
    return [
        {k: v for k, v in key.items() if k != "last_used_at"}
        for key in _pages(env.user.http, "/api/v1/api-keys")
    ]


def _secrets(env: Env) -> Any:
    value = expect(env.user.get(f"/api/v1/secrets/{env.secret_id}/value"), 200)["value"]
    return _pages(env.user.http, "/api/v1/secrets"), value == VALUE


def _projects(env: Env) -> Any:
    members = _pages(env.user.http, f"/api/v1/projects/{env.project}/members")
    return _pages(env.user.http, "/api/v1/projects"), members


STATE: dict[str, Callable[[Env], Any]] = {
    "secrets": _secrets,
    "api-keys": _keys,
    "projects": _projects,
    "users": lambda env: _pages(env.admin, "/api/v1/users"),
    "roles": lambda env: _pages(env.admin, "/api/v1/roles"),
    "scopes": lambda env: _pages(env.user.http, "/api/v1/scopes"),
    "settings": lambda env: expect(env.admin.get("/api/v1/settings"), 200),
    "nothing": lambda env: None,
}


def send(http: httpx.Client, method: str, path: str, **kwargs: Any) -> httpx.Response:
    """Send a request; a dropped connection (the service crashed on it) fails the test."""
    try:
        return http.request(method, path, **kwargs)
    except httpx.TransportError as exc:
        pytest.fail(f"{method} {path}: the connection was dropped ({exc!r}): an unhandled error")


SLUGS = {422: "validation", 409: "conflict", 404: "not-found"}


def assert_invalid(
    response: httpx.Response, pointer: str, mentions: str | None = None, status: int = 422
) -> Any:
    """A problem detail of ``status`` with an error at ``pointer``, naming ``mentions``."""
    body = expect(response, status)
    assert response.headers["content-type"] == PROBLEM
    assert body["type"] == f"urn:keyhouse:problem:{SLUGS[status]}"
    assert body["status"] == status
    errors = {error["pointer"]: error["detail"] for error in body["errors"]}
    assert pointer in errors, f"no error at {pointer}: {errors}"
    if mentions is not None:
        assert mentions in errors[pointer]
        assert mentions in body["detail"]
    assert VALUE not in response.text
    return body


# The cases.

Body = Any
"""A JSON body, or a function of the environment that makes one."""
Mentions = str | Callable[[Env], str] | None
"""What the error's detail must name: text, or a function of the environment."""


@dataclass(frozen=True)
class Bad:
    """A request that would succeed but for the part at ``pointer``.

    ``state`` names how to read, through the API, what the request could have changed.
    """

    state: str
    method: str
    path: str
    body: Body
    pointer: str
    mentions: Mentions = None
    admin: bool = False
    status: int = 422


class Endpoint:
    """Where bad requests go, and how to read what they could have changed."""

    def __init__(self, state: str, method: str, path: str, *, admin: bool = False) -> None:
        self.state, self.method, self.path, self.admin = state, method, path, admin

    def __call__(
        self, case_id: str, body: Body, pointer: str, mentions: Mentions = None, status: int = 422
    ) -> Any:
        """One case, as a pytest parameter."""
        case = Bad(self.state, self.method, self.path, body, pointer, mentions, self.admin, status)
        return pytest.param(case, id=case_id)


CONTROL_CHARACTERS = [("nul", "\x00"), ("newline", "\n"), ("del", "\x7f")]


def _long(length: int) -> str:
    tag = unique("bad")
    return tag + "x" * (length - len(tag))


def name_cases(
    endpoint: Endpoint, label: str, body: Callable[[str], Body], max_length: int
) -> list[Any]:
    """A name too long, empty, with '..', or with a control character inside or at the end."""
    names: list[tuple[str, str, str | None]] = [
        ("too-long", _long(max_length + 1), str(max_length)),
        ("empty", "", "at least 1"),
        ("dot-dot", f"{unique('bad')}..x", None),
    ]
    for character_name, character in CONTROL_CHARACTERS:
        tag = unique("bad")
        names.append((f"{character_name}-inside", f"{tag[:3]}{character}{tag[3:]}", None))
        names.append((f"{character_name}-at-end", f"{tag}{character}", None))
    return [
        endpoint(f"{label}-{case}", body(name), "/body/name", mentions)
        for case, name, mentions in names
    ]


def _secret(name: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "value": VALUE, **extra}


def _key(name: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "scopes": ["keys"], **extra}


def _named(name: str) -> dict[str, Any]:
    return {"name": name}


def _max_days(env: Env) -> str:
    return f"{env.max_lifetime()} days"


def _days_beyond_maximum(env: Env) -> dict[str, Any]:
    return _key(unique("k"), expires_in_days=env.max_lifetime() + 1)


def _timestamp_beyond_maximum(env: Env) -> dict[str, Any]:
    when = datetime.now(UTC) + timedelta(days=env.max_lifetime() + 2)
    return _key(unique("k"), expires_at=when.isoformat())


def _default_beyond_maximum(env: Env) -> dict[str, Any]:
    return {"default_key_lifetime_days": env.max_lifetime() + 1}


def _maximum_named(env: Env) -> str:
    return f"max_key_lifetime_days ({env.max_lifetime()})"


LONG_VALUE = VALUE.ljust(MAX_VALUE + 1, "x")
LONG_DESCRIPTION = "d" * (MAX_DESCRIPTION + 1)

new_secret = Endpoint("secrets", "POST", "/api/v1/secrets")
put_value = Endpoint("secrets", "PUT", "/api/v1/secrets/{secret}/value")
patch_secret = Endpoint("secrets", "PATCH", "/api/v1/secrets/{secret}")

SECRET_CASES = [
    *name_cases(new_secret, "name", _secret, MAX_SECRET_NAME),
    new_secret("name-dot-dot-segment", _secret(f"{unique('bad')}/../x"), "/body/name"),
    new_secret("name-leading-slash", _secret(f"/{unique('bad')}"), "/body/name", "'/'"),
    new_secret("name-double-slash", _secret(f"{unique('bad')}//x"), "/body/name", "'//'"),
    new_secret("name-trailing-slash", _secret(f"{unique('bad')}/"), "/body/name", "'/'"),
    new_secret("name-not-a-string", {"name": 12345, "value": VALUE}, "/body/name"),
    new_secret(
        "value-too-long",
        _secret(unique("bad")) | {"value": LONG_VALUE},
        "/body/value",
        str(MAX_VALUE),
    ),
    new_secret("value-empty", _secret(unique("bad")) | {"value": ""}, "/body/value", "at least 1"),
    new_secret("value-not-a-string", _secret(unique("bad")) | {"value": [VALUE]}, "/body/value"),
    new_secret(
        "file-value-not-base64", _secret(unique("bad"), type="file"), "/body/value", "base64"
    ),
    new_secret("type-unknown", _secret(unique("bad"), type="binary"), "/body/type"),
    new_secret(
        "visibility-public", _secret(unique("bad"), visibility="public"), "/body/visibility"
    ),
    new_secret(
        "project-not-an-identifier",
        _secret(unique("bad"), visibility="project", project="../etc"),
        "/body/project",
    ),
    new_secret(
        "description-too-long",
        _secret(unique("bad"), description=LONG_DESCRIPTION),
        "/body/description",
        str(MAX_DESCRIPTION),
    ),
    new_secret("unknown-field", _secret(unique("bad"), colour="red"), "/body/colour"),
    put_value("put-value-too-long", {"value": LONG_VALUE}, "/body/value", str(MAX_VALUE)),
    put_value("put-value-empty", {"value": ""}, "/body/value", "at least 1"),
    put_value(
        "put-file-value-not-base64", {"value": VALUE, "type": "file"}, "/body/value", "base64"
    ),
    put_value("put-unknown-field", {"value": VALUE, "version": 7}, "/body/version"),
    patch_secret(
        "patch-description-too-long",
        {"description": LONG_DESCRIPTION},
        "/body/description",
        str(MAX_DESCRIPTION),
    ),
    patch_secret("patch-unknown-field", {"name": unique("renamed")}, "/body/name"),
]

new_key = Endpoint("api-keys", "POST", "/api/v1/api-keys")
patch_key = Endpoint("api-keys", "PATCH", "/api/v1/api-keys/{key}")

KEY_CASES = [
    *name_cases(new_key, "name", _key, MAX_NAME),
    new_key("scopes-a-string", _key(unique("k"), scopes="keys"), "/body/scopes"),
    new_key("scopes-empty", _key(unique("k"), scopes=[]), "/body/scopes", "at least 1"),
    new_key(
        "scope-unknown",
        _key(unique("k"), scopes=["keys", VALUE[:60]]),  # not repeated: assert_invalid checks
        "/body/scopes/1",
        "unknown scope",
        409,
    ),
    new_key(
        "expires-in-days-ten", _key(unique("k"), expires_in_days="ten"), "/body/expires_in_days"
    ),
    new_key(
        "expires-in-days-zero",
        _key(unique("k"), expires_in_days=0),
        "/body/expires_in_days",
        "greater than or equal to 1",
    ),
    new_key(
        "expires-in-days-negative",
        _key(unique("k"), expires_in_days=-5),
        "/body/expires_in_days",
        "greater than or equal to 1",
    ),
    new_key(
        "expires-in-days-beyond-maximum",
        _days_beyond_maximum,
        "/body/expires_in_days",
        _max_days,
        409,
    ),
    # Beyond any lifetime the service allows: refused, naming the limit that applies.
    new_key(
        "expires-in-days-beyond-hard-limit",
        _key(unique("k"), expires_in_days=HARD_LIFETIME_LIMIT + 1),
        "/body/expires_in_days",
        _max_days,
        409,
    ),
    new_key(
        "expires-in-days-huge",
        _key(unique("k"), expires_in_days=10**20),
        "/body/expires_in_days",
        _max_days,
        409,
    ),
    new_key(
        "expires-at-in-the-past",
        _key(unique("k"), expires_at="2020-01-01T00:00:00Z"),
        "/body/expires_at",
        "future",
        409,
    ),
    new_key(
        "expires-at-beyond-maximum", _timestamp_beyond_maximum, "/body/expires_at", _max_days, 409
    ),
    new_key(
        "expires-at-without-time-zone",
        _key(unique("k"), expires_at="2030-01-01T00:00:00"),
        "/body/expires_at",
        "time zone",
    ),
    new_key(
        "project-unknown",
        _key(unique("k"), project=unique("nosuch")),
        "/body/project",
        status=404,
    ),
    new_key("unknown-field", _key(unique("k"), colour="red"), "/body/colour"),
    patch_key("patch-name-too-long", {"name": _long(MAX_NAME + 1)}, "/body/name", str(MAX_NAME)),
    patch_key("patch-scopes-a-string", {"scopes": "keys"}, "/body/scopes"),
    patch_key("patch-unknown-field", {"expires_in_days": 5}, "/body/expires_in_days"),
]


def _member(**extra: Any) -> dict[str, Any]:
    return {"principal_kind": "user", "principal_name": unique("user"), "role": "viewer", **extra}


new_project = Endpoint("projects", "POST", "/api/v1/projects")
patch_project = Endpoint("projects", "PATCH", "/api/v1/projects/{project}")
add_member = Endpoint("projects", "POST", "/api/v1/projects/{project}/members")
patch_member = Endpoint("projects", "PATCH", "/api/v1/projects/{project}/members/user/{member}")

PROJECT_CASES = [
    *name_cases(new_project, "name", _named, MAX_NAME),
    new_project("name-not-a-string", {"name": 7}, "/body/name"),
    new_project(
        "description-too-long",
        {"name": unique("p"), "description": LONG_DESCRIPTION},
        "/body/description",
        str(MAX_DESCRIPTION),
    ),
    new_project("unknown-field", {"name": unique("p"), "owner": "someone"}, "/body/owner"),
    patch_project(
        "patch-description-too-long",
        {"description": LONG_DESCRIPTION},
        "/body/description",
        str(MAX_DESCRIPTION),
    ),
    patch_project("patch-unknown-field", {"name": unique("p")}, "/body/name"),
    add_member(
        "member-name-too-long",
        _member(principal_name=_long(MAX_NAME + 1)),
        "/body/principal_name",
        str(MAX_NAME),
    ),
    add_member("member-role-admin", _member(role="admin"), "/body/role"),
    add_member("member-kind-group", _member(principal_kind="group"), "/body/principal_kind"),
    add_member("member-unknown-field", _member(expires="never"), "/body/expires"),
    patch_member("patch-member-role-admin", {"role": "admin"}, "/body/role"),
    patch_member(
        "patch-member-unknown-field",
        {"role": "member", "principal_kind": "role"},
        "/body/principal_kind",
    ),
]

new_user = Endpoint("users", "POST", "/api/v1/users", admin=True)
patch_user = Endpoint("users", "PATCH", "/api/v1/users/{user}", admin=True)
new_role = Endpoint("roles", "POST", "/api/v1/roles", admin=True)
patch_role = Endpoint("roles", "PATCH", "/api/v1/roles/{role}", admin=True)
new_scope = Endpoint("scopes", "POST", "/api/v1/scopes", admin=True)
patch_settings = Endpoint("settings", "PATCH", "/api/v1/settings", admin=True)
verify = Endpoint("nothing", "POST", "/api/v1/keys:verify")

IAM_CASES = [
    *name_cases(new_user, "user-name", _named, MAX_NAME),
    new_user("user-email-invalid", {"name": unique("u"), "email": "not-an-email"}, "/body/email"),
    new_user("user-is-admin-maybe", {"name": unique("u"), "is_admin": "maybe"}, "/body/is_admin"),
    new_user("user-unknown-field", {"name": unique("u"), "password": "hunter2"}, "/body/password"),
    patch_user("patch-user-email-invalid", {"email": "not-an-email"}, "/body/email"),
    patch_user("patch-user-unknown-field", {"name": unique("u")}, "/body/name"),
    *name_cases(new_role, "role-name", _named, MAX_NAME),
    new_role(
        "role-description-too-long",
        {"name": unique("r"), "description": LONG_DESCRIPTION},
        "/body/description",
        str(MAX_DESCRIPTION),
    ),
    new_role("role-unknown-field", {"name": unique("r"), "is_admin": True}, "/body/is_admin"),
    patch_role(
        "patch-role-description-too-long",
        {"description": LONG_DESCRIPTION},
        "/body/description",
        str(MAX_DESCRIPTION),
    ),
    patch_role("patch-role-unknown-field", {"name": unique("r")}, "/body/name"),
    *name_cases(new_scope, "scope-name", _named, MAX_NAME),
    new_scope(
        "scope-description-too-long",
        {"name": unique("s"), "description": LONG_DESCRIPTION},
        "/body/description",
        str(MAX_DESCRIPTION),
    ),
    new_scope("scope-unknown-field", {"name": unique("s"), "builtin": True}, "/body/builtin"),
    patch_settings(
        "settings-maximum-zero",
        {"max_key_lifetime_days": 0},
        "/body/max_key_lifetime_days",
        "greater than or equal to 1",
    ),
    patch_settings(
        "settings-maximum-negative",
        {"max_key_lifetime_days": -1},
        "/body/max_key_lifetime_days",
        "greater than or equal to 1",
    ),
    patch_settings(
        "settings-maximum-beyond-hard-limit",
        {"max_key_lifetime_days": HARD_LIFETIME_LIMIT + 1},
        "/body/max_key_lifetime_days",
        str(HARD_LIFETIME_LIMIT),
    ),
    patch_settings(
        "settings-maximum-ten", {"max_key_lifetime_days": "ten"}, "/body/max_key_lifetime_days"
    ),
    patch_settings(
        "settings-default-zero",
        {"default_key_lifetime_days": 0},
        "/body/default_key_lifetime_days",
        "greater than or equal to 1",
    ),
    patch_settings(
        "settings-default-beyond-maximum",
        _default_beyond_maximum,
        "/body/default_key_lifetime_days",
        _maximum_named,
        409,
    ),
    patch_settings(
        "settings-unknown-field", {"idempotency_window_hours": 1}, "/body/idempotency_window_hours"
    ),
    verify("verify-key-too-long", {"key": VALUE.ljust(201, "x")}, "/body/key", "200"),
    verify("verify-unknown-field", {"key": VALUE, "tenant": "x"}, "/body/tenant"),
]


def check_bad(env: Env, case: Bad) -> None:
    """Send the bad request: a 422 naming the part, no echo, and nothing changed."""
    http = env.admin if case.admin else env.user.http
    body = case.body(env) if callable(case.body) else case.body
    mentions = case.mentions(env) if callable(case.mentions) else case.mentions
    before = STATE[case.state](env)
    response = send(http, case.method, env.path(case.path), json=body)
    problem = assert_invalid(response, case.pointer, mentions, case.status)
    assert case.pointer.split("/")[2] in problem["detail"]  # the detail names the field
    assert STATE[case.state](env) == before


@pytest.mark.parametrize("case", SECRET_CASES)
def test_secrets(env: Env, case: Bad) -> None:
    check_bad(env, case)


@pytest.mark.parametrize("case", KEY_CASES)
def test_api_keys(env: Env, case: Bad) -> None:
    check_bad(env, case)


@pytest.mark.parametrize("case", PROJECT_CASES)
def test_projects_and_members(env: Env, case: Bad) -> None:
    check_bad(env, case)


@pytest.mark.parametrize("case", IAM_CASES)
def test_users_roles_scopes_settings(env: Env, case: Bad) -> None:
    check_bad(env, case)


# Routes, methods and bodies that are wrong before any field is read.


def assert_problem(response: httpx.Response, status: int, slug: str) -> Any:
    """A problem detail of ``status`` and type ``slug``; the body."""
    body = expect(response, status)
    assert response.headers["content-type"] == PROBLEM
    assert body["type"] == f"urn:keyhouse:problem:{slug}"
    assert body["status"] == status
    assert body["instance"] == response.request.url.path
    return body


@pytest.mark.parametrize("with_key", [True, False], ids=["with-key", "without-key"])
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/v1/nope"),
        ("POST", "/api/v1/secrets/by-name/extra"),
        ("GET", "/api/v2/secrets"),
        ("DELETE", "/nope"),
    ],
)
def test_an_unknown_route_is_a_404_problem(
    env: Env, backend: KeyhouseServer, method: str, path: str, with_key: bool
) -> None:
    with client(backend.url, env.user.key if with_key else None) as http:
        body = assert_problem(send(http, method, path), 404, "not-found")
    assert path in body["detail"]


WRONG_METHODS = [
    pytest.param(method, path, allowed, id=f"{method} {path}")
    for method, path, allowed in [
        ("PUT", "/api/v1/projects", {"GET", "POST"}),
        ("DELETE", "/api/v1/whoami", {"GET"}),
        ("POST", "/api/v1/settings", {"GET", "PATCH"}),
        ("PUT", "/api/v1/secrets/{secret}", {"GET", "PATCH", "DELETE"}),
        ("GET", "/api/v1/keys:verify", {"POST"}),
        ("PATCH", "/api/v1/secrets/by-name", {"GET"}),
        ("DELETE", "/api/v1/secrets/by-name", {"GET"}),
    ]
]


@pytest.mark.parametrize(("method", "path", "allowed"), WRONG_METHODS)
def test_a_wrong_method_is_a_405_problem(
    env: Env, method: str, path: str, allowed: set[str]
) -> None:
    before = _secrets(env)
    response = send(env.user.http, method, env.path(path), json={"name": unique("p")})
    body = assert_problem(response, 405, "method-not-allowed")
    assert method in body["detail"]
    assert response.headers.get("allow")
    assert _secrets(env) == before


@pytest.mark.parametrize(("method", "path", "allowed"), WRONG_METHODS)
def test_a_405_lists_every_allowed_method(
    env: Env, method: str, path: str, allowed: set[str]
) -> None:
    # RFC 9110, 15.5.6: the Allow header lists the target resource's supported methods.
    response = send(env.user.http, method, env.path(path))
    expect(response, 405)
    listed = {m.strip() for m in response.headers["allow"].split(",")} - {"HEAD", "OPTIONS"}
    assert listed == allowed


MALFORMED_JSON = [
    pytest.param("projects", "POST", "/api/v1/projects", '{"name": ', False, id="projects"),
    pytest.param(
        "secrets",
        "POST",
        "/api/v1/secrets",
        '{"name": "x", "value": "' + VALUE + '",',
        False,
        id="secrets",
    ),
    pytest.param(
        "secrets",
        "PUT",
        "/api/v1/secrets/{secret}/value",
        '{"value": "' + VALUE + '" "',
        False,
        id="secret-value",
    ),
    pytest.param("api-keys", "POST", "/api/v1/api-keys", "{'name': 'k'}", False, id="api-keys"),
    pytest.param("settings", "PATCH", "/api/v1/settings", "[1, 2", True, id="settings"),
    pytest.param("nothing", "POST", "/api/v1/keys:verify", '{"key": "' + VALUE, False, id="verify"),
]


@pytest.mark.parametrize(("state", "method", "path", "content", "admin"), MALFORMED_JSON)
def test_a_malformed_json_body_is_a_422_problem(
    env: Env, state: str, method: str, path: str, content: str, admin: bool
) -> None:
    http = env.admin if admin else env.user.http
    before = STATE[state](env)
    response = send(
        http,
        method,
        env.path(path),
        content=content.encode(),
        headers={"content-type": "application/json"},
    )
    body = assert_problem(response, 422, "validation")
    assert body["errors"]
    assert all(error["pointer"].startswith("/body") for error in body["errors"])
    assert VALUE not in response.text
    assert STATE[state](env) == before


# Pagination: forged cursors and page sizes out of range.


def _cursor(values: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


LISTS = [
    # (id, path, sent by the admin, the kinds of values the cursor holds)
    ("api-keys", "/api/v1/api-keys", False, ("time", "id")),
    ("secrets", "/api/v1/secrets", False, ("time", "id")),
    ("members", "/api/v1/projects/{project}/members", False, ("time", "id")),
    ("projects", "/api/v1/projects", False, ("name",)),
    ("users", "/api/v1/users", True, ("name",)),
    ("roles", "/api/v1/roles", True, ("name",)),
    ("scopes", "/api/v1/scopes", False, ("name",)),
    ("audit", "/api/v1/audit", True, ("number",)),
]


def _bad_cursors(kinds: tuple[str, ...]) -> list[tuple[str, str]]:
    size = len(kinds)
    cursors = [
        ("not-base64-json", "!!!"),
        ("not-json", base64.urlsafe_b64encode(b"not json").decode()),
        ("not-a-list", _cursor({"after": 1})),
        ("too-many-values", _cursor(["a"] * (size + 1))),
        ("objects", _cursor([{"a": 1}] * size)),
        ("nulls", _cursor([None] * size)),
        ("booleans", _cursor([True] * size)),
        ("lists", _cursor([[1]] * size)),
        ("too-long", "A" * 501),
    ]
    if kinds == ("time", "id"):
        cursors += [
            ("timestamp-without-zone", _cursor(["2024-01-01T00:00:00", "0" * 32])),
            ("not-a-timestamp", _cursor(["yesterday", "0" * 32])),
            ("number-for-an-id", _cursor(["2024-01-01T00:00:00+00:00", 5])),
            # Well formed, as the service once wrote them, but not issued by it.
            ("time-beyond-the-calendar", _cursor(["9999-12-31T23:59:59.999999-23:59", "0" * 32])),
            ("unsigned", _cursor(["2024-01-01T00:00:00+00:00", "0" * 32])),
            ("nul-in-an-id", _cursor(["2024-01-01T00:00:00+00:00", "\u0000"])),
        ]
    if kinds == ("name",):
        cursors += [("number-for-a-name", _cursor([123])), ("unsigned", _cursor(["a"]))]
    if kinds == ("number",):
        cursors += [
            ("text-for-a-number", _cursor(["12"])),
            ("beyond-bigint", _cursor([2**63])),
            ("unsigned", _cursor([5])),
        ]
    return cursors


@pytest.mark.parametrize(
    ("path", "admin", "cursor"),
    [
        pytest.param(path, admin, cursor, id=f"{name}-{label}")
        for name, path, admin, kinds in LISTS
        for label, cursor in _bad_cursors(kinds)
    ],
)
def test_a_forged_cursor_is_a_422_problem(env: Env, path: str, admin: bool, cursor: str) -> None:
    http = env.admin if admin else env.user.http
    response = send(http, "GET", env.path(path), params={"cursor": cursor})
    assert_invalid(response, "/query/cursor")


def test_a_cursor_from_another_list_is_a_422_problem(env: Env) -> None:
    # Users and roles both page by name: a cursor of one is still not one of the other.
    page = expect(env.admin.get("/api/v1/users", params={"limit": "1"}), 200)
    assert page["next_cursor"]
    expect(env.admin.get("/api/v1/users", params={"cursor": page["next_cursor"]}), 200)
    response = send(env.admin, "GET", "/api/v1/roles", params={"cursor": page["next_cursor"]})
    assert_invalid(response, "/query/cursor")


@pytest.mark.parametrize(
    ("limit", "named"), [("0", "1"), ("201", "200"), ("-1", "1"), ("ten", None)]
)
@pytest.mark.parametrize(
    ("path", "admin"),
    [pytest.param(path, admin, id=name) for name, path, admin, _ in LISTS],
)
def test_a_page_size_out_of_range_is_a_422_problem(
    env: Env, path: str, admin: bool, limit: str, named: str | None
) -> None:
    http = env.admin if admin else env.user.http
    response = send(http, "GET", env.path(path), params={"limit": limit})
    assert_invalid(response, "/query/limit", named)


def test_listing_the_secrets_of_an_absent_project_is_the_documented_404(env: Env) -> None:
    absent = unique("absent")
    response = send(env.user.http, "GET", "/api/v1/secrets", params={"project": absent})
    body = assert_problem(response, 404, "not-found")
    assert absent in body["detail"]
    documented = json.loads((Path(__file__).parents[2] / "client" / "openapi.json").read_text())
    assert "404" in documented["paths"]["/api/v1/secrets"]["get"]["responses"]


def test_the_largest_page_size_is_accepted(env: Env) -> None:
    # The limits above are the edges, not arbitrary refusals.
    for limit in ("1", "200"):
        expect(env.user.get("/api/v1/secrets", params={"limit": limit}), 200)
