"""Reading, listing, updating, revoking and deleting API keys."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine

from keyhouse.core.keys import new_key_id
from tests.support.actors import Actor, client, expect, make_user, unique
from tests.support.database import set_key_expiry
from tests.support.keyhouse_server import KeyhouseServer


def new_key(http: httpx.Client | Actor, **body: Any) -> dict[str, Any]:
    """Create a key (unique name, ``keys`` scope unless given); the create response."""
    body.setdefault("name", unique("key"))
    body.setdefault("scopes", ["keys"])
    created: dict[str, Any] = expect(http.post("/api/v1/api-keys", json=body), 201)
    return created


def listed_ids(http: httpx.Client | Actor, **params: Any) -> list[str]:
    """Ids of every key the caller lists with ``params``, following the pages."""
    ids: list[str] = []
    cursor: str | None = None
    while True:
        page_params = {**params, "limit": 200}
        if cursor is not None:
            page_params["cursor"] = cursor
        page = expect(http.get("/api/v1/api-keys", params=page_params), 200)
        ids.extend(row["id"] for row in page["data"])
        cursor = page["next_cursor"]
        if cursor is None:
            return ids


def without_request(problem: dict[str, Any], key_id: str) -> dict[str, Any]:
    """A problem with what varies per request (its id, the path and key id) taken out."""
    return {
        k: (v.replace(key_id, "<id>") if isinstance(v, str) else v)
        for k, v in problem.items()
        if k not in {"request_id", "instance"}
    }


def test_get_a_key(user: Actor) -> None:
    created = new_key(user, scopes=["secrets", "keys"])
    fetched = expect(user.get(f"/api/v1/api-keys/{created['id']}"), 200)
    assert fetched == {k: v for k, v in created.items() if k != "key"}
    assert fetched["owner"] == {"kind": "user", "name": user.name}
    assert fetched["status"] == "active"
    assert fetched["revoked_at"] is None
    assert fetched["last_used_at"] is None


def test_get_with_a_malformed_id_is_refused(user: Actor) -> None:
    expect(user.get("/api/v1/api-keys/NOT-A-KEY-ID"), 422)


def test_the_creator_sees_keys_it_made_for_others(admin: httpx.Client, user: Actor) -> None:
    # The user fixture's key was created by the admin.
    fetched = expect(admin.get(f"/api/v1/api-keys/{user.key_id}"), 200)
    assert fetched["owner"] == {"kind": "user", "name": user.name}


def test_list_shows_own_keys_only(user: Actor, other_user: Actor) -> None:
    mine = new_key(user)
    theirs = new_key(other_user)
    ids = listed_ids(user)
    assert set(ids) == {user.key_id, mine["id"]}
    assert theirs["id"] not in ids


def test_list_pages(user: Actor) -> None:
    made = [new_key(user)["id"] for _ in range(4)]
    first = expect(user.get("/api/v1/api-keys", params={"limit": 2}), 200)
    assert len(first["data"]) == 2
    assert first["next_cursor"] is not None
    assert set(listed_ids(user)) == {user.key_id, *made}
    expect(user.get("/api/v1/api-keys", params={"cursor": "garbage"}), 422)


def test_list_filters_by_name(user: Actor) -> None:
    wanted = new_key(user, name=unique("wanted"))
    new_key(user, name=unique("other"))
    rows = expect(user.get("/api/v1/api-keys", params={"name": wanted["name"]}), 200)["data"]
    assert [row["id"] for row in rows] == [wanted["id"]]
    assert listed_ids(user, name=unique("nobody")) == []


def test_list_filters_by_prefix(user: Actor) -> None:
    first = new_key(user)
    second = new_key(user)
    assert first["prefix"] != second["prefix"]
    assert listed_ids(user, prefix=first["prefix"]) == [first["id"]]
    assert listed_ids(user, prefix=second["prefix"]) == [second["id"]]
    # Every key starts with the tag.
    assert set(listed_ids(user, prefix="kh_")) == {user.key_id, first["id"], second["id"]}
    # A LIKE wildcard is matched literally.
    assert listed_ids(user, prefix="kh%") == []
    assert listed_ids(user, prefix="k_") == []


def test_list_filters_by_a_prefix_longer_than_the_display_prefix(user: Actor) -> None:
    created = new_key(user)
    # The filter takes up to 16 characters of the key; the display prefix holds 12.
    # A longer start of the key must still find it (or be refused), never match nothing.
    response = user.get("/api/v1/api-keys", params={"prefix": created["key"][:16]})
    if response.status_code == 422:
        return
    assert [row["id"] for row in expect(response, 200)["data"]] == [created["id"]]


def test_list_filters_by_status(service: KeyhouseServer, user: Actor, db: Engine) -> None:
    active = new_key(user)
    revoked = new_key(user)
    expired = new_key(user)
    expect(user.post(f"/api/v1/api-keys/{revoked['id']}/revoke"), 200)
    set_key_expiry(db, service.url, expired["key"], datetime.now(UTC) - timedelta(minutes=1))

    assert set(listed_ids(user, status="active")) == {user.key_id, active["id"]}
    assert listed_ids(user, status="revoked") == [revoked["id"]]
    assert listed_ids(user, status="expired") == [expired["id"]]
    assert set(listed_ids(user)) == {user.key_id, active["id"], revoked["id"], expired["id"]}
    statuses = {
        row["id"]: row["status"]
        for row in expect(user.get("/api/v1/api-keys", params={"limit": 200}), 200)["data"]
    }
    assert statuses[active["id"]] == "active"
    assert statuses[revoked["id"]] == "revoked"
    assert statuses[expired["id"]] == "expired"
    expect(user.get("/api/v1/api-keys", params={"status": "deleted"}), 422)


def test_update_the_name(user: Actor) -> None:
    created = new_key(user)
    name = unique("renamed key")
    updated = expect(user.patch(f"/api/v1/api-keys/{created['id']}", json={"name": name}), 200)
    assert updated["name"] == name
    assert expect(user.get(f"/api/v1/api-keys/{created['id']}"), 200)["name"] == name
    assert listed_ids(user, name=name) == [created["id"]]
    assert listed_ids(user, name=created["name"]) == []


def test_update_to_a_taken_name_is_refused(user: Actor) -> None:
    first = new_key(user)
    second = new_key(user)
    expect(user.patch(f"/api/v1/api-keys/{second['id']}", json={"name": first["name"]}), 409)
    assert expect(user.get(f"/api/v1/api-keys/{second['id']}"), 200)["name"] == second["name"]
    # Keeping its own name is no conflict.
    expect(user.patch(f"/api/v1/api-keys/{first['id']}", json={"name": first["name"]}), 200)


def test_update_the_scopes(service: KeyhouseServer, user: Actor) -> None:
    created = new_key(user, scopes=["keys"])
    updated = expect(
        user.patch(
            f"/api/v1/api-keys/{created['id']}",
            json={"scopes": ["secrets", "kafka", "secrets"]},
        ),
        200,
    )
    assert updated["scopes"] == ["kafka", "secrets"]
    assert updated["name"] == created["name"]
    assert expect(user.get(f"/api/v1/api-keys/{created['id']}"), 200)["scopes"] == [
        "kafka",
        "secrets",
    ]
    # The key itself now holds the new scopes (and lost the old one).
    with client(service.url, created["key"]) as http:
        assert expect(http.get("/api/v1/whoami"), 200)["key"]["scopes"] == ["kafka", "secrets"]
        assert expect(http.get("/api/v1/api-keys"), 403)["scope"] == "keys"


def test_update_cannot_grant_scopes_the_caller_lacks(
    service: KeyhouseServer, admin: httpx.Client
) -> None:
    narrow = make_user(admin, service.url, scopes=["keys", "secrets"])
    created = new_key(narrow, scopes=["secrets"])
    problem = expect(
        narrow.patch(f"/api/v1/api-keys/{created['id']}", json={"scopes": ["job"]}), 403
    )
    assert problem["scope"] == "job"
    problem = expect(
        narrow.patch(f"/api/v1/api-keys/{created['id']}", json={"scopes": ["secrets", "nope"]}),
        409,
    )
    assert [e["pointer"] for e in problem["errors"]] == ["/body/scopes/1"]
    assert expect(narrow.get(f"/api/v1/api-keys/{created['id']}"), 200)["scopes"] == ["secrets"]


def test_update_cannot_put_admin_scopes_on_a_non_admin_key(
    admin: httpx.Client, user: Actor
) -> None:
    problem = expect(
        admin.patch(f"/api/v1/api-keys/{user.key_id}", json={"scopes": ["keys", "iam"]}), 409
    )
    assert [e["pointer"] for e in problem["errors"]] == ["/body/scopes/1"]
    assert "iam" not in expect(user.get("/api/v1/whoami"), 200)["key"]["scopes"]


def test_revoke_is_final(service: KeyhouseServer, user: Actor) -> None:
    created = new_key(user, scopes=["keys", "secrets"])
    with client(service.url, created["key"]) as http:
        expect(http.get("/api/v1/whoami"), 200)

        revoked = expect(user.post(f"/api/v1/api-keys/{created['id']}/revoke"), 200)
        assert revoked["status"] == "revoked"
        assert revoked["revoked_at"] is not None

        problem = expect(http.get("/api/v1/whoami"), 401)
        assert problem["reason"] == "revoked"

    # Still listed, as revoked.
    fetched = expect(user.get(f"/api/v1/api-keys/{created['id']}"), 200)
    assert fetched["status"] == "revoked"
    assert fetched["revoked_at"] == revoked["revoked_at"]
    assert created["id"] in listed_ids(user)

    # A revoked key cannot be changed...
    expect(user.patch(f"/api/v1/api-keys/{created['id']}", json={"name": unique("new")}), 409)
    expect(user.patch(f"/api/v1/api-keys/{created['id']}", json={"scopes": ["keys"]}), 409)
    assert expect(user.get(f"/api/v1/api-keys/{created['id']}"), 200)["name"] == created["name"]
    # ...and revoking again keeps the first time.
    again = expect(user.post(f"/api/v1/api-keys/{created['id']}/revoke"), 200)
    assert again["revoked_at"] == revoked["revoked_at"]
    assert again["status"] == "revoked"


def test_a_key_can_revoke_itself(user: Actor) -> None:
    expect(user.post(f"/api/v1/api-keys/{user.key_id}/revoke"), 200)
    assert expect(user.get("/api/v1/whoami"), 401)["reason"] == "revoked"


def test_delete(service: KeyhouseServer, user: Actor) -> None:
    created = new_key(user)
    response = user.delete(f"/api/v1/api-keys/{created['id']}")
    assert response.status_code == 204
    assert response.content == b""
    expect(user.get(f"/api/v1/api-keys/{created['id']}"), 404)
    assert created["id"] not in listed_ids(user)
    with client(service.url, created["key"]) as http:
        assert expect(http.get("/api/v1/whoami"), 401)["reason"] == "not_found"
    expect(user.delete(f"/api/v1/api-keys/{created['id']}"), 404)
    # Its name is free again.
    new_key(user, name=created["name"])


def test_a_revoked_key_can_be_deleted(user: Actor) -> None:
    created = new_key(user)
    expect(user.post(f"/api/v1/api-keys/{created['id']}/revoke"), 200)
    assert user.delete(f"/api/v1/api-keys/{created['id']}").status_code == 204
    expect(user.get(f"/api/v1/api-keys/{created['id']}"), 404)


@pytest.mark.parametrize(
    ("method", "suffix", "body"),
    [
        ("GET", "", None),
        ("PATCH", "", {"name": "stolen"}),
        ("POST", "/revoke", None),
        ("DELETE", "", None),
    ],
)
def test_others_cannot_learn_a_key_exists(
    service: KeyhouseServer,
    user: Actor,
    other_user: Actor,
    method: str,
    suffix: str,
    body: dict[str, Any] | None,
) -> None:
    target = new_key(user)
    missing_id = new_key_id()
    on_existing = other_user.request(method, f"/api/v1/api-keys/{target['id']}{suffix}", json=body)
    on_missing = other_user.request(method, f"/api/v1/api-keys/{missing_id}{suffix}", json=body)
    existing_problem = expect(on_existing, 404)
    missing_problem = expect(on_missing, 404)
    assert on_existing.headers["content-type"] == on_missing.headers["content-type"]
    assert without_request(existing_problem, target["id"]) == without_request(
        missing_problem, missing_id
    )
    # The key is untouched.
    fetched = expect(user.get(f"/api/v1/api-keys/{target['id']}"), 200)
    assert fetched["name"] == target["name"]
    assert fetched["status"] == "active"
    with client(service.url, target["key"]) as http:
        expect(http.get("/api/v1/whoami"), 200)
    assert target["id"] not in listed_ids(other_user)


def test_managing_keys_needs_the_keys_scope(
    service: KeyhouseServer, admin: httpx.Client, user: Actor
) -> None:
    created = new_key(user, scopes=["secrets"])
    with client(service.url, created["key"]) as http:
        for response in (
            http.get("/api/v1/api-keys"),
            http.get(f"/api/v1/api-keys/{created['id']}"),
            http.patch(f"/api/v1/api-keys/{created['id']}", json={"name": unique("x")}),
            http.post(f"/api/v1/api-keys/{created['id']}/revoke"),
            http.delete(f"/api/v1/api-keys/{created['id']}"),
        ):
            assert expect(response, 403)["scope"] == "keys"
    assert expect(user.get(f"/api/v1/api-keys/{created['id']}"), 200)["status"] == "active"
