"""Concurrent writers of one object: every acknowledged write is its own version, nothing lost.

Each test runs against both backends; PostgreSQL is where the races were
(SQLite writer transactions serialize). Writers are real HTTP clients in
threads, released together by a barrier.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import httpx

from tests.support.actors import Actor, add_member, client, expect, make_user, unique
from tests.support.keyhouse_server import SECRET_MARKER

SECRETS = "/api/v1/secrets"
WRITERS = 8


def race(work: Callable[[int, httpx.Client], Any], url: str, keys: list[str]) -> list[Any]:
    """Run ``work(i, http)`` in one thread per key (``http`` sends ``keys[i]``), all at once."""
    barrier = threading.Barrier(len(keys))
    results: list[Any] = [None] * len(keys)
    failures: list[BaseException] = []

    def run(index: int) -> None:
        with client(url, keys[index]) as http:
            barrier.wait()
            try:
                results[index] = work(index, http)
            except BaseException as exc:  # reported after the join
                failures.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(keys))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise failures[0]
    return results


def test_every_acknowledged_value_write_gets_its_own_version(service: Any, user: Actor) -> None:
    # GIVEN a secret
    secret = expect(user.post(SECRETS, json={"name": unique("race"), "value": "v0"}), 201)
    rounds = 12

    # WHEN 8 writers each replace its value 12 times, all at once
    def write(index: int, http: httpx.Client) -> list[tuple[int, str]]:
        made = []
        for n in range(rounds):
            value = f"{SECRET_MARKER}w{index}-{n}"
            answer = http.put(f"{SECRETS}/{secret['id']}/value", json={"value": value})
            body = expect(answer, 200)
            assert answer.headers["etag"] == f'"{body["version"]}"'
            made.append((body["version"], value))
        return made

    acknowledged = [
        pair for made in race(write, service.url, [user.key] * WRITERS) for pair in made
    ]

    # THEN every acknowledgement names a distinct version, the last one is the
    # secret's version, and the stored value is the one written with it
    versions = sorted(version for version, _ in acknowledged)
    assert versions == list(range(2, 2 + WRITERS * rounds))
    final = expect(user.get(f"{SECRETS}/{secret['id']}/value"), 200)
    assert final["version"] == versions[-1]
    if final["value"] != dict(acknowledged)[final["version"]]:
        raise AssertionError("the stored value is not the one acknowledged with the last version")


def test_compare_and_set_lets_exactly_one_of_the_racers_win(service: Any, user: Actor) -> None:
    # GIVEN a secret at version 1
    secret = expect(user.post(SECRETS, json={"name": unique("cas"), "value": "v0"}), 201)

    # WHEN 8 writers all expect version 1 (half by If-Match, half by expected_version)
    def write(index: int, http: httpx.Client) -> httpx.Response:
        if index % 2:
            return http.put(
                f"{SECRETS}/{secret['id']}/value",
                json={"value": f"w{index}"},
                headers={"If-Match": '"1"'},
            )
        return http.put(
            f"{SECRETS}/{secret['id']}/value", json={"value": f"w{index}", "expected_version": 1}
        )

    answers = race(write, service.url, [user.key] * WRITERS)

    # THEN one wins with version 2; the others get 412 naming version 2, and changed nothing
    won = [a for a in answers if a.status_code == 200]
    lost = [a for a in answers if a.status_code == 412]
    assert len(won) == 1
    assert len(lost) == WRITERS - 1
    assert won[0].json()["version"] == 2
    for answer in lost:
        problem = answer.json()
        assert answer.headers["content-type"] == "application/problem+json"
        assert problem["current_version"] == 2
        assert "version 2" in problem["detail"]
        assert answer.headers["etag"] == '"2"'
    assert expect(user.get(f"{SECRETS}/{secret['id']}"), 200)["version"] == 2


def test_if_match_round_trips_the_etag_and_refuses_a_stale_one(user: Actor) -> None:
    # GIVEN a secret read with its ETag
    secret = expect(user.post(SECRETS, json={"name": unique("etag"), "value": "a"}), 201)
    read = user.get(f"{SECRETS}/{secret['id']}/value")
    etag = read.headers["etag"]
    assert etag == '"1"'

    # WHEN it is written with that ETag, then again with the same (now stale) one
    first = user.put(
        f"{SECRETS}/{secret['id']}/value", json={"value": "b"}, headers={"If-Match": etag}
    )
    stale = user.put(
        f"{SECRETS}/{secret['id']}/value", json={"value": "c"}, headers={"If-Match": etag}
    )

    # THEN the first makes version 2 and the second is refused, naming version 2
    assert expect(first, 200)["version"] == 2
    assert expect(stale, 412)["current_version"] == 2
    value = expect(user.get(f"{SECRETS}/{secret['id']}/value"), 200)
    if value["value"] != "b":
        raise AssertionError("a refused compare-and-set changed the value")
    # and an If-Match that is no version, or that contradicts expected_version, is a 400
    bad = user.put(
        f"{SECRETS}/{secret['id']}/value", json={"value": "d"}, headers={"If-Match": "W/x"}
    )
    assert "If-Match" in expect(bad, 400)["detail"]
    both = user.put(
        f"{SECRETS}/{secret['id']}/value",
        json={"value": "d", "expected_version": 1},
        headers={"If-Match": '"2"'},
    )
    assert "expected_version" in expect(both, 400)["detail"]
    assert expect(user.get(f"{SECRETS}/{secret['id']}"), 200)["version"] == 2


def test_concurrent_policy_document_changes_each_make_a_version(
    service: Any, admin: httpx.Client
) -> None:
    # GIVEN a policy at version 1
    name = unique("race-policy")

    def document(sid: str) -> dict[str, Any]:
        statement = {"Sid": sid, "Effect": "Allow", "Action": "secrets:GetSecret", "Resource": "*"}
        return {"Version": "2012-10-17", "Statement": [statement]}

    expect(admin.post("/api/v1/iam/policies", json={"name": name, "document": document("S0")}), 201)
    rounds = 4

    # WHEN 8 writers change its document 4 times each, every document different
    def write(index: int, http: httpx.Client) -> list[int]:
        return [
            expect(
                http.patch(
                    f"/api/v1/iam/policies/{name}", json={"document": document(f"W{index}N{n}")}
                ),
                200,
            )["version"]
            for n in range(rounds)
        ]

    versions = sorted(
        v for made in race(write, service.url, [service.admin_key] * WRITERS) for v in made
    )

    # THEN the versions acknowledged are 2..33, each once, and the policy is at the last
    assert versions == list(range(2, 2 + WRITERS * rounds))
    assert expect(admin.get(f"/api/v1/iam/policies/{name}"), 200)["version"] == versions[-1]


def test_concurrent_settings_changes_never_break_default_within_maximum(
    service: Any, admin: httpx.Client
) -> None:
    before = expect(admin.get("/api/v1/settings"), 200)
    try:
        for _ in range(6):
            # GIVEN default 100, maximum 400
            expect(
                admin.patch(
                    "/api/v1/settings",
                    json={"max_key_lifetime_days": 400, "default_key_lifetime_days": 100},
                ),
                200,
            )

            # WHEN one admin raises the default to 300 while another lowers the maximum to 200
            def change(index: int, http: httpx.Client) -> int:
                body = (
                    {"default_key_lifetime_days": 300}
                    if index % 2 == 0
                    else {"max_key_lifetime_days": 200}
                )
                return http.patch("/api/v1/settings", json=body).status_code

            statuses = race(change, service.url, [service.admin_key] * 4)

            # THEN one is refused (409: the stored policy, not the request, is at fault)
            # and the stored pair is consistent
            now = expect(admin.get("/api/v1/settings"), 200)
            assert now["default_key_lifetime_days"] <= now["max_key_lifetime_days"], statuses
            assert 409 in statuses
    finally:
        expect(
            admin.patch(
                "/api/v1/settings",
                json={
                    "max_key_lifetime_days": before["max_key_lifetime_days"],
                    "default_key_lifetime_days": before["default_key_lifetime_days"],
                },
            ),
            200,
        )


def test_two_owners_demoting_each_other_at_once_leave_an_owner(
    service: Any, admin: httpx.Client
) -> None:
    for _ in range(4):
        # GIVEN a project with exactly two owners
        first = make_user(admin, service.url)
        second = make_user(admin, service.url)
        project = unique("race-project")
        expect(first.post("/api/v1/projects", json={"name": project}), 201)
        # The admin adds the second (an owner needs consent over whom they add: issue 9).
        add_member(admin, project, second, "owner")

        # WHEN each demotes the other at the same moment
        def demote(
            index: int,
            http: httpx.Client,
            names: tuple[str, str] = (first.name, second.name),
            project: str = project,
        ) -> int:
            other = names[1 - index]
            return http.patch(
                f"/api/v1/projects/{project}/members/user/{other}", json={"role": "member"}
            ).status_code

        statuses = race(demote, service.url, [first.key, second.key])

        # THEN one demotion is refused (409 "keeps an owner", or 403 once its maker
        # is no owner any more) and the project keeps one owner
        members = expect(admin.get(f"/api/v1/projects/{project}/members"), 200)["data"]
        assert [m["role"] for m in members].count("owner") == 1, statuses
        assert sorted(statuses)[0] == 200
        assert sorted(statuses)[1] in (403, 409)


def test_concurrent_revokes_keep_the_first_revocation_time(service: Any, user: Actor) -> None:
    # GIVEN a key
    key = expect(
        user.post("/api/v1/api-keys", json={"name": unique("k"), "scopes": ["secrets"]}), 201
    )

    # WHEN 8 clients revoke it at once
    def revoke(index: int, http: httpx.Client) -> str:
        return str(expect(http.post(f"/api/v1/api-keys/{key['id']}/revoke"), 200)["revoked_at"])

    times = race(revoke, service.url, [user.key] * WRITERS)

    # THEN every answer names the same revocation time, the one stored
    assert len(set(times)) == 1
    assert expect(user.get(f"/api/v1/api-keys/{key['id']}"), 200)["revoked_at"] == times[0]
