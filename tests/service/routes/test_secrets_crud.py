"""Secrets over HTTP: create, read, change, delete and list, and how names may repeat.

Assertions never mention an actor (its repr holds its key) and compare secret
values outside ``assert`` expressions, so a failure shows neither.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import httpx

from tests.support.actors import Actor, expect, unique

SECRETS = "/api/v1/secrets"


METADATA_FIELDS = {
    "id",
    "arn",
    "name",
    "type",
    "visibility",
    "project",
    "owner",
    "description",
    "version",
    "created_at",
    "updated_at",
}


def same_value(actual: str, expected: str) -> None:
    """Fail, showing neither, unless two secret values are equal."""
    if actual != expected:
        raise AssertionError("the secret value read differs from the one expected (not shown)")


def absent(value: str, text: str, where: str) -> None:
    """Fail, without showing it, if a secret value appears in ``text``."""
    if value in text:
        raise AssertionError(f"a secret value appears in {where}")


def new_project(owner: Actor | httpx.Client) -> str:
    """A new project owned by ``owner``; its name."""
    name = unique("proj")
    expect(owner.post("/api/v1/projects", json={"name": name}), 201)
    return name


def new_secret(actor: Actor | httpx.Client, **body: Any) -> dict[str, Any]:
    """Create a secret (a private text secret unless ``body`` says otherwise); its metadata."""
    body.setdefault("name", unique("secret"))
    body.setdefault("value", unique("value"))
    created: dict[str, Any] = expect(actor.post(SECRETS, json=body), 201)
    return created


def assert_no_value_key(body: Any) -> None:
    """No object anywhere in ``body`` has a ``value`` member."""
    if isinstance(body, dict):
        if "value" in body:
            raise AssertionError(f"a list response carries a value (keys {sorted(body)})")
        for item in body.values():
            assert_no_value_key(item)
    elif isinstance(body, list):
        for item in body:
            assert_no_value_key(item)


def list_all(actor: Actor | httpx.Client, **params: Any) -> list[dict[str, Any]]:
    """Every page of ``GET /api/v1/secrets`` with ``params``, checking that no value leaks."""
    items: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        query = {**params, "limit": 200}
        if cursor is not None:
            query["cursor"] = cursor
        page = expect(actor.get(SECRETS, params=query), 200)
        assert_no_value_key(page)
        items.extend(page["data"])
        cursor = page["next_cursor"]
        if cursor is None:
            return items


def ids(items: list[dict[str, Any]]) -> set[str]:
    return {item["id"] for item in items}


def value_of(actor: Actor | httpx.Client, secret_id: str) -> dict[str, Any]:
    """``GET /{id}/value``."""
    body: dict[str, Any] = expect(actor.get(f"{SECRETS}/{secret_id}/value"), 200)
    return body


def test_create_private_text_secret_answers_metadata_without_value(user: Actor) -> None:
    name = unique("db/password")
    value = unique("hunter2")
    owner_ref = f"user/{user.name}"
    response = user.post(
        SECRETS, json={"name": name, "value": value, "description": "the database password"}
    )
    created = expect(response, 201)
    assert set(created) == METADATA_FIELDS
    absent(value, response.text, "the create response")
    assert re.fullmatch(r"[0-9a-f]{32}", created["id"])
    assert created["name"] == name
    assert created["type"] == "text"
    assert created["visibility"] == "private"
    assert created["project"] is None
    assert created["owner"] == owner_ref
    assert created["description"] == "the database password"
    assert created["version"] == 1
    assert created["created_at"] == created["updated_at"]


def test_get_metadata_by_id_and_by_name(user: Actor) -> None:
    created = new_secret(user, description="by id and by name")
    by_id = expect(user.get(f"{SECRETS}/{created['id']}"), 200)
    assert by_id == created
    by_name = expect(user.get(f"{SECRETS}/by-name", params={"name": created["name"]}), 200)
    assert by_name == created
    missing = expect(user.get(f"{SECRETS}/by-name", params={"name": unique("nope")}), 404)
    assert missing["type"] == "urn:keyhouse:problem:not-found"
    expect(user.get(f"{SECRETS}/{'0' * 32}"), 404)
    expect(user.get(f"{SECRETS}/not-an-id"), 422)


def test_get_by_name_of_a_project_secret(user: Actor) -> None:
    project = new_project(user)
    name = unique("hopsworks/role/cluster/type/api-key")
    created = new_secret(user, name=name, visibility="project", project=project)
    assert created["visibility"] == "project"
    assert created["project"] == project
    found = expect(user.get(f"{SECRETS}/by-name", params={"name": name, "project": project}), 200)
    assert found == created
    # Without the project the name is looked up among the caller's private secrets.
    expect(user.get(f"{SECRETS}/by-name", params={"name": name}), 404)


def test_visibility_and_project_must_agree(user: Actor) -> None:
    project = new_project(user)
    name = unique("mismatch")
    missing_project = user.post(SECRETS, json={"name": name, "value": "x", "visibility": "project"})
    assert "project" in expect(missing_project, 422)["detail"]
    body = {"name": name, "value": "x", "project": project, "visibility": "private"}
    stray_project = user.post(SECRETS, json=body)
    assert "project" in expect(stray_project, 422)["detail"]
    expect(user.get(f"{SECRETS}/by-name", params={"name": name}), 404)


def test_a_project_alone_makes_a_project_secret(user: Actor) -> None:
    # As in Terraform: project implies visibility "project".
    project = new_project(user)
    created = expect(
        user.post(SECRETS, json={"name": unique("s"), "value": "x", "project": project}), 201
    )
    assert (created["visibility"], created["project"]) == ("project", project)


def test_get_value_returns_the_value(user: Actor) -> None:
    value = unique("s3cr3t value with spaces and \u00fcn\u00efc\u00f6d\u00e9")
    created = new_secret(user, value=value)
    read = value_of(user, created["id"])
    assert set(read) == {"id", "name", "type", "version", "value"}
    assert (read["id"], read["name"], read["type"], read["version"]) == (
        created["id"],
        created["name"],
        "text",
        1,
    )
    same_value(read["value"], value)


def test_put_value_increments_version_and_changes_value(user: Actor) -> None:
    created = new_secret(user, value=unique("first"))
    second = unique("second")
    response = user.put(f"{SECRETS}/{created['id']}/value", json={"value": second})
    updated = expect(response, 200)
    assert set(updated) == METADATA_FIELDS
    absent(second, response.text, "the put response")
    assert updated["version"] == 2
    assert updated["id"] == created["id"]
    assert updated["created_at"] == created["created_at"]
    assert datetime.fromisoformat(updated["updated_at"]) >= datetime.fromisoformat(
        created["updated_at"]
    )
    read = value_of(user, created["id"])
    same_value(read["value"], second)
    assert read["version"] == 2

    third = unique("third")
    expect(user.put(f"{SECRETS}/{created['id']}/value", json={"value": third}), 200)
    read = value_of(user, created["id"])
    same_value(read["value"], third)
    assert read["version"] == 3
    metadata = expect(user.get(f"{SECRETS}/{created['id']}"), 200)
    assert metadata["version"] == 3


def test_patch_changes_the_description_only(user: Actor) -> None:
    value = unique("kept")
    created = new_secret(user, value=value, description="before")
    path = f"{SECRETS}/{created['id']}"
    patched = expect(user.patch(path, json={"description": "after"}), 200)
    assert patched["description"] == "after"
    assert patched["version"] == 1
    reread = expect(user.get(path), 200)
    assert reread["description"] == "after"
    # An empty patch changes nothing; an explicit null clears the description.
    unchanged = expect(user.patch(path, json={}), 200)
    assert unchanged["description"] == "after"
    cleared = expect(user.patch(path, json={"description": None}), 200)
    assert cleared["description"] is None
    reread = expect(user.get(path), 200)
    assert reread["description"] is None
    read = value_of(user, created["id"])
    same_value(read["value"], value)
    assert read["version"] == 1
    # Only the description can be patched.
    expect(user.patch(path, json={"name": unique("renamed")}), 422)
    expect(user.patch(path, json={"description": "x" * 501}), 422)


def test_delete_then_not_found(user: Actor) -> None:
    created = new_secret(user)
    path = f"{SECRETS}/{created['id']}"
    deleted = user.delete(path)
    assert deleted.status_code == 204
    assert deleted.content == b""
    expect(user.get(path), 404)
    expect(user.get(f"{path}/value"), 404)
    expect(user.put(f"{path}/value", json={"value": "x"}), 404)
    expect(user.patch(path, json={"description": "x"}), 404)
    expect(user.get(f"{SECRETS}/by-name", params={"name": created["name"]}), 404)
    expect(user.delete(path), 404)
    remaining = ids(list_all(user))
    assert created["id"] not in remaining
    # The name is free again.
    again = new_secret(user, name=created["name"])
    assert again["id"] != created["id"]
    assert again["version"] == 1


def test_list_returns_metadata_only(user: Actor) -> None:
    prefix = unique("listed")
    project = new_project(user)
    values = [unique("v1"), unique("v2"), unique("v3")]
    made = [
        new_secret(user, name=f"{prefix}/a", value=values[0]),
        new_secret(user, name=f"{prefix}/b", value=values[1], type="text"),
        new_secret(
            user, name=f"{prefix}/c", value=values[2], visibility="project", project=project
        ),
    ]
    response = user.get(SECRETS, params={"name_prefix": prefix})
    page = expect(response, 200)
    assert set(page) == {"data", "next_cursor"}
    assert_no_value_key(page)
    for value in values:
        absent(value, response.text, "the list response")
    assert ids(page["data"]) == ids(made)
    for item in page["data"]:
        assert set(item) == METADATA_FIELDS
    # The unfiltered list shows them too, still without values.
    everything = ids(list_all(user))
    assert ids(made) <= everything


def test_list_filters_by_project_visibility_and_name_prefix(user: Actor) -> None:
    prefix = unique("filters")
    project = new_project(user)
    other_project = new_project(user)
    private = new_secret(user, name=f"{prefix}/private")
    shared = new_secret(user, name=f"{prefix}/shared", visibility="project", project=project)
    elsewhere = new_secret(
        user, name=f"{prefix}/elsewhere", visibility="project", project=other_project
    )
    outside = new_secret(user, name=unique("unrelated"), visibility="project", project=project)

    in_project = ids(list_all(user, project=project))
    assert in_project == {shared["id"], outside["id"]}

    privates = list_all(user, visibility="private", name_prefix=prefix)
    assert [s["id"] for s in privates] == [private["id"]]
    all_privates = list_all(user, visibility="private")
    assert all(s["visibility"] == "private" for s in all_privates)
    assert private["id"] in ids(all_privates)

    projects = ids(list_all(user, visibility="project", name_prefix=prefix))
    assert projects == {shared["id"], elsewhere["id"]}

    by_prefix = ids(list_all(user, name_prefix=prefix))
    assert by_prefix == {private["id"], shared["id"], elsewhere["id"]}

    combined = list_all(user, project=project, name_prefix=prefix)
    assert [s["id"] for s in combined] == [shared["id"]]

    nothing = list_all(user, project=project, visibility="private")
    assert nothing == []

    expect(user.get(SECRETS, params={"visibility": "public"}), 422)
    unknown = expect(user.get(SECRETS, params={"project": unique("no-such-project")}), 404)
    assert unknown["type"] == "urn:keyhouse:problem:not-found"


def test_name_prefix_is_literal_not_a_pattern(user: Actor) -> None:
    # '_' and '%' are LIKE wildcards; a prefix must match them literally.
    stem = unique("literal")
    underscore = new_secret(user, name=f"{stem}_x")
    lookalike = new_secret(user, name=f"{stem}Zx")
    found = ids(list_all(user, name_prefix=f"{stem}_"))
    assert underscore["id"] in found
    assert lookalike["id"] not in found
    percent = list_all(user, name_prefix=f"{stem}%")
    assert percent == []


def test_list_pages_with_a_cursor(user: Actor) -> None:
    prefix = unique("paged")
    made = [new_secret(user, name=f"{prefix}/{i}")["id"] for i in range(5)]
    seen: list[str] = []
    cursor: str | None = None
    pages = 0
    while True:
        params: dict[str, Any] = {"name_prefix": prefix, "limit": 2}
        if cursor is not None:
            params["cursor"] = cursor
        page = expect(user.get(SECRETS, params=params), 200)
        assert len(page["data"]) <= 2
        seen.extend(s["id"] for s in page["data"])
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert pages == 3
    assert seen == made  # oldest first, each once
    bad_cursor = expect(user.get(SECRETS, params={"cursor": "not-a-cursor"}), 422)
    assert bad_cursor["errors"][0]["pointer"] == "/query/cursor"


def test_duplicate_name_in_one_namespace_conflicts(user: Actor) -> None:
    name = unique("dup")
    new_secret(user, name=name)
    conflict = expect(user.post(SECRETS, json={"name": name, "value": "other"}), 409)
    assert conflict["type"] == "urn:keyhouse:problem:conflict"
    assert name in conflict["detail"]

    project = new_project(user)
    new_secret(user, name=name, visibility="project", project=project)
    again = user.post(
        SECRETS, json={"name": name, "value": "x", "visibility": "project", "project": project}
    )
    assert project in expect(again, 409)["detail"]
    both = list_all(user, name_prefix=name)
    assert len(both) == 2


def test_same_name_in_different_namespaces_is_fine(user: Actor, other_user: Actor) -> None:
    name = unique("shared-name")
    other_ref = f"user/{other_user.name}"
    mine_value, theirs_value = unique("mine"), unique("theirs")
    mine = new_secret(user, name=name, value=mine_value)
    theirs = new_secret(other_user, name=name, value=theirs_value)
    assert mine["id"] != theirs["id"]
    assert theirs["owner"] == other_ref

    project = new_project(user)
    in_project = new_secret(user, name=name, visibility="project", project=project)
    assert in_project["id"] not in {mine["id"], theirs["id"]}

    # Each lookup finds its own namespace's secret.
    private_hit = expect(user.get(f"{SECRETS}/by-name", params={"name": name}), 200)
    assert private_hit["id"] == mine["id"]
    project_hit = user.get(f"{SECRETS}/by-name", params={"name": name, "project": project})
    assert expect(project_hit, 200)["id"] == in_project["id"]
    other_hit = expect(other_user.get(f"{SECRETS}/by-name", params={"name": name}), 200)
    assert other_hit["id"] == theirs["id"]
    same_value(value_of(user, mine["id"])["value"], mine_value)
    same_value(value_of(other_user, theirs["id"])["value"], theirs_value)


def test_secret_names_are_path_like(user: Actor) -> None:
    accepted = f"hopsworks/role/{unique('r')}/type/api-key"
    expect(user.post(SECRETS, json={"name": accepted, "value": "x"}), 201)
    refused = {
        f"/{unique('lead')}": "must not start with '/'",
        f"{unique('trail')}/": "must not end with '/'",
        f"{unique('a')}//b": "empty path segment",
        f"{unique('a')}/../b": "'..'",
        f"{unique('a')} b": "path segments may hold only",
        "x" * 257: "256",
    }
    for name, reason in refused.items():
        problem = expect(user.post(SECRETS, json={"name": name, "value": "x"}), 422)
        errors = {e["pointer"]: e["detail"] for e in problem["errors"]}
        assert "/body/name" in errors, errors
        assert reason in errors["/body/name"]
    lookup = expect(user.get(f"{SECRETS}/by-name", params={"name": "/leading"}), 422)
    assert lookup["errors"][0]["pointer"] == "/query/name"
