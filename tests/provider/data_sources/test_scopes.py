"""``data.keyhouse_scopes`` against the live service."""

from __future__ import annotations

from keyhouse_client import Keyhouse
from tests.provider.harness.inprocess import Harness
from tests.support.actors import unique


def test_lists_the_catalog_sorted_with_custom_scopes(harness: Harness, kh: Keyhouse) -> None:
    custom = unique("scope")
    kh.scopes.create(name=custom, description="for a downstream service")
    state, found = harness.data("keyhouse_scopes", {})
    assert not found
    assert state is not None
    assert state["names"] == sorted(state["names"])
    assert {"featurestore", "project", "job", "kafka", "secrets", "keys"} <= set(state["names"])
    mine = next(s for s in state["scopes"] if s["name"] == custom)
    assert mine == {"name": custom, "description": "for a downstream service", "builtin": False}
    assert next(s for s in state["scopes"] if s["name"] == "job")["builtin"] is True
