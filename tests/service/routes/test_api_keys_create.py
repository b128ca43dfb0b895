"""Creating API keys: the plaintext shown once, its format, scopes, owners and projects."""

from __future__ import annotations

import re
from typing import Any

import httpx

from tests.support.actors import (
    Actor,
    add_member,
    client,
    create_key,
    expect,
    make_role,
    make_user,
    unique,
)
from tests.support.keyhouse_server import KeyhouseServer

KEY_FORMAT = re.compile(r"^kh_(?P<key_id>[a-z2-7]{16})_(?P<rest>[0-9A-Za-z]+)$")


def new_key(http: httpx.Client | Actor, **body: Any) -> httpx.Response:
    """POST a key create with a unique name unless one is given."""
    body.setdefault("name", unique("key"))
    return http.post("/api/v1/api-keys", json=body)


def error_pointers(problem: dict[str, Any]) -> list[str]:
    """The JSON pointers a 422 problem names."""
    return [error["pointer"] for error in problem.get("errors") or []]


def make_project(admin: httpx.Client) -> str:
    """A new project owned by the admin; its name."""
    name = unique("proj")
    expect(admin.post("/api/v1/projects", json={"name": name}), 201)
    return name


def test_plaintext_key_is_only_in_the_create_response(service: KeyhouseServer, user: Actor) -> None:
    created = expect(new_key(user, scopes=["secrets"]), 201)
    plaintext = created["key"]
    match = KEY_FORMAT.match(plaintext)
    assert match is not None, "the key does not read kh_<16 base32>_<secret and checksum>"
    assert match["key_id"] == created["id"]
    assert created["prefix"] == plaintext[:12]
    assert created["status"] == "active"

    fetched = user.get(f"/api/v1/api-keys/{created['id']}")
    assert "key" not in expect(fetched, 200)
    assert plaintext not in fetched.text
    assert plaintext[20:] not in fetched.text  # not even the secret part

    listed = user.get("/api/v1/api-keys")
    rows = expect(listed, 200)["data"]
    assert created["id"] in {row["id"] for row in rows}
    assert all("key" not in row for row in rows)
    assert plaintext not in listed.text
    assert plaintext[20:] not in listed.text

    # The plaintext is a working key of the creator.
    with client(service.url, plaintext) as http:
        whoami = expect(http.get("/api/v1/whoami"), 200)
    assert whoami["principal"] == {"kind": "user", "name": user.name}
    assert whoami["key"]["id"] == created["id"]
    assert whoami["key"]["prefix"] == plaintext[:12]


def test_each_key_is_different(user: Actor) -> None:
    first = expect(new_key(user, scopes=["keys"]), 201)
    second = expect(new_key(user, scopes=["keys"]), 201)
    assert first["id"] != second["id"]
    assert first["key"] != second["key"]


def test_scopes_are_sorted_and_deduplicated(user: Actor) -> None:
    created = expect(
        new_key(user, scopes=["secrets", "keys", "secrets", "featurestore", "keys"]), 201
    )
    assert created["scopes"] == ["featurestore", "keys", "secrets"]
    fetched = expect(user.get(f"/api/v1/api-keys/{created['id']}"), 200)
    assert fetched["scopes"] == ["featurestore", "keys", "secrets"]


def test_unknown_scope_is_refused_with_a_pointer(user: Actor) -> None:
    scope = unique("no-such-scope")
    problem = expect(new_key(user, scopes=["keys", "secrets", scope]), 409)
    assert "/body/scopes/2" in error_pointers(problem)
    assert "unknown scope" in problem["detail"]
    assert scope not in problem["detail"]  # the pointer says which; the value is not repeated


def test_empty_scope_list_is_refused(user: Actor) -> None:
    problem = expect(new_key(user, scopes=[]), 422)
    assert "/body/scopes" in error_pointers(problem)


def test_name_is_unique_per_owner(user: Actor, other_user: Actor) -> None:
    name = unique("shared name")
    expect(new_key(user, name=name, scopes=["keys"]), 201)
    problem = expect(new_key(user, name=name, scopes=["secrets"]), 409)
    assert name in problem["detail"]
    # The same name for another owner is fine.
    created = expect(new_key(other_user, name=name, scopes=["keys"]), 201)
    assert created["owner"] == {"kind": "user", "name": other_user.name}
    # The refused create left exactly one key of that name for the first owner.
    rows = expect(user.get("/api/v1/api-keys", params={"name": name}), 200)["data"]
    assert len(rows) == 1


def test_admin_creates_keys_for_a_role_and_a_user(
    service: KeyhouseServer, admin: httpx.Client
) -> None:
    role = unique("role")
    expect(admin.post("/api/v1/roles", json={"name": role}), 201)
    for_role = expect(new_key(admin, owner_role=role, scopes=["kafka", "job"]), 201)
    assert for_role["owner"] == {"kind": "role", "name": role}
    assert for_role["scopes"] == ["job", "kafka"]
    with client(service.url, for_role["key"]) as http:
        whoami = expect(http.get("/api/v1/whoami"), 200)
    assert whoami["principal"] == {"kind": "role", "name": role}
    assert whoami["is_admin"] is False

    person = unique("user")
    expect(admin.post("/api/v1/users", json={"name": person}), 201)
    for_user = expect(new_key(admin, owner_user=person, scopes=["secrets"]), 201)
    assert for_user["owner"] == {"kind": "user", "name": person}
    with client(service.url, for_user["key"]) as http:
        whoami = expect(http.get("/api/v1/whoami"), 200)
    assert whoami["principal"] == {"kind": "user", "name": person}


def test_owner_role_and_owner_user_together_are_refused(admin: httpx.Client) -> None:
    expect(new_key(admin, owner_role="r", owner_user="u", scopes=["keys"]), 422)


def test_non_admin_cannot_create_keys_for_others(
    service: KeyhouseServer, admin: httpx.Client, user: Actor, other_user: Actor
) -> None:
    role = make_role(admin, service.url)
    expect(new_key(user, owner_role=role.name, scopes=["keys"]), 403)
    expect(new_key(user, owner_user=other_user.name, scopes=["keys"]), 403)
    # Nothing was created for the role or the other user.
    owned_by_role = expect(role.get("/api/v1/api-keys"), 200)["data"]
    assert [row["id"] for row in owned_by_role] == [role.key_id]
    owned_by_other = expect(other_user.get("/api/v1/api-keys"), 200)["data"]
    assert [row["id"] for row in owned_by_other] == [other_user.key_id]
    # Naming oneself as owner_user is the same as naming no owner.
    created = expect(new_key(user, owner_user=user.name, scopes=["keys"]), 201)
    assert created["owner"] == {"kind": "user", "name": user.name}


def test_a_key_cannot_grant_scopes_it_does_not_hold(
    service: KeyhouseServer, admin: httpx.Client
) -> None:
    narrow = make_user(admin, service.url, scopes=["keys", "secrets"])
    problem = expect(new_key(narrow, scopes=["keys", "kafka"]), 403)
    assert problem["scope"] == "kafka"
    assert "kafka" in problem["detail"]
    # Scopes it holds are fine.
    created = expect(new_key(narrow, scopes=["secrets"]), 201)
    assert created["scopes"] == ["secrets"]


def test_admin_only_scopes_are_refused_for_non_admin_owners(
    admin: httpx.Client, user: Actor
) -> None:
    problem = expect(new_key(admin, owner_user=user.name, scopes=["keys", "admin"]), 409)
    assert "/body/scopes/1" in error_pointers(problem)
    assert "admin" in problem["detail"]

    role = unique("role")
    expect(admin.post("/api/v1/roles", json={"name": role}), 201)
    problem = expect(new_key(admin, owner_role=role, scopes=["iam"]), 409)
    assert "/body/scopes/0" in error_pointers(problem)
    assert "iam" in problem["detail"]


def test_admin_only_scopes_are_allowed_for_admin_users(
    service: KeyhouseServer, admin: httpx.Client
) -> None:
    other_admin = unique("admin")
    expect(admin.post("/api/v1/users", json={"name": other_admin, "is_admin": True}), 201)
    created = expect(new_key(admin, owner_user=other_admin, scopes=["iam", "admin", "keys"]), 201)
    assert created["scopes"] == ["admin", "iam", "keys"]
    with client(service.url, created["key"]) as http:
        whoami = expect(http.get("/api/v1/whoami"), 200)
    assert whoami["is_admin"] is True
    assert whoami["key"]["scopes"] == ["admin", "iam", "keys"]


def test_non_admin_cannot_put_admin_scopes_on_its_own_key(user: Actor) -> None:
    for scope in ("admin", "iam"):
        problem = expect(new_key(user, scopes=[scope]), 403)
        assert problem["scope"] == scope


def test_key_restricted_to_a_project(service: KeyhouseServer, admin: httpx.Client) -> None:
    project = make_project(admin)
    person = make_user(admin, service.url)
    restricted = create_key(
        admin,
        service.url,
        owner_kind="user",
        owner_name=person.name,
        scopes=["secrets"],
        project=project,
    )
    fetched = expect(admin.get(f"/api/v1/api-keys/{restricted.key_id}"), 200)
    assert fetched["project"] == project
    whoami = expect(restricted.get("/api/v1/whoami"), 200)
    assert whoami["key"]["project"] == project
    # An unrestricted key says so.
    assert expect(person.get("/api/v1/whoami"), 200)["key"]["project"] is None


def test_unknown_project_is_refused_with_a_pointer(admin: httpx.Client, user: Actor) -> None:
    project = unique("no-such-project")
    problem = expect(new_key(user, scopes=["keys"], project=project), 404)
    assert error_pointers(problem) == ["/body/project"]
    assert project in problem["detail"]
    problem = expect(new_key(admin, owner_user=user.name, scopes=["keys"], project=project), 404)
    assert error_pointers(problem) == ["/body/project"]


def test_unknown_fields_are_refused(user: Actor) -> None:
    problem = expect(new_key(user, scopes=["keys"], owner="someone"), 422)
    assert "/body/owner" in error_pointers(problem)


def test_creating_needs_the_keys_scope(service: KeyhouseServer, admin: httpx.Client) -> None:
    without = make_user(admin, service.url, scopes=["secrets"])
    problem = expect(new_key(without, scopes=["secrets"]), 403)
    assert problem["scope"] == "keys"


def restricted_member_key(service: KeyhouseServer, admin: httpx.Client) -> tuple[Actor, str, str]:
    """A key restricted to project A of a user who is a member of projects A and B."""
    project_a = make_project(admin)
    project_b = make_project(admin)
    person = make_user(admin, service.url)
    add_member(admin, project_a, person, "member")
    add_member(admin, project_b, person, "member")
    restricted = create_key(
        admin,
        service.url,
        owner_kind="user",
        owner_name=person.name,
        scopes=["keys", "secrets"],
        project=project_a,
    )
    return restricted, project_a, project_b


def test_a_project_restricted_key_creates_keys_for_its_project(
    service: KeyhouseServer, admin: httpx.Client
) -> None:
    restricted, project_a, _ = restricted_member_key(service, admin)
    inside = expect(new_key(restricted, scopes=["secrets"], project=project_a), 201)
    assert inside["project"] == project_a


def test_a_project_restricted_key_cannot_create_keys_for_another_project(
    service: KeyhouseServer, admin: httpx.Client
) -> None:
    restricted, _, project_b = restricted_member_key(service, admin)
    expect(new_key(restricted, scopes=["secrets"], project=project_b), 403)


def test_a_project_restricted_key_cannot_create_unrestricted_keys(
    service: KeyhouseServer, admin: httpx.Client
) -> None:
    restricted, project_a, _ = restricted_member_key(service, admin)
    # Either the new key inherits the restriction or the create is refused:
    # a restricted key must not mint a key that reaches other projects.
    response = new_key(restricted, scopes=["secrets"])
    if response.status_code == 201:
        assert response.json()["project"] == project_a, "a restricted key made an unrestricted key"
    else:
        expect(response, 403)


def test_a_role_cannot_create_keys_for_the_user_of_the_same_name(
    service: KeyhouseServer, admin: httpx.Client
) -> None:
    name = unique("twin")
    expect(admin.post("/api/v1/roles", json={"name": name}), 201)
    expect(admin.post("/api/v1/users", json={"name": name}), 201)
    role = create_key(admin, service.url, owner_kind="role", owner_name=name, scopes=["keys"])
    response = new_key(role, owner_user=name, scopes=["keys"])
    # owner_user names the user, which a (non-admin) role may not make keys for;
    # it must not silently make a key for the role instead.
    problem = expect(response, 403)
    assert name in problem["detail"]
