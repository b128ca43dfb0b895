"""``data.keyhouse_caller_identity`` against the live service."""

from __future__ import annotations

from keyhouse_client import Keyhouse
from tests.provider.harness.inprocess import Harness


def test_is_the_provider_key_and_its_principal(harness: Harness, kh: Keyhouse) -> None:
    state, found = harness.data("keyhouse_caller_identity", {})
    assert not found
    assert state is not None
    me = kh.keys.whoami()
    assert state["id"] == "user/admin"
    assert (state["principal_kind"], state["principal_name"], state["is_admin"]) == (
        "user",
        "admin",
        True,
    )
    assert (state["key_id"], state["key_prefix"]) == (me.key.id, me.key.prefix)
    assert "admin" in state["scopes"]
