"""``data.keyhouse_api_key`` against the live service."""

from __future__ import annotations

from keyhouse_client import Keyhouse
from tests.provider.harness.inprocess import Harness
from tests.support.actors import unique


def test_reads_a_keys_metadata_never_the_key(harness: Harness, kh: Keyhouse) -> None:
    role = unique("ds-role")
    kh.roles.create(name=role)
    created = kh.api_keys.create(name="k", scopes=["job", "kafka"], owner_role=role)
    state, found = harness.data("keyhouse_api_key", {"id": created.id})
    assert not found
    assert state is not None
    assert (state["owner_role"], state["owner_user"], state["status"]) == (role, None, "active")
    assert sorted(state["scopes"]) == ["job", "kafka"]
    assert state["prefix"] == created.prefix
    assert state["last_used_at"] is None
    assert state["replaced_by"] is None
    assert created.key.get_secret_value() not in repr(state)

    kh.api_keys.revoke(key_id=created.id)
    state, _ = harness.data("keyhouse_api_key", {"id": created.id})
    assert state is not None
    assert state["status"] == "revoked"
    assert state["revoked_at"]


def test_a_rolled_key_names_its_replacement(harness: Harness, kh: Keyhouse) -> None:
    created = kh.api_keys.create(name=unique("ds-roll"), scopes=["job"])
    rolled = kh.api_keys.roll(key_id=created.id, overlap_seconds=3600)
    state, found = harness.data("keyhouse_api_key", {"id": created.id})
    assert not found
    assert state is not None
    assert (state["status"], state["replaced_by"]) == ("rolled", rolled.id)
    assert state["expires_at"] == rolled.replaces.expires_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    new, _ = harness.data("keyhouse_api_key", {"id": rolled.id})
    assert new is not None
    assert (new["status"], new["replaced_by"], new["name"]) == ("active", None, state["name"])
    assert rolled.key is not None
    assert rolled.key.get_secret_value() not in repr(state) + repr(new)
