"""``POST /api/v1/keys:verify`` for downstream services, and the batched ``last_used_at``."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, func, select, text

from keyhouse.core.keys import generate_key
from keyhouse.models import ApiKey, AuditEvent
from tests.support.actors import Actor, add_member, create_key, expect, make_user, unique
from tests.support.database import set_key_expiry
from tests.support.keyhouse_server import KeyhouseServer

VERIFY = "/api/v1/keys:verify"
REASONS = {"not_found", "malformed", "revoked", "expired", "missing_scope", "not_a_collaborator"}
# The service writes last_used_at in batches every 0.2 s in tests; wait well beyond that.
SETTLE_SECONDS = 1.0


def verify(anonymous: httpx.Client | Actor, key: str, **body: Any) -> dict[str, Any]:
    """Verify ``key`` without any key of our own; the answer, checked for shape."""
    response = anonymous.post(VERIFY, json={"key": key, **body})
    answer: dict[str, Any] = expect(response, 200)
    assert key not in response.text, "the verified key is echoed back"
    if answer["valid"]:
        assert answer["reason"] is None
    else:
        assert answer["reason"] in REASONS
    return answer


def refused(answer: dict[str, Any], reason: str) -> None:
    """Check ``answer`` refuses the key for ``reason``."""
    assert answer["valid"] is False
    assert answer["reason"] == reason


def describes(answer: dict[str, Any], actor: Actor, fetched: dict[str, Any]) -> None:
    """Check ``answer`` describes ``actor``'s key (the key matched, whatever the outcome)."""
    assert answer["key_id"] == actor.key_id
    assert answer["principal"] == {"kind": actor.kind, "name": actor.name}
    assert answer["scopes"] == sorted(fetched["scopes"])
    assert answer["project"] == fetched["project"]
    assert answer["expires_at"] == fetched["expires_at"]


def describes_nothing(answer: dict[str, Any]) -> None:
    """Check ``answer`` says nothing about any key (none matched)."""
    for field in ("key_id", "principal", "scopes", "project", "expires_at"):
        assert answer.get(field) is None, field


def make_project(admin: httpx.Client) -> str:
    """A new project owned by the admin; its name."""
    name = unique("proj")
    expect(admin.post("/api/v1/projects", json={"name": name}), 201)
    return name


def last_used(admin: httpx.Client, key_id: str) -> str | None:
    """The key's last_used_at as the API shows it (read with the admin's key, not this one)."""
    value: str | None = expect(admin.get(f"/api/v1/api-keys/{key_id}"), 200)["last_used_at"]
    return value


def wait_for_last_used(admin: httpx.Client, key_id: str) -> str:
    """Poll until the key's last_used_at is set (up to 5 s); its value."""
    deadline = time.monotonic() + 5
    while True:
        value = last_used(admin, key_id)
        if value is not None:
            return value
        assert time.monotonic() < deadline, "last_used_at was not written within 5 s of a use"
        time.sleep(0.1)


def audit_count(db: Engine) -> int:
    """How many audit events are stored."""
    with db.connect() as connection:
        return int(connection.scalar(select(func.count()).select_from(AuditEvent)) or 0)


def row_state(db: Engine, key_id: str) -> tuple[Any, ...]:
    """What would change if the key's row were written.

    On PostgreSQL every UPDATE makes a new row version with a new ``xmin``,
    even one that sets the same values.
    """
    with db.connect() as connection:
        if db.dialect.name == "postgresql":
            row = connection.execute(
                text("SELECT xmin::text, last_used_at FROM api_keys WHERE id = :id"),
                {"id": key_id},
            ).one()
        else:
            row = connection.execute(select(ApiKey.last_used_at).where(ApiKey.id == key_id)).one()
    return tuple(row)


def test_valid_key(anonymous: httpx.Client, user: Actor) -> None:
    fetched = expect(user.get(f"/api/v1/api-keys/{user.key_id}"), 200)
    answer = verify(anonymous, user.key)
    assert answer["valid"] is True
    assert answer["reason"] is None
    describes(answer, user, fetched)
    # With scopes it holds.
    answer = verify(anonymous, user.key, scopes=["secrets", "keys"])
    assert answer["valid"] is True


def test_verify_needs_no_key_of_its_own(
    service: KeyhouseServer, anonymous: httpx.Client, user: Actor
) -> None:
    assert "x-api-key" not in anonymous.headers
    assert verify(anonymous, user.key)["valid"] is True
    # Even a broken key of the caller does not matter: the body is what is checked.
    with httpx.Client(base_url=service.url, headers={"x-api-key": "garbage"}, timeout=30) as http:
        assert verify(http, user.key)["valid"] is True


def test_not_found(anonymous: httpx.Client) -> None:
    answer = verify(anonymous, generate_key().plaintext)
    refused(answer, "not_found")
    describes_nothing(answer)


def test_wrong_secret_is_not_found_and_reveals_nothing(
    anonymous: httpx.Client, user: Actor
) -> None:
    unknown = verify(anonymous, generate_key().plaintext)
    wrong = verify(anonymous, generate_key(key_id=user.key_id).plaintext)
    refused(wrong, "not_found")
    describes_nothing(wrong)
    assert wrong == unknown


@pytest.mark.parametrize("kind", ["flipped", "garbage", "truncated"])
def test_malformed(anonymous: httpx.Client, user: Actor, kind: str) -> None:
    if kind == "flipped":
        key = user.key[:-2] + ("a" if user.key[-2] != "a" else "b") + user.key[-1]
    elif kind == "garbage":
        key = "definitely not a key"
    else:
        key = user.key[:30]
    answer = verify(anonymous, key)
    refused(answer, "malformed")
    describes_nothing(answer)


def test_revoked(anonymous: httpx.Client, user: Actor) -> None:
    fetched = expect(user.post(f"/api/v1/api-keys/{user.key_id}/revoke"), 200)
    answer = verify(anonymous, user.key)
    refused(answer, "revoked")
    describes(answer, user, fetched)
    # Revoked wins over the other checks.
    refused(verify(anonymous, user.key, scopes=["iam"]), "revoked")


def test_expired(service: KeyhouseServer, anonymous: httpx.Client, user: Actor, db: Engine) -> None:
    set_key_expiry(db, service.url, user.key, datetime.now(UTC) - timedelta(seconds=1))
    answer = verify(anonymous, user.key)
    refused(answer, "expired")
    assert answer["key_id"] == user.key_id
    assert answer["principal"] == {"kind": "user", "name": user.name}
    assert answer["scopes"] is not None
    assert datetime.fromisoformat(answer["expires_at"]) <= datetime.now(UTC)
    refused(verify(anonymous, user.key, scopes=["iam"]), "expired")


def test_missing_scope(
    service: KeyhouseServer, anonymous: httpx.Client, admin: httpx.Client
) -> None:
    narrow = make_user(admin, service.url, scopes=["kafka", "job"])
    fetched = expect(admin.get(f"/api/v1/api-keys/{narrow.key_id}"), 200)
    answer = verify(anonymous, narrow.key, scopes=["kafka", "secrets"])
    refused(answer, "missing_scope")
    describes(answer, narrow, fetched)
    assert answer["scopes"] == ["job", "kafka"]
    assert verify(anonymous, narrow.key, scopes=["kafka", "job"])["valid"] is True
    # A scope missing from the catalog is simply not held.
    refused(verify(anonymous, narrow.key, scopes=[unique("custom")]), "missing_scope")


def test_owner_must_collaborate_on_the_project(
    anonymous: httpx.Client, admin: httpx.Client, user: Actor
) -> None:
    project = make_project(admin)
    fetched = expect(user.get(f"/api/v1/api-keys/{user.key_id}"), 200)
    answer = verify(anonymous, user.key, project=project)
    refused(answer, "not_a_collaborator")
    describes(answer, user, fetched)

    add_member(admin, project, user, "viewer")
    answer = verify(anonymous, user.key, project=project)
    assert answer["valid"] is True
    describes(answer, user, fetched)
    # Scopes are checked too, once the project is.
    refused(verify(anonymous, user.key, project=project, scopes=["iam"]), "missing_scope")


def test_role_members(
    service: KeyhouseServer, anonymous: httpx.Client, admin: httpx.Client
) -> None:
    project = make_project(admin)
    role = unique("role")
    expect(admin.post("/api/v1/roles", json={"name": role}), 201)
    actor = create_key(admin, service.url, owner_kind="role", owner_name=role, scopes=["job"])
    refused(verify(anonymous, actor.key, project=project), "not_a_collaborator")
    add_member(admin, project, actor, "member")
    answer = verify(anonymous, actor.key, project=project, scopes=["job"])
    assert answer["valid"] is True
    assert answer["principal"] == {"kind": "role", "name": role}


def test_unknown_project(anonymous: httpx.Client, admin: httpx.Client, user: Actor) -> None:
    refused(verify(anonymous, user.key, project=unique("no-such-project")), "not_a_collaborator")
    # Not even an admin collaborates on a project that does not exist.
    refused(
        verify(anonymous, admin.headers["x-api-key"], project=unique("no-such-project")),
        "not_a_collaborator",
    )


def test_key_restricted_to_another_project(
    service: KeyhouseServer, anonymous: httpx.Client, admin: httpx.Client
) -> None:
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
        scopes=["secrets"],
        project=project_a,
    )
    answer = verify(anonymous, restricted.key, project=project_a)
    assert answer["valid"] is True
    assert answer["project"] == project_a
    answer = verify(anonymous, restricted.key, project=project_b)
    refused(answer, "not_a_collaborator")
    assert answer["project"] == project_a
    assert answer["key_id"] == restricted.key_id
    # The owner's unrestricted key works for both.
    assert verify(anonymous, person.key, project=project_b)["valid"] is True


def test_admins_collaborate_everywhere_unless_restricted(
    service: KeyhouseServer, anonymous: httpx.Client, admin: httpx.Client
) -> None:
    project_a = make_project(admin)
    project_b = make_project(admin)
    other_admin = unique("admin")
    expect(admin.post("/api/v1/users", json={"name": other_admin, "is_admin": True}), 201)
    free = create_key(admin, service.url, owner_kind="user", owner_name=other_admin, scopes=["job"])
    assert verify(anonymous, free.key, project=project_a)["valid"] is True
    restricted = create_key(
        admin,
        service.url,
        owner_kind="user",
        owner_name=other_admin,
        scopes=["job"],
        project=project_a,
    )
    assert verify(anonymous, restricted.key, project=project_a)["valid"] is True
    refused(verify(anonymous, restricted.key, project=project_b), "not_a_collaborator")


@pytest.mark.parametrize(
    "body",
    [{}, {"key": ""}, {"key": "k" * 201}, {"key": "x", "unknown": 1}, {"key": "x", "scopes": "a"}],
)
def test_invalid_requests(anonymous: httpx.Client, body: dict[str, Any]) -> None:
    response = anonymous.post(VERIFY, json=body)
    problem = expect(response, 422)
    assert response.headers["content-type"].startswith("application/problem+json")
    assert problem["errors"]


def test_verify_and_whoami_do_not_write_per_call(
    anonymous: httpx.Client, admin: httpx.Client, user: Actor, db: Engine
) -> None:
    # The first use is written (batched); wait for it so that it is not counted below.
    assert verify(anonymous, user.key)["valid"] is True
    first = wait_for_last_used(admin, user.key_id)
    time.sleep(SETTLE_SECONDS)
    events = audit_count(db)
    row = row_state(db, user.key_id)

    missing = generate_key().plaintext
    for _ in range(50):
        assert verify(anonymous, user.key, scopes=["keys"])["valid"] is True
        refused(verify(anonymous, user.key, scopes=["iam"]), "missing_scope")
        refused(verify(anonymous, missing), "not_found")
        expect(user.get("/api/v1/whoami"), 200)
    time.sleep(SETTLE_SECONDS)

    assert audit_count(db) == events, "verify or whoami wrote audit events"
    assert row_state(db, user.key_id) == row, "the key's row was written again within a minute"
    assert last_used(admin, user.key_id) == first


def test_last_used_is_written_once_a_minute(
    service: KeyhouseServer, admin: httpx.Client, db: Engine
) -> None:
    actor = make_user(admin, service.url)
    assert last_used(admin, actor.key_id) is None

    before = datetime.now(UTC)
    expect(actor.get("/api/v1/whoami"), 200)
    first = wait_for_last_used(admin, actor.key_id)
    assert before - timedelta(seconds=1) <= datetime.fromisoformat(first) <= datetime.now(UTC)
    time.sleep(SETTLE_SECONDS)
    row = row_state(db, actor.key_id)

    expect(actor.get("/api/v1/whoami"), 200)
    time.sleep(SETTLE_SECONDS)
    assert last_used(admin, actor.key_id) == first
    assert row_state(db, actor.key_id) == row


def test_verify_counts_as_a_use(
    service: KeyhouseServer, anonymous: httpx.Client, admin: httpx.Client
) -> None:
    actor = make_user(admin, service.url)
    assert verify(anonymous, actor.key)["valid"] is True
    wait_for_last_used(admin, actor.key_id)
