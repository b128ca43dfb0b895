"""Key lifetimes: the admin's default and maximum, and the settings that hold them.

The settings are shared by every test of the session's server: each test that
changes them puts them back (the ``restore_settings`` fixture).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import httpx
import pytest

from tests.support.actors import Actor, expect, make_user, unique
from tests.support.keyhouse_server import KeyhouseServer

DEFAULT_DAYS = 365
MAX_DAYS = 730


def new_key(http: httpx.Client | Actor, **body: Any) -> httpx.Response:
    """POST a key create with a unique name and the ``keys`` scope unless given."""
    body.setdefault("name", unique("key"))
    body.setdefault("scopes", ["keys"])
    return http.post("/api/v1/api-keys", json=body)


def lifetime(created: dict[str, Any]) -> timedelta:
    """How long a created key lives: expires_at minus created_at."""
    return datetime.fromisoformat(created["expires_at"]) - datetime.fromisoformat(
        created["created_at"]
    )


def error_pointers(problem: dict[str, Any]) -> list[str]:
    """The JSON pointers a 422 or 409 problem names."""
    return [error["pointer"] for error in problem.get("errors") or []]


@pytest.fixture
def restore_settings(admin: httpx.Client) -> Iterator[dict[str, Any]]:
    """The settings as they were; put back after the test whatever it changed."""
    before = expect(admin.get("/api/v1/settings"), 200)
    yield before
    expect(
        admin.patch(
            "/api/v1/settings",
            json={
                "default_key_lifetime_days": before["default_key_lifetime_days"],
                "max_key_lifetime_days": before["max_key_lifetime_days"],
            },
        ),
        200,
    )


def test_the_shipped_policy(user: Actor) -> None:
    settings = expect(user.get("/api/v1/settings"), 200)
    assert settings["default_key_lifetime_days"] == DEFAULT_DAYS
    assert settings["max_key_lifetime_days"] == MAX_DAYS


def test_key_without_expiry_gets_the_default_lifetime(user: Actor) -> None:
    created = expect(new_key(user), 201)
    assert lifetime(created) == timedelta(days=DEFAULT_DAYS)
    fetched = expect(user.get(f"/api/v1/api-keys/{created['id']}"), 200)
    assert fetched["expires_at"] == created["expires_at"]


def test_expires_in_days_sets_the_expiry(user: Actor) -> None:
    created = expect(new_key(user, expires_in_days=7), 201)
    assert lifetime(created) == timedelta(days=7)
    at_maximum = expect(new_key(user, expires_in_days=MAX_DAYS), 201)
    assert lifetime(at_maximum) == timedelta(days=MAX_DAYS)


def test_expires_in_days_beyond_the_maximum_is_refused(user: Actor) -> None:
    name = unique("too long")
    problem = expect(new_key(user, name=name, expires_in_days=MAX_DAYS + 1), 409)
    assert error_pointers(problem) == ["/body/expires_in_days"]
    assert str(MAX_DAYS) in problem["detail"]
    # Nothing was created.
    assert expect(user.get("/api/v1/api-keys", params={"name": name}), 200)["data"] == []


@pytest.mark.parametrize("days", [MAX_DAYS * 10, 36501, 10**9])
def test_far_beyond_the_maximum_names_the_admin_maximum(user: Actor, days: int) -> None:
    problem = expect(new_key(user, expires_in_days=days), 409)
    assert "/body/expires_in_days" in error_pointers(problem)
    # The caller learns the limit that applies: the admin's maximum.
    assert str(MAX_DAYS) in problem["detail"]


@pytest.mark.parametrize("days", [0, -1, -365])
def test_zero_or_negative_lifetime_is_refused(user: Actor, days: int) -> None:
    problem = expect(new_key(user, expires_in_days=days), 422)
    assert "/body/expires_in_days" in error_pointers(problem)


def test_expires_at_sets_the_expiry(user: Actor) -> None:
    at = (datetime.now(UTC) + timedelta(days=30)).replace(microsecond=0)
    created = expect(new_key(user, expires_at=at.isoformat()), 201)
    assert datetime.fromisoformat(created["expires_at"]) == at


def test_expires_at_in_another_time_zone(user: Actor) -> None:
    offset = timezone(timedelta(hours=-10))
    at = (datetime.now(UTC) + timedelta(days=3)).replace(microsecond=0).astimezone(offset)
    created = expect(new_key(user, expires_at=at.isoformat()), 201)
    assert datetime.fromisoformat(created["expires_at"]) == at
    assert datetime.fromisoformat(created["expires_at"]).utcoffset() == timedelta(0)
    assert created["status"] == "active"
    rows = expect(user.get("/api/v1/api-keys", params={"status": "active", "limit": 200}), 200)
    assert created["id"] in {row["id"] for row in rows["data"]}


def test_expires_at_in_the_past_is_refused(user: Actor) -> None:
    past = datetime.now(UTC) - timedelta(minutes=5)
    problem = expect(new_key(user, expires_at=past.isoformat()), 409)
    assert error_pointers(problem) == ["/body/expires_at"]


def test_expires_at_beyond_the_maximum_is_refused(user: Actor) -> None:
    late = datetime.now(UTC) + timedelta(days=MAX_DAYS + 2)
    problem = expect(new_key(user, expires_at=late.isoformat()), 409)
    assert error_pointers(problem) == ["/body/expires_at"]
    assert str(MAX_DAYS) in problem["detail"]


def test_expires_at_without_time_zone_is_refused(user: Actor) -> None:
    naive = (datetime.now(UTC) + timedelta(days=3)).replace(tzinfo=None)
    expect(new_key(user, expires_at=naive.isoformat()), 422)


def test_both_expiry_forms_together_are_refused(user: Actor) -> None:
    at = datetime.now(UTC) + timedelta(days=3)
    expect(new_key(user, expires_in_days=3, expires_at=at.isoformat()), 422)


def test_admin_changes_the_default_and_maximum(
    admin: httpx.Client, user: Actor, restore_settings: dict[str, Any]
) -> None:
    updated = expect(
        admin.patch(
            "/api/v1/settings",
            json={"default_key_lifetime_days": 10, "max_key_lifetime_days": 20},
        ),
        200,
    )
    assert updated["default_key_lifetime_days"] == 10
    assert updated["max_key_lifetime_days"] == 20
    assert datetime.fromisoformat(updated["updated_at"]) > datetime.fromisoformat(
        restore_settings["updated_at"]
    )
    # Any key reads the new policy.
    seen = expect(user.get("/api/v1/settings"), 200)
    assert (seen["default_key_lifetime_days"], seen["max_key_lifetime_days"]) == (10, 20)

    # The new default applies to keys made without an expiry...
    assert lifetime(expect(new_key(user), 201)) == timedelta(days=10)
    # ...and the new maximum to keys that ask for one.
    assert lifetime(expect(new_key(user, expires_in_days=20), 201)) == timedelta(days=20)
    problem = expect(new_key(user, expires_in_days=21), 409)
    assert "20" in problem["detail"]
    assert str(MAX_DAYS) not in problem["detail"]
    late = datetime.now(UTC) + timedelta(days=22)
    expect(new_key(user, expires_at=late.isoformat()), 409)


def test_changing_one_setting_keeps_the_other(
    admin: httpx.Client, user: Actor, restore_settings: dict[str, Any]
) -> None:
    updated = expect(admin.patch("/api/v1/settings", json={"default_key_lifetime_days": 30}), 200)
    assert updated["default_key_lifetime_days"] == 30
    assert updated["max_key_lifetime_days"] == restore_settings["max_key_lifetime_days"]
    assert lifetime(expect(new_key(user), 201)) == timedelta(days=30)


def test_existing_keys_keep_their_expiry(
    admin: httpx.Client, user: Actor, restore_settings: dict[str, Any]
) -> None:
    before = expect(new_key(user, expires_in_days=100), 201)
    expect(
        admin.patch(
            "/api/v1/settings", json={"default_key_lifetime_days": 5, "max_key_lifetime_days": 5}
        ),
        200,
    )
    fetched = expect(user.get(f"/api/v1/api-keys/{before['id']}"), 200)
    assert fetched["expires_at"] == before["expires_at"]
    assert fetched["status"] == "active"
    # The key still works.
    expect(user.get("/api/v1/whoami"), 200)


def test_default_above_maximum_is_refused(
    admin: httpx.Client, restore_settings: dict[str, Any]
) -> None:
    problem = expect(
        admin.patch(
            "/api/v1/settings",
            json={"default_key_lifetime_days": 50, "max_key_lifetime_days": 40},
        ),
        409,
    )
    assert error_pointers(problem) == ["/body/default_key_lifetime_days"]
    # Against the stored maximum (730) and the stored default (365):
    problem = expect(
        admin.patch("/api/v1/settings", json={"default_key_lifetime_days": MAX_DAYS + 1}), 409
    )
    assert error_pointers(problem) == ["/body/default_key_lifetime_days"]
    problem = expect(
        admin.patch("/api/v1/settings", json={"max_key_lifetime_days": DEFAULT_DAYS - 1}), 409
    )
    assert error_pointers(problem) == ["/body/max_key_lifetime_days"]
    # Nothing changed.
    after = expect(admin.get("/api/v1/settings"), 200)
    assert after == restore_settings


@pytest.mark.parametrize(
    "body",
    [
        {"default_key_lifetime_days": 0},
        {"max_key_lifetime_days": -1},
        {"max_key_lifetime_days": 36501},
        {"unknown_setting": 3},
    ],
)
def test_invalid_settings_are_refused(
    admin: httpx.Client, restore_settings: dict[str, Any], body: dict[str, Any]
) -> None:
    expect(admin.patch("/api/v1/settings", json=body), 422)
    assert expect(admin.get("/api/v1/settings"), 200) == restore_settings


def test_non_admin_cannot_change_settings(
    service: KeyhouseServer,
    admin: httpx.Client,
    user: Actor,
    restore_settings: dict[str, Any],
) -> None:
    problem = expect(user.patch("/api/v1/settings", json={"default_key_lifetime_days": 3}), 403)
    assert problem["scope"] == "admin"
    # An admin user's key without the admin scope is refused too.
    admin_user = make_user(admin, service.url, is_admin=True, scopes=["keys", "iam"])
    expect(admin_user.patch("/api/v1/settings", json={"max_key_lifetime_days": 3}), 403)
    assert expect(admin.get("/api/v1/settings"), 200) == restore_settings


def test_settings_are_readable_by_any_key(service: KeyhouseServer, admin: httpx.Client) -> None:
    narrow = make_user(admin, service.url, scopes=["kafka"])
    settings = expect(narrow.get("/api/v1/settings"), 200)
    assert set(settings) == {"default_key_lifetime_days", "max_key_lifetime_days", "updated_at"}


def test_settings_need_a_key(anonymous: httpx.Client) -> None:
    problem = expect(anonymous.get("/api/v1/settings"), 401)
    assert problem["reason"] == "missing"
