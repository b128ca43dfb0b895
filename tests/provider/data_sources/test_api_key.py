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
    assert created.key.get_secret_value() not in repr(state)

    kh.api_keys.revoke(key_id=created.id)
    state, _ = harness.data("keyhouse_api_key", {"id": created.id})
    assert state is not None
    assert state["status"] == "revoked"
    assert state["revoked_at"]
