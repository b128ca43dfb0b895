"""Users and roles: admins manage them; deleting one takes its keys and private secrets.

The tests about the last admin run on a service of their own, where the
bootstrap admin really is the only admin; the shared services never lose theirs.
Actors are wrapped so that their repr (which pytest prints for a failing
assertion) leaves out their key.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, text

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
from tests.support.keyhouse_server import KeyhouseServer, start_server
from tests.support.postgres import PostgresServer

USERS = "/api/v1/users"
ROLES = "/api/v1/roles"
USER_FIELDS = {"id", "arn", "name", "email", "is_admin", "created_at"}
ROLE_FIELDS = {"id", "arn", "name", "description", "created_at"}


def listed(actor: Actor | httpx.Client, path: str) -> dict[str, dict[str, Any]]:
    """Every user or role ``actor`` lists at ``path`` (all pages), by name."""
    found: dict[str, dict[str, Any]] = {}
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"limit": 200}
        if cursor is not None:
            params["cursor"] = cursor
        page = expect(actor.get(path, params=params), 200)
        for item in page["data"]:
            assert item["name"] not in found, "listed twice"
            found[item["name"]] = item
        cursor = page["next_cursor"]
        if cursor is None:
            return found


def whoami_status(actor: Actor) -> tuple[int, str | None]:
    """The status of ``GET /whoami`` with ``actor``'s key, and the 401 reason if any."""
    response = actor.get("/api/v1/whoami")
    reason = response.json().get("reason") if response.status_code == 401 else None
    return response.status_code, reason


def count(db: Engine, sql: str, **params: Any) -> int:
    """``SELECT count(*) ...`` straight from the service's database."""
    with db.connect() as connection:
        value = connection.execute(text(sql), params).scalar_one()
    return int(value)


def test_admin_manages_users(admin: httpx.Client) -> None:
    name = unique("user")
    created = expect(admin.post(USERS, json={"name": name, "email": f"{name}@example.com"}), 201)
    assert set(created) == USER_FIELDS
    assert (created["name"], created["email"], created["is_admin"]) == (
        name,
        f"{name}@example.com",
        False,
    )
    assert expect(admin.get(f"{USERS}/{name}"), 200) == created
    assert listed(admin, USERS)[name] == created

    changed = expect(admin.patch(f"{USERS}/{name}", json={"email": "new@example.org"}), 200)
    assert changed["email"] == "new@example.org"
    assert changed["is_admin"] is False
    assert expect(admin.get(f"{USERS}/{name}"), 200)["email"] == "new@example.org"
    cleared = expect(admin.patch(f"{USERS}/{name}", json={"email": None}), 200)
    assert cleared["email"] is None
    expect(admin.patch(f"{USERS}/{name}", json={"email": "not-an-email"}), 422)

    expect(admin.delete(f"{USERS}/{name}"), 204)
    expect(admin.get(f"{USERS}/{name}"), 404)
    expect(admin.delete(f"{USERS}/{name}"), 404)
    expect(admin.patch(f"{USERS}/{name}", json={"email": None}), 404)
    assert name not in listed(admin, USERS)


def test_admin_demotes_and_promotes_users(service: KeyhouseServer, admin: httpx.Client) -> None:
    # A second admin exists only inside this test: it is deleted whatever happens.
    deputy = make_user(admin, service.url, is_admin=True, scopes=["iam"])
    try:
        assert deputy.name in listed(deputy, USERS)
        body = expect(admin.patch(f"{USERS}/{deputy.name}", json={"is_admin": False}), 200)
        assert body["is_admin"] is False
        # The key still holds the iam scope, but its owner is no admin any more.
        refused = expect(deputy.get(USERS), 403)
        assert "admin" in refused["detail"]
        expect(deputy.patch(f"{USERS}/{deputy.name}", json={"is_admin": True}), 403)
        assert expect(admin.get(f"{USERS}/{deputy.name}"), 200)["is_admin"] is False
        body = expect(admin.patch(f"{USERS}/{deputy.name}", json={"is_admin": True}), 200)
        assert body["is_admin"] is True
        assert deputy.name in listed(deputy, USERS)
    finally:
        expect(admin.delete(f"{USERS}/{deputy.name}"), 204)


def test_admin_manages_roles(admin: httpx.Client) -> None:
    name = unique("role")
    created = expect(admin.post(ROLES, json={"name": name, "description": "databricks"}), 201)
    assert set(created) == ROLE_FIELDS
    assert (created["name"], created["description"]) == (name, "databricks")
    assert expect(admin.get(f"{ROLES}/{name}"), 200) == created
    assert listed(admin, ROLES)[name] == created
    assert name not in listed(admin, USERS)

    changed = expect(admin.patch(f"{ROLES}/{name}", json={"description": "emr"}), 200)
    assert changed["description"] == "emr"
    assert expect(admin.get(f"{ROLES}/{name}"), 200)["description"] == "emr"

    expect(admin.delete(f"{ROLES}/{name}"), 204)
    expect(admin.get(f"{ROLES}/{name}"), 404)
    expect(admin.delete(f"{ROLES}/{name}"), 404)
    assert name not in listed(admin, ROLES)


def test_non_admins_cannot_manage_users_or_roles(
    service: KeyhouseServer, admin: httpx.Client, user: Actor
) -> None:
    target_user = make_user(admin, service.url)
    target_role = make_role(admin, service.url)
    for path, name in ((USERS, target_user.name), (ROLES, target_role.name)):
        for response in (
            user.get(path),
            user.post(path, json={"name": unique("intruder")}),
            user.get(f"{path}/{name}"),
            user.patch(f"{path}/{name}", json={}),
            user.delete(f"{path}/{name}"),
        ):
            problem = expect(response, 403)
            assert problem["type"] == "urn:keyhouse:problem:forbidden"
            assert problem["scope"] == "iam"
    refused = expect(user.patch(f"{USERS}/{user.name}", json={"is_admin": True}), 403)
    assert refused["scope"] == "iam"
    # Nothing changed.
    assert expect(admin.get(f"{USERS}/{target_user.name}"), 200)["is_admin"] is False
    assert expect(admin.get(f"{USERS}/{user.name}"), 200)["is_admin"] is False
    expect(admin.get(f"{ROLES}/{target_role.name}"), 200)
    assert whoami_status(target_user) == (200, None)


def test_keys_of_non_admins_cannot_get_the_iam_scope(
    service: KeyhouseServer, admin: httpx.Client, user: Actor
) -> None:
    problem = expect(
        admin.post(
            "/api/v1/api-keys",
            json={"name": unique("k"), "scopes": ["iam"], "owner_user": user.name},
        ),
        409,
    )
    assert "iam" in problem["detail"]


def test_duplicate_names_conflict(admin: httpx.Client) -> None:
    name = unique("twin")
    expect(admin.post(USERS, json={"name": name}), 201)
    problem = expect(admin.post(USERS, json={"name": name, "email": "x@example.com"}), 409)
    assert problem["type"] == "urn:keyhouse:problem:conflict"
    assert name in problem["detail"]
    expect(admin.post(ROLES, json={"name": name}), 201)  # a role may share a user's name
    assert name in expect(admin.post(ROLES, json={"name": name}), 409)["detail"]
    assert expect(admin.get(f"{USERS}/{name}"), 200)["email"] is None


def test_invalid_names_are_refused(admin: httpx.Client) -> None:
    for path in (USERS, ROLES):
        for name in ("", "has space", "-dash", "a..b", "x" * 65):
            problem = expect(admin.post(path, json={"name": name}), 422)
            assert problem["errors"][0]["pointer"] == "/body/name"


def test_deleting_a_user_removes_keys_and_private_secrets_but_keeps_project_secrets(
    service: KeyhouseServer, admin: httpx.Client, user: Actor, db: Engine
) -> None:
    leaver = make_user(admin, service.url)
    second_key = create_key(
        admin, service.url, owner_kind="user", owner_name=leaver.name, scopes=["secrets"]
    )
    project = unique("proj")
    expect(user.post("/api/v1/projects", json={"name": project}), 201)
    add_member(admin, project, leaver, "member")
    private = expect(
        leaver.post("/api/v1/secrets", json={"name": unique("mine"), "value": "private"}), 201
    )
    shared_value = unique("shared")
    shared = expect(
        leaver.post(
            "/api/v1/secrets",
            json={
                "name": unique("ours"),
                "value": shared_value,
                "visibility": "project",
                "project": project,
            },
        ),
        201,
    )
    assert shared["owner"] == f"user/{leaver.name}"
    principal_id = expect(admin.get(f"{USERS}/{leaver.name}"), 200)["id"]

    expect(admin.delete(f"{USERS}/{leaver.name}"), 204)

    expect(admin.get(f"{USERS}/{leaver.name}"), 404)
    assert whoami_status(leaver) == (401, "not_found")
    assert whoami_status(second_key) == (401, "not_found")
    sql = "SELECT count(*) FROM api_keys WHERE owner_id = :owner"
    assert count(db, sql, owner=principal_id) == 0
    sql = "SELECT count(*) FROM secrets WHERE id = :id"
    assert count(db, sql, id=private["id"]) == 0
    sql = "SELECT count(*) FROM project_members WHERE principal_id = :principal"
    assert count(db, sql, principal=principal_id) == 0

    kept = expect(user.get(f"/api/v1/secrets/{shared['id']}"), 200)
    assert kept["project"] == project
    assert kept["owner"] is None  # its creator no longer exists
    read = expect(user.get(f"/api/v1/secrets/{shared['id']}/value"), 200)
    kept_intact = read["value"] == shared_value
    assert kept_intact, "the project secret's value changed when its creator was deleted"
    page = expect(user.get(f"/api/v1/projects/{project}/members"), 200)
    assert [m["principal_name"] for m in page["data"]] == [user.name]

    # The name is free again, and the new user inherits nothing.
    expect(admin.post(USERS, json={"name": leaver.name}), 201)
    newcomer = create_key(
        admin, service.url, owner_kind="user", owner_name=leaver.name, scopes=ALL_SCOPES
    )
    expect(newcomer.get(f"/api/v1/secrets/{private['id']}"), 404)
    expect(newcomer.get(f"/api/v1/secrets/{shared['id']}"), 404)
    mine = expect(newcomer.get("/api/v1/secrets", params={"visibility": "private"}), 200)
    assert mine["data"] == []


def test_deleting_a_role_removes_its_keys_and_private_secrets(
    service: KeyhouseServer, admin: httpx.Client, db: Engine
) -> None:
    role = make_role(admin, service.url, scopes=["secrets"])
    private = expect(
        role.post("/api/v1/secrets", json={"name": unique("role-own"), "value": "x"}), 201
    )
    assert private["owner"] == f"role/{role.name}"
    expect(admin.delete(f"{ROLES}/{role.name}"), 204)
    assert whoami_status(role) == (401, "not_found")
    assert count(db, "SELECT count(*) FROM secrets WHERE id = :id", id=private["id"]) == 0
    assert count(db, "SELECT count(*) FROM api_keys WHERE id = :id", id=role.key_id) == 0


def test_deleting_the_sole_owner_of_a_project_is_refused(
    service: KeyhouseServer, admin: httpx.Client, user: Actor
) -> None:
    owner = make_user(admin, service.url)
    project = unique("proj")
    expect(owner.post("/api/v1/projects", json={"name": project}), 201)

    problem = expect(admin.delete(f"{USERS}/{owner.name}"), 409)
    assert problem["type"] == "urn:keyhouse:problem:conflict"
    assert project in problem["detail"]
    assert whoami_status(owner) == (200, None)
    assert expect(owner.get(f"/api/v1/projects/{project}"), 200)["my_role"] == "owner"

    add_member(admin, project, user, "owner")
    expect(admin.delete(f"{USERS}/{owner.name}"), 204)
    page = expect(user.get(f"/api/v1/projects/{project}/members"), 200)
    assert [(m["principal_name"], m["role"]) for m in page["data"]] == [(user.name, "owner")]


def test_deleting_a_role_that_solely_owns_a_project_is_refused(
    service: KeyhouseServer, admin: httpx.Client, user: Actor
) -> None:
    role = make_role(admin, service.url, scopes=["project"])
    project = unique("proj")
    expect(user.post("/api/v1/projects", json={"name": project}), 201)
    add_member(admin, project, role, "owner")
    expect(user.delete(f"/api/v1/projects/{project}/members/user/{user.name}"), 204)

    problem = expect(admin.delete(f"{ROLES}/{role.name}"), 409)
    assert project in problem["detail"]
    assert expect(role.get(f"/api/v1/projects/{project}"), 200)["my_role"] == "owner"


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def lonely_service(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[KeyhouseServer]:
    """A service of its own, whose bootstrap admin is its only admin."""
    directory: Path = tmp_path_factory.mktemp(f"lonely-{request.param}")
    if request.param == "sqlite":
        url = f"sqlite:///{directory / 'keyhouse.db'}"
    else:
        postgres: PostgresServer = request.getfixturevalue("postgres")
        url = postgres.create_database(f"lonely_{uuid.uuid4().hex[:10]}")
    server = start_server(request.param, url, directory / "server")
    yield server
    server.stop()


def admin_names(actor: Actor | httpx.Client) -> set[str]:
    return {name for name, body in listed(actor, USERS).items() if body["is_admin"]}


def test_the_last_admin_stays(lonely_service: KeyhouseServer) -> None:
    url = lonely_service.url
    with client(url, lonely_service.admin_key) as root:
        assert admin_names(root) == {"admin"}
        for response in (
            root.delete(f"{USERS}/admin"),
            root.patch(f"{USERS}/admin", json={"is_admin": False}),
        ):
            problem = expect(response, 409)
            assert problem["type"] == "urn:keyhouse:problem:conflict"
            assert "last admin" in problem["detail"]
        assert expect(root.get("/api/v1/whoami"), 200)["is_admin"] is True
        # Re-affirming the flag is no demotion.
        assert expect(root.patch(f"{USERS}/admin", json={"is_admin": True}), 200)["is_admin"]

        deputy = make_user(root, url, is_admin=True, scopes=["iam", "admin"])
        assert admin_names(root) == {"admin", deputy.name}
        expect(deputy.patch(f"{USERS}/admin", json={"is_admin": False}), 200)
        # Now the deputy is the last admin.
        assert admin_names(deputy) == {deputy.name}
        expect(deputy.patch(f"{USERS}/{deputy.name}", json={"is_admin": False}), 409)
        expect(deputy.delete(f"{USERS}/{deputy.name}"), 409)
        expect(root.patch(f"{USERS}/admin", json={"is_admin": True}), 403)  # no admin now
        expect(root.delete(f"{USERS}/{deputy.name}"), 403)

        # Back to the start: the bootstrap admin is promoted again, the deputy goes.
        expect(deputy.patch(f"{USERS}/admin", json={"is_admin": True}), 200)
        expect(root.delete(f"{USERS}/{deputy.name}"), 204)
        assert whoami_status(deputy) == (401, "not_found")
        assert admin_names(root) == {"admin"}
        expect(root.delete(f"{USERS}/admin"), 409)


def test_an_admin_may_delete_another_admin(lonely_service: KeyhouseServer) -> None:
    url = lonely_service.url
    with client(url, lonely_service.admin_key) as root:
        other = make_user(root, url, is_admin=True, scopes=["iam"])
        expect(other.delete(f"{USERS}/{other.name}"), 204)  # deleting oneself, even
        assert whoami_status(other) == (401, "not_found")
        assert admin_names(root) == {"admin"}
