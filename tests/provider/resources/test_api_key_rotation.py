"""``keyhouse_api_key`` with ``rotation``: due rotations, rolls instead of replacements, and
what recovers a roll whose answer was lost or one made outside Terraform."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine

from keyhouse_client import Keyhouse, NotFoundError
from keyhouse_provider.framework.tfcompat import Unknown
from keyhouse_provider.resources import _rotation as rotation
from tests.provider.harness.checks import assert_no_changes
from tests.provider.harness.inprocess import Harness, ProviderErrors
from tests.provider.harness.slow_proxy import slow_proxy
from tests.support.actors import unique
from tests.support.database import set_key_created_at, set_key_expiry
from tests.support.keyhouse_server import KeyhouseServer

T = "keyhouse_api_key"


@pytest.fixture
def db(sqlite_service: KeyhouseServer) -> Iterator[Engine]:
    engine = create_engine(sqlite_service.database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def stored_config(kh: Keyhouse) -> dict[str, Any]:
    """A role's key kept in a secret, rotating every 30 days with a one-hour overlap."""
    role = unique("tf-rot-role")
    kh.roles.create(name=role)
    return {
        "name": "cluster",
        "owner_role": role,
        "scopes": ["job"],
        "expires_in_days": 90,
        "store_in_secret": {"name": f"tf/{unique('rot')}"},
        "rotation": {"every_days": 30, "overlap_hours": 1},
    }


def _held_by(kh: Keyhouse, secret_id: str) -> str | None:
    return kh.keys.verify(key=kh.secrets.get_value(secret_id=secret_id).value).key_id


def test_a_due_rotation_rolls_the_key_in_place_in_its_secret(
    harness: Harness, kh: Keyhouse, db: Engine, stored_config: dict[str, Any]
) -> None:
    state = harness.apply(T, stored_config)
    assert state["rotation"] == {"every_days": 30, "overlap_hours": 1}
    assert_no_changes(harness, T, harness.refresh(T, state) or {}, stored_config)

    # GIVEN a key 31 days old WHEN planned THEN an in-place update says "Rotation due".
    set_key_created_at(db, state["id"], datetime.now(UTC) - timedelta(days=31))
    aged = harness.refresh(T, state)
    assert aged is not None
    plan = harness.plan(T, aged, stored_config)
    assert not plan.replace
    assert plan.planned is not None
    assert plan.planned["id"] is Unknown
    assert plan.planned["stored_secret_version"] is Unknown
    # The secret stays: policies naming its id or arn show no change.
    assert (plan.planned["stored_secret_id"], plan.planned["stored_secret_arn"]) == (
        state["stored_secret_id"],
        state["stored_secret_arn"],
    )
    (warning,) = plan.diagnostics
    assert (warning.severity, warning.summary, warning.path) == (
        "warning",
        "Rotation due",
        ("rotation",),
    )
    assert "31 days old and rotates every 30 days" in warning.detail

    # WHEN applied THEN the secret's next version holds a new key; the old one works an hour.
    rolled = harness.apply_plan(T, plan)
    assert rolled is not None
    assert rolled["id"] != state["id"]
    assert rolled["stored_secret_id"] == state["stored_secret_id"]
    assert rolled["stored_secret_version"] == state["stored_secret_version"] + 1
    assert rolled["key"] is None
    assert _held_by(kh, rolled["stored_secret_id"]) == rolled["id"]
    old = kh.api_keys.get(key_id=state["id"])
    assert (old.status, old.replaced_by) == ("rolled", rolled["id"])
    new = kh.api_keys.get(key_id=rolled["id"])
    assert old.expires_at - new.created_at == timedelta(hours=1)
    assert new.expires_at - new.created_at == timedelta(days=90)
    assert_no_changes(harness, T, harness.refresh(T, rolled) or {}, stored_config)
    # A destroy takes the rolled key with it: nothing of the resource keeps working.
    harness.destroy(T, rolled)
    for gone in (state["id"], rolled["id"]):
        with pytest.raises(NotFoundError):
            kh.api_keys.get(key_id=gone)


def test_a_key_within_the_overlap_of_its_expiry_is_due(
    harness: Harness, kh: Keyhouse, db: Engine, sqlite_service: KeyhouseServer
) -> None:
    config = {"name": unique("soon"), "scopes": ["job"], "rotation": {"overlap_hours": 2}}
    state = harness.apply(T, config)
    set_key_expiry(db, sqlite_service.url, state["key"], datetime.now(UTC) + timedelta(hours=1))
    plan = harness.plan(T, harness.refresh(T, state), config)
    assert "within its 2 hours overlap" in plan.diagnostics[0].detail
    rolled = harness.apply_plan(T, plan)
    assert rolled is not None
    assert kh.keys.verify(key=rolled["key"]).key_id == rolled["id"] != state["id"]
    harness.destroy(T, rolled)


def test_an_expired_key_rolls_and_a_revoked_one_is_replaced(
    harness: Harness,
    kh: Keyhouse,
    db: Engine,
    sqlite_service: KeyhouseServer,
    stored_config: dict[str, Any],
) -> None:
    state = harness.apply(T, stored_config)
    secret = kh.secrets.get_value(secret_id=state["stored_secret_id"]).value.get_secret_value()
    set_key_expiry(db, sqlite_service.url, secret, datetime.now(UTC) - timedelta(minutes=1))
    del secret
    expired = harness.refresh(T, state)
    assert expired is not None
    assert expired["status"] == "expired"
    plan = harness.plan(T, expired, stored_config)
    assert not plan.replace
    assert "it is expired" in plan.diagnostics[0].detail
    rolled = harness.apply_plan(T, plan)
    assert rolled is not None
    assert rolled["stored_secret_id"] == state["stored_secret_id"]
    assert _held_by(kh, state["stored_secret_id"]) == rolled["id"]

    kh.api_keys.revoke(key_id=rolled["id"])
    revoked = harness.refresh(T, rolled)
    assert revoked is not None
    assert harness.plan(T, revoked, stored_config).replace == [("status",)]
    harness.destroy(T, revoked)


def test_a_roll_whose_answer_was_lost_is_recovered_by_the_next_apply(
    new_harness: Callable[[], Harness],
    sqlite_service: KeyhouseServer,
    kh: Keyhouse,
    db: Engine,
    stored_config: dict[str, Any],
) -> None:
    state = new_harness().apply(T, stored_config)
    set_key_created_at(db, state["id"], datetime.now(UTC) - timedelta(days=31))
    with slow_proxy(sqlite_service.url, lose=f"/api/v1/api-keys/{state['id']}/roll") as url:
        cut_off = Harness(url, sqlite_service.admin_key, max_retries=0)
        with pytest.raises(ProviderErrors):
            cut_off.apply(T, stored_config, cut_off.refresh(T, state))
        cut_off.close()
    (successor,) = [
        k.id
        for k in kh.api_keys.iter(name="cluster", status="active")
        if k.owner.name == stored_config["owner_role"]
    ]
    assert _held_by(kh, state["stored_secret_id"]) == successor

    # The next run refreshes the old state: the secret changed, but it holds the successor.
    again = new_harness()
    refreshed, found = again.read(T, state)
    assert refreshed is not None
    assert found == []
    assert refreshed["status"] == "rolled"
    plan = again.plan(T, refreshed, stored_config)
    assert not plan.replace
    recovered = again.apply_plan(T, plan)
    assert recovered is not None
    assert recovered["id"] == successor  # the first roll's answer, replayed: no third key
    assert recovered["stored_secret_id"] == state["stored_secret_id"]
    again.destroy(T, recovered)


def test_a_key_rolled_outside_terraform_rolls_its_successor(
    harness: Harness, kh: Keyhouse, stored_config: dict[str, Any]
) -> None:
    state = harness.apply(T, stored_config)
    outside = kh.api_keys.roll(
        key_id=state["id"], overlap_seconds=600, store_in_secret_id=state["stored_secret_id"]
    )
    refreshed = harness.refresh(T, state)
    assert refreshed is not None
    assert refreshed["status"] == "rolled"
    plan = harness.plan(T, refreshed, stored_config)
    assert not plan.replace
    rolled = harness.apply_plan(T, plan)
    assert rolled is not None
    assert rolled["id"] not in (state["id"], outside.id)
    assert _held_by(kh, state["stored_secret_id"]) == rolled["id"]
    assert kh.api_keys.get(key_id=outside.id).replaced_by == rolled["id"]
    harness.destroy(T, rolled)


def test_a_lifetime_known_only_at_apply_rolls_only_if_it_changed(
    harness: Harness, kh: Keyhouse
) -> None:
    config = {"name": unique("later"), "scopes": ["job"], "expires_in_days": 30}
    state = harness.apply(T, config)
    # GIVEN the lifetime comes from something applied first (unknown when planned)
    plan = harness.plan(T, state, {**config, "expires_in_days": Unknown})
    # THEN what a roll changes is unknown, with no warning yet (it may not roll)
    assert not plan.replace
    assert plan.diagnostics == []
    assert plan.planned is not None
    rolled_fields = ("id", "arn", "prefix", "created_at", "expires_at", "key")
    assert [name for name in rolled_fields if plan.planned[name] is not Unknown] == []
    assert plan.planned["name"] == config["name"]
    # WHEN it turns out the same THEN the key stays; WHEN it turns out different, it rolls.
    same = harness.apply_plan(T, harness.final_plan(T, plan, config))
    assert same is not None
    assert (same["id"], same["key"]) == (state["id"], state["key"])
    longer = {**config, "expires_in_days": 45}
    rolled = harness.apply_plan(T, harness.final_plan(T, plan, longer))
    assert rolled is not None
    assert rolled["id"] != state["id"]
    assert kh.api_keys.get(key_id=state["id"]).replaced_by == rolled["id"]
    assert kh.keys.verify(key=rolled["key"]).key_id == rolled["id"]
    harness.destroy(T, rolled)


def test_rotation_settings_are_checked(harness: Harness) -> None:
    base = {"name": "k", "scopes": ["job"]}
    found = harness.validate(T, {**base, "rotation": {"every_days": 0, "overlap_hours": -1}})
    assert [(d.summary, d.path) for d in found] == [
        ("Invalid every_days", ("rotation", "every_days")),
        ("Invalid overlap_hours", ("rotation", "overlap_hours")),
    ]
    # A key that would expire before its next rotation is planned with a warning ...
    short = harness.plan(T, None, {**base, "expires_in_days": 20, "rotation": {"every_days": 30}})
    assert [(d.severity, d.summary, d.path) for d in short.diagnostics] == [
        ("warning", "The key expires before its next rotation", ("rotation", "every_days"))
    ]
    assert "at least 31" in short.diagnostics[0].detail
    # ... also with the admin's default lifetime (365 days) ...
    default = harness.plan(T, None, {**base, "rotation": {"every_days": 400}})
    assert [d.summary for d in default.diagnostics] == ["The key expires before its next rotation"]
    # ... and an overlap as long as the key's life, which would roll on every plan, fails.
    endless = harness.plan(
        T, None, {**base, "expires_in_days": 1, "rotation": {"overlap_hours": 24}}
    )
    assert [(d.summary, d.path) for d in endless.errors] == [
        ("Overlap as long as the key's life", ("rotation", "overlap_hours"))
    ]


def test_fractional_numbers_arrive_as_decimal_strings(harness: Harness) -> None:
    # Terraform sends 0.005 as "0.005" (no float64 holds it exactly); it is still 18 s.
    assert rotation.overlap_seconds({"every_days": None, "overlap_hours": "0.005"}) == 18
    assert rotation.overlap_seconds(None) == 24 * 3600
    # ... and a lifetime of 0.1 days is refused like 1.5, not let through as a string.
    for days in ("0.1", 1.5):
        found = harness.validate(T, {"name": "k", "scopes": ["job"], "expires_in_days": days})
        assert [(d.summary, d.path) for d in found] == [
            ("Invalid expires_in_days", ("expires_in_days",))
        ]
