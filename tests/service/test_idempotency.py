"""``Idempotency-Key`` on creates: one logical create makes one object."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, create_engine, func, select

from keyhouse.models import IdempotencyRecord
from tests.support.actors import Actor, client, expect, unique
from tests.support.keyhouse_server import KeyhouseServer, start_server


def _key_body(name: str) -> dict[str, object]:
    return {"name": name, "scopes": ["job"]}


def _count_keys(actor: Actor, name: str) -> int:
    return len(expect(actor.get("/api/v1/api-keys", params={"name": name}), 200)["data"])


def test_a_repeated_create_returns_the_first_response(user: Actor) -> None:
    name = unique("idem")
    headers = {"Idempotency-Key": uuid.uuid4().hex}
    first = user.post("/api/v1/api-keys", json=_key_body(name), headers=headers)
    again = user.post("/api/v1/api-keys", json=_key_body(name), headers=headers)
    assert expect(first, 201) == expect(again, 201)
    assert "Idempotent-Replayed" not in first.headers
    assert again.headers["Idempotent-Replayed"] == "true"
    assert _count_keys(user, name) == 1


def test_the_same_key_with_another_body_is_a_conflict(user: Actor) -> None:
    headers = {"Idempotency-Key": uuid.uuid4().hex}
    expect(user.post("/api/v1/api-keys", json=_key_body(unique("a")), headers=headers), 201)
    other = unique("b")
    problem = expect(user.post("/api/v1/api-keys", json=_key_body(other), headers=headers), 409)
    assert "Idempotency-Key" in problem["detail"]
    assert _count_keys(user, other) == 0


def test_keys_are_per_principal(user: Actor, other_user: Actor) -> None:
    headers = {"Idempotency-Key": uuid.uuid4().hex}
    name = unique("shared-idem")
    mine = expect(user.post("/api/v1/api-keys", json=_key_body(name), headers=headers), 201)
    theirs = expect(other_user.post("/api/v1/api-keys", json=_key_body(name), headers=headers), 201)
    assert mine["id"] != theirs["id"]


def _second_key(user: Actor, scopes: list[str], project: str | None = None) -> Actor:
    """Another key of ``user``'s own principal, holding ``scopes``."""
    body: dict[str, object] = {"name": unique("narrow"), "scopes": scopes}
    if project is not None:
        body["project"] = project
    created = expect(user.post("/api/v1/api-keys", json=body), 201)
    http = client(str(user.http.base_url), created["key"])
    return Actor(user.kind, user.name, created["key"], created["id"], http)


def test_a_narrower_key_of_the_same_principal_gets_no_replay(user: Actor) -> None:
    project = unique("replay")
    expect(user.post("/api/v1/projects", json={"name": project}), 201)
    keys_only = _second_key(user, ["keys"])
    restricted = _second_key(user, ["keys", "job"], project=project)
    headers = {"Idempotency-Key": uuid.uuid4().hex}
    name = unique("broad")
    first = expect(user.post("/api/v1/api-keys", json=_key_body(name), headers=headers), 201)
    for narrow in (keys_only, restricted):
        # Decided as new: a keys-only key cannot grant job; a restricted key makes only
        # keys restricted like itself. Neither sees the first key.
        again = narrow.post("/api/v1/api-keys", json=_key_body(name), headers=headers)
        assert again.status_code == 403, again.status_code
        assert "Idempotent-Replayed" not in again.headers
        assert first["key"] not in again.text
    assert _count_keys(user, name) == 1


def test_a_key_without_the_secrets_scope_cannot_replay_a_secrets_create(user: Actor) -> None:
    job_only = _second_key(user, ["job"])
    headers = {"Idempotency-Key": uuid.uuid4().hex}
    body = {"name": unique("private/replayed"), "value": f"v-{uuid.uuid4().hex}"}
    created = expect(user.post("/api/v1/secrets", json=body, headers=headers), 201)
    again = job_only.post("/api/v1/secrets", json=body, headers=headers)
    assert expect(again, 403)["scope"] == "secrets"
    assert "Idempotent-Replayed" not in again.headers
    assert created["id"] not in again.text


def test_every_replay_is_audited_with_the_key_id(admin: httpx.Client, user: Actor) -> None:
    headers = {"Idempotency-Key": uuid.uuid4().hex}
    name = unique("audited-replay")
    created = expect(user.post("/api/v1/api-keys", json=_key_body(name), headers=headers), 201)
    replayed = user.post("/api/v1/api-keys", json=_key_body(name), headers=headers)
    assert replayed.headers["Idempotent-Replayed"] == "true"
    events = expect(
        admin.get("/api/v1/audit", params={"principal": user.name, "action": "keys:CreateKey"}),
        200,
    )["data"]
    about = [
        (e["outcome"], e["key_id"]) for e in events if e["target"] == f"khrn:apikey:{created['id']}"
    ]
    assert about == [("replayed", user.key_id), ("success", user.key_id)]


def test_concurrent_retries_create_once(user: Actor) -> None:
    name = unique("race")
    headers = {"Idempotency-Key": uuid.uuid4().hex}

    def attempt(_: int) -> httpx.Response:
        with client(str(user.http.base_url), user.key) as http:
            return http.post("/api/v1/api-keys", json=_key_body(name), headers=headers)

    with ThreadPoolExecutor(max_workers=8) as pool:
        responses = list(pool.map(attempt, range(8)))
    bodies = [expect(r, 201) for r in responses]
    assert len({b["id"] for b in bodies}) == 1
    assert _count_keys(user, name) == 1


def test_every_create_endpoint_honours_the_header(admin: httpx.Client) -> None:
    creates = {
        "/api/v1/users": {"name": unique("u")},
        "/api/v1/roles": {"name": unique("r")},
        "/api/v1/projects": {"name": unique("p")},
        "/api/v1/scopes": {"name": unique("s")},
        "/api/v1/secrets": {"name": unique("s"), "value": "v"},
    }
    for path, body in creates.items():
        headers = {"Idempotency-Key": uuid.uuid4().hex}
        first = expect(admin.post(path, json=body, headers=headers), 201)
        again = admin.post(path, json=body, headers=headers)
        assert expect(again, 201) == first, path
        assert again.headers["Idempotent-Replayed"] == "true", path


def test_a_bad_header_is_refused(user: Actor) -> None:
    name = unique("bad-header")
    response = user.post(
        "/api/v1/api-keys", json=_key_body(name), headers={"Idempotency-Key": "x" * 256}
    )
    assert expect(response, 400)["detail"].startswith("the Idempotency-Key header")
    assert _count_keys(user, name) == 0


def test_stored_responses_are_encrypted(user: Actor, db: Engine) -> None:
    idempotency_key = uuid.uuid4().hex
    created = expect(
        user.post(
            "/api/v1/api-keys",
            json=_key_body(unique("sealed")),
            headers={"Idempotency-Key": idempotency_key},
        ),
        201,
    )
    with db.connect() as connection:
        record = connection.execute(
            select(IdempotencyRecord.ciphertext, IdempotencyRecord.wrapped_key).where(
                IdempotencyRecord.key == idempotency_key
            )
        ).one()
    stored = bytes(record[0]) + bytes(record[1])
    assert created["key"].encode() not in stored
    assert created["id"].encode() not in stored


@pytest.fixture(scope="module")
def short_window_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KeyhouseServer]:
    """A service whose idempotency window is two seconds."""
    directory: Path = tmp_path_factory.mktemp("short-window")
    server = start_server(
        "sqlite",
        f"sqlite:///{directory / 'keyhouse.db'}",
        directory,
        KEYHOUSE_IDEMPOTENCY_WINDOW_HOURS=str(2 / 3600),
    )
    yield server
    server.stop()


def test_records_are_purged_after_the_window(short_window_service: KeyhouseServer) -> None:
    headers = {"Idempotency-Key": uuid.uuid4().hex}
    body = {"name": unique("window"), "scopes": ["job"]}
    engine = create_engine(short_window_service.database_url)
    with client(short_window_service.url, short_window_service.admin_key) as admin:
        first = expect(admin.post("/api/v1/api-keys", json=body, headers=headers), 201)
        time.sleep(2.5)
        # Any create purges expired records; the old key then starts a new create.
        trigger = {"name": unique("trigger"), "scopes": ["job"]}
        expect(admin.post("/api/v1/api-keys", json=trigger, headers={"Idempotency-Key": "t"}), 201)
        with engine.connect() as connection:
            stored = connection.scalar(
                select(func.count())
                .select_from(IdempotencyRecord)
                .where(IdempotencyRecord.key == headers["Idempotency-Key"])
            )
        assert stored == 0
        second = admin.post(
            "/api/v1/api-keys", json={**body, "name": unique("window")}, headers=headers
        )
        assert expect(second, 201)["id"] != first["id"]
    engine.dispose()


_POLICY = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "secrets:GetSecret", "Resource": "*"}],
}


def _cases(
    admin: httpx.Client,
) -> list[tuple[str, dict[str, object], Callable[[dict[str, Any]], str]]]:
    """(create path, body, how to delete what it answered) for every create with a delete."""
    role = unique("idem-role")
    expect(admin.post("/api/v1/roles", json={"name": role}), 201)
    project = unique("idem-project")
    expect(admin.post("/api/v1/projects", json={"name": project}), 201)
    policy = unique("idem-policy")
    expect(admin.post("/api/v1/iam/policies", json={"name": policy, "document": _POLICY}), 201)
    return [
        ("/api/v1/users", {"name": unique("u")}, lambda made: f"/api/v1/users/{made['name']}"),
        ("/api/v1/roles", {"name": unique("r")}, lambda made: f"/api/v1/roles/{made['name']}"),
        (
            "/api/v1/projects",
            {"name": unique("p")},
            lambda made: f"/api/v1/projects/{made['name']}",
        ),
        (
            "/api/v1/secrets",
            {"name": unique("s"), "value": "v"},
            lambda made: f"/api/v1/secrets/{made['id']}",
        ),
        ("/api/v1/api-keys", _key_body(unique("k")), lambda made: f"/api/v1/api-keys/{made['id']}"),
        (
            "/api/v1/iam/policies",
            {"name": unique("pol"), "document": _POLICY},
            lambda made: f"/api/v1/iam/policies/{made['name']}",
        ),
        (
            f"/api/v1/iam/policies/{policy}/attachments",
            {"principal_kind": "role", "principal_name": role},
            lambda made: f"/api/v1/iam/policies/{policy}/attachments/role/{role}",
        ),
        (
            f"/api/v1/projects/{project}/members",
            {"principal_kind": "role", "principal_name": role, "role": "viewer"},
            lambda made: f"/api/v1/projects/{project}/members/role/{role}",
        ),
    ]


def test_a_create_repeated_after_its_object_was_deleted_creates_anew(
    admin: httpx.Client,
) -> None:
    # Terraform's provider derives the key from the resource and its body: applying,
    # destroying and applying one configuration sends the same key each time.
    for path, body, delete_path in _cases(admin):
        headers = {"Idempotency-Key": uuid.uuid4().hex}
        for round_ in range(3):
            made = admin.post(path, json=body, headers=headers)
            assert made.status_code == 201, (path, round_, made.text)
            assert "Idempotent-Replayed" not in made.headers, (path, round_)
            again = admin.post(path, json=body, headers=headers)  # still a replay while it lives
            assert again.headers.get("Idempotent-Replayed") == "true", (path, round_)
            expect(admin.delete(delete_path(made.json())), 204)


def test_a_create_repeated_after_its_key_was_revoked_is_decided_anew(user: Actor) -> None:
    headers = {"Idempotency-Key": uuid.uuid4().hex}
    body = _key_body(unique("revoked"))
    first = expect(user.post("/api/v1/api-keys", json=body, headers=headers), 201)
    expect(user.post(f"/api/v1/api-keys/{first['id']}/revoke"), 200)
    # Not the revoked key's plaintext again: the revoked key keeps its name, so a new
    # key by that name is refused, naming why.
    again = user.post("/api/v1/api-keys", json=body, headers=headers)
    assert "already has an API key named" in expect(again, 409)["detail"]
    assert "Idempotent-Replayed" not in again.headers
    assert first["key"] not in again.text
