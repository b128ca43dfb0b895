"""``keyhouse_role`` handlers against the live service."""

from __future__ import annotations

from keyhouse_client import Keyhouse
from tests.provider.harness.checks import assert_no_changes, changed_attributes
from tests.provider.harness.inprocess import Harness
from tests.support.actors import unique

T = "keyhouse_role"


def test_lifecycle_create_import_update_replace_destroy(harness: Harness, kh: Keyhouse) -> None:
    name = unique("tf-role")
    config = {"name": name, "description": "a cluster"}
    state = harness.apply(T, config)
    assert (state["id"], state["arn"]) == (name, f"khrn:role:{name}")
    imported = harness.import_(T, name)
    assert imported == state
    assert_no_changes(harness, T, imported, config)

    described = {"name": name, "description": "the cluster"}
    assert changed_attributes(harness.plan(T, state, described)) == {"description"}
    state = harness.apply(T, described, state)
    assert kh.roles.get(role=name).description == "the cluster"
    cleared = harness.apply(T, {"name": name}, state)
    assert cleared["description"] is None
    assert kh.roles.get(role=name).description is None

    other = {"name": unique("tf-role")}
    assert harness.plan(T, cleared, other).replace == [("name",)]
    replaced = harness.apply(T, other, cleared)
    assert harness.refresh(T, cleared) is None
    harness.destroy(T, replaced)
    assert harness.refresh(T, replaced) is None


def test_a_description_changed_outside_terraform_is_set_back(
    harness: Harness, kh: Keyhouse
) -> None:
    name = unique("tf-role")
    config = {"name": name, "description": "ours"}
    state = harness.apply(T, config)
    kh.roles.update(role=name, description="theirs")
    drifted = harness.refresh(T, state)
    assert drifted is not None
    assert changed_attributes(harness.plan(T, drifted, config)) == {"description"}
    harness.destroy(T, harness.apply(T, config, drifted))
