"""``POST /api/v1/api-keys/{key_id}/roll``: a new key in the old one's place, with an overlap."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from typing import Any

import httpx

from tests.support.actors import Actor, client, create_key, expect, make_role, unique
from tests.support.keyhouse_server import KeyhouseServer

OVERLAP = 3600


def roll(http: httpx.Client | Actor, key_id: str, **body: Any) -> httpx.Response:
    """Send a roll (an hour's overlap unless given)."""
    body.setdefault("overlap_seconds", OVERLAP)
    headers = {"Idempotency-Key": body.pop("idempotency_key")} if "idempotency_key" in body else {}
    return http.post(f"/api/v1/api-keys/{key_id}/roll", json=body, headers=headers)


def new_key(http: httpx.Client | Actor, **body: Any) -> dict[str, Any]:
    body.setdefault("name", unique("key"))
    body.setdefault("scopes", ["keys", "secrets"])
    created: dict[str, Any] = expect(http.post("/api/v1/api-keys", json=body), 201)
    return created


def at(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp)


def whoami(service: KeyhouseServer, key: str) -> httpx.Response:
    with client(service.url, key) as http:
        return http.get("/api/v1/whoami")


def test_a_roll_makes_the_same_key_anew_and_keeps_the_old_one_for_the_overlap(
    service: KeyhouseServer, user: Actor, anonymous: httpx.Client
) -> None:
    old = new_key(user, expires_in_days=30)
    rolled = expect(roll(user, old["id"]), 201)

    # GIVEN a key rolled with an hour's overlap, THEN the new key is its twin, shown once.
    assert rolled["id"] != old["id"]
    assert rolled["key"].startswith(f"kh_{rolled['id']}_")
    for field in ("name", "owner", "scopes", "project"):
        assert rolled[field] == old[field], field
    assert at(rolled["expires_at"]) - at(rolled["created_at"]) == timedelta(days=30)
    assert rolled["status"] == "active"
    assert rolled["replaced_by"] is None
    assert rolled["secret"] is None
    # The old key is rolled, names its replacement, and ends with the overlap.
    replaced = rolled["replaces"]
    assert replaced["id"] == old["id"]
    assert replaced["status"] == "rolled"
    assert replaced["replaced_by"] == rolled["id"]
    assert at(replaced["expires_at"]) - at(rolled["created_at"]) == timedelta(seconds=OVERLAP)
    assert expect(user.get(f"/api/v1/api-keys/{old['id']}"), 200) == replaced

    # Both keys work; the old one says it was rolled, to whoami and to keys:verify.
    assert expect(whoami(service, rolled["key"]), 200)["key"]["replaced_by"] is None
    assert expect(whoami(service, old["key"]), 200)["key"]["replaced_by"] == rolled["id"]
    answer = expect(anonymous.post("/api/v1/keys:verify", json={"key": old["key"]}), 200)
    assert answer["valid"] is True
    assert answer["replaced_by"] == rolled["id"]
    assert answer["expires_at"] == replaced["expires_at"]

    # Lists tell them apart; the name belongs to the new key.
    listed = expect(user.get("/api/v1/api-keys", params={"name": old["name"]}), 200)["data"]
    assert {k["id"]: k["status"] for k in listed} == {old["id"]: "rolled", rolled["id"]: "active"}
    rolled_only = expect(user.get("/api/v1/api-keys", params={"status": "rolled"}), 200)["data"]
    assert [k["id"] for k in rolled_only] == [old["id"]]
    expect(user.post("/api/v1/api-keys", json={"name": old["name"], "scopes": ["keys"]}), 409)


def test_after_the_overlap_the_old_key_is_expired(
    service: KeyhouseServer, user: Actor, anonymous: httpx.Client
) -> None:
    old = new_key(user)
    rolled = expect(roll(user, old["id"], overlap_seconds=1), 201)
    assert expect(whoami(service, old["key"]), 200)["key"]["id"] == old["id"]
    time.sleep(1.2)
    problem = expect(whoami(service, old["key"]), 401)
    assert problem["reason"] == "expired"
    answer = expect(anonymous.post("/api/v1/keys:verify", json={"key": old["key"]}), 200)
    assert (answer["valid"], answer["reason"]) == (False, "expired")
    assert expect(user.get(f"/api/v1/api-keys/{old['id']}"), 200)["status"] == "expired"
    expect(whoami(service, rolled["key"]), 200)


def test_overlap_zero_ends_the_old_key_now_and_never_extends_it(
    service: KeyhouseServer, user: Actor
) -> None:
    now_ended = new_key(user)
    expect(roll(user, now_ended["id"], overlap_seconds=0), 201)
    assert expect(whoami(service, now_ended["key"]), 401)["reason"] == "expired"

    short = new_key(user, expires_at=(datetime.now().astimezone() + timedelta(hours=1)).isoformat())
    rolled = expect(roll(user, short["id"], overlap_seconds=7 * 86400), 201)
    assert rolled["replaces"]["expires_at"] == short["expires_at"]


def test_a_roll_may_change_the_lifetime_and_the_scopes(user: Actor) -> None:
    old = new_key(user, expires_in_days=30)
    rolled = expect(roll(user, old["id"], expires_in_days=60, scopes=["keys"]), 201)
    assert at(rolled["expires_at"]) - at(rolled["created_at"]) == timedelta(days=60)
    assert rolled["scopes"] == ["keys"]
    problem = expect(roll(user, rolled["id"], expires_in_days=100_000), 409)
    assert problem["errors"][0]["pointer"] == "/body/expires_in_days"
    assert "maximum" in problem["detail"]
    assert expect(user.get(f"/api/v1/api-keys/{rolled['id']}"), 200)["status"] == "active"


def test_bad_overlaps_are_refused_naming_the_field(user: Actor) -> None:
    old = new_key(user)
    for body in ({"overlap_seconds": -1}, {}, {"overlap_seconds": 10**12}):
        response = user.post(f"/api/v1/api-keys/{old['id']}/roll", json=body)
        problem = expect(response, 422)
        assert problem["errors"][0]["pointer"] == "/body/overlap_seconds"
    assert expect(user.get(f"/api/v1/api-keys/{old['id']}"), 200)["status"] == "active"


def test_rolled_and_revoked_keys_do_not_roll(user: Actor) -> None:
    old = new_key(user)
    rolled = expect(roll(user, old["id"]), 201)
    problem = expect(roll(user, old["id"]), 409)
    assert rolled["id"] in problem["detail"]
    expect(user.patch(f"/api/v1/api-keys/{old['id']}", json={"scopes": ["keys"]}), 409)
    expect(user.post(f"/api/v1/api-keys/{rolled['id']}/revoke"), 200)
    assert "revoked" in expect(roll(user, rolled["id"]), 409)["detail"]


def test_an_idempotency_key_replays_the_first_roll(user: Actor) -> None:
    old = new_key(user)
    first = expect(roll(user, old["id"], idempotency_key="roll-1"), 201)
    again = roll(user, old["id"], idempotency_key="roll-1")
    assert expect(again, 201) == first
    assert again.headers["Idempotent-Replayed"] == "true"
    expect(roll(user, old["id"], idempotency_key="roll-1", overlap_seconds=5), 409)
    listed = expect(user.get("/api/v1/api-keys", params={"name": old["name"]}), 200)["data"]
    assert len(listed) == 2


def test_another_key_of_the_same_user_never_gets_the_first_rolls_answer(
    service: KeyhouseServer, admin: httpx.Client, user: Actor
) -> None:
    # GIVEN a roll made with the user's key and an Idempotency-Key
    old = new_key(user)
    first = expect(roll(user, old["id"], idempotency_key="roll-shared"), 201)
    # WHEN another key of the same user sends the same header and body
    other = create_key(admin, service.url, owner_kind="user", owner_name=user.name, scopes=["keys"])
    again = roll(other, old["id"], idempotency_key="roll-shared")
    # THEN it is decided anew (the key was rolled already): no replay, no new key in it
    problem = expect(again, 409)
    assert "Idempotent-Replayed" not in again.headers
    assert first["key"] not in again.text
    assert "rolled already" in problem["detail"]
    other.http.close()


def test_a_roll_is_audited_with_the_old_and_the_new_key(admin: httpx.Client, user: Actor) -> None:
    old = new_key(user)
    rolled = expect(roll(user, old["id"]), 201)
    events = expect(admin.get("/api/v1/audit", params={"principal": user.name}), 200)["data"]
    event = next(e for e in events if e["action"] == "keys:RollKey")
    assert (event["target"], event["related"], event["outcome"]) == (
        f"khrn:apikey:{old['id']}",
        rolled["arn"],
        "success",
    )


def test_rolling_is_allowed_to_whoever_may_create_that_key(
    service: KeyhouseServer, admin: httpx.Client, user: Actor
) -> None:
    # GIVEN a role's key, made by the admin: the user may not pass the role.
    role = make_role(admin, service.url, scopes=["keys"])
    expect(roll(user, role.key_id), 404)  # neither owned nor made by the user
    expect(roll(role, role.key_id), 201)  # its owner may: as it may make its own keys
    # WHEN a policy denies the user keys:CreateKey THEN its own keys do not roll either.
    mine = new_key(user)
    name = unique("no-new-keys")
    document = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Deny", "Action": "keys:CreateKey", "Resource": "*"}],
    }
    expect(admin.post("/api/v1/iam/policies", json={"name": name, "document": document}), 201)
    expect(
        admin.post(
            f"/api/v1/iam/policies/{name}/attachments",
            json={"principal_kind": "user", "principal_name": user.name},
        ),
        201,
    )
    assert "keys:CreateKey" in expect(roll(user, mine["id"]), 403)["detail"]
    assert expect(user.get(f"/api/v1/api-keys/{mine['id']}"), 200)["status"] == "active"


def _stored(http: httpx.Client | Actor, key: str, **body: Any) -> dict[str, Any]:
    secret: dict[str, Any] = expect(
        http.post("/api/v1/secrets", json={"name": unique("team/api-key"), "value": key, **body}),
        201,
    )
    return secret


def test_a_key_kept_in_a_secret_rolls_in_place(
    service: KeyhouseServer, admin: httpx.Client
) -> None:
    # GIVEN a role's key kept in a secret (the seed-000 shape), made by the admin.
    role = create_key(
        admin, service.url, owner_kind="role", owner_name=_role(admin), scopes=["job"]
    )
    secret = _stored(admin, role.key)
    # WHEN it rolls into that secret
    rolled = expect(roll(admin, role.key_id, store_in_secret_id=secret["id"]), 201)
    # THEN the new key is the secret's next version (same id, same arn) and not in the answer.
    assert rolled["key"] is None
    assert rolled["secret"]["id"] == secret["id"]
    assert rolled["secret"]["arn"] == secret["arn"]
    assert rolled["secret"]["version"] == secret["version"] + 1
    value = expect(admin.get(f"/api/v1/secrets/{secret['id']}/value"), 200)
    assert value["version"] == secret["version"] + 1
    assert expect(whoami(service, value["value"]), 200)["key"]["id"] == rolled["id"]
    assert expect(whoami(service, role.key), 200)["key"]["replaced_by"] == rolled["id"]


def test_a_roll_writes_only_into_the_secret_holding_the_old_key(
    service: KeyhouseServer, admin: httpx.Client
) -> None:
    role = create_key(
        admin, service.url, owner_kind="role", owner_name=_role(admin), scopes=["job"]
    )
    unrelated = _stored(admin, "not the key")
    problem = expect(roll(admin, role.key_id, store_in_secret_id=unrelated["id"]), 409)
    assert unrelated["id"] in problem["detail"]
    assert "does not hold" in problem["detail"]
    as_file = _stored(admin, "aGVsbG8=", type="file")
    problem = expect(roll(admin, role.key_id, store_in_secret_id=as_file["id"]), 409)
    assert problem["errors"][0]["pointer"] == "/body/store_in_secret_id"
    # Nothing changed: the key is active and the secret still at its first version.
    assert expect(admin.get(f"/api/v1/api-keys/{role.key_id}"), 200)["status"] == "active"
    assert expect(admin.get(f"/api/v1/secrets/{unrelated['id']}"), 200)["version"] == 1


def _role(admin: httpx.Client) -> str:
    name = unique("role")
    expect(admin.post("/api/v1/roles", json={"name": name}), 201)
    return name
