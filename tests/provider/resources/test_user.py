"""``keyhouse_user`` handlers against the live service."""

from __future__ import annotations

from keyhouse_client import Keyhouse
from tests.provider.harness.checks import assert_no_changes, changed_attributes
from tests.provider.harness.inprocess import Harness
from tests.support.actors import unique

T = "keyhouse_user"


def test_lifecycle_create_import_update_replace_destroy(harness: Harness, kh: Keyhouse) -> None:
    name = unique("tf-user")
    config = {"name": name, "email": "alice@Example.com"}
    state = harness.apply(T, config)
    assert state["id"] == name
    assert state["is_admin"] is False
    assert state["arn"] == f"khrn:user:{name}"
    assert kh.users.get(user=name).email == "alice@example.com"
    refreshed = harness.refresh(T, state)
    assert refreshed is not None
    assert_no_changes(harness, T, refreshed, config)

    imported = harness.import_(T, name)
    assert imported is not None
    assert_no_changes(harness, T, imported, config)

    updated = {"name": name, "email": "a@example.org", "is_admin": True}
    plan = harness.plan(T, refreshed, updated)
    assert not plan.replace
    assert changed_attributes(plan) == {"email", "is_admin"}
    state = harness.apply(T, updated, refreshed)
    assert kh.users.get(user=name).is_admin is True

    renamed = {"name": unique("tf-user"), "email": "a@example.org"}
    plan = harness.plan(T, state, renamed)
    assert plan.replace == [("name",)]
    replaced = harness.apply(T, renamed, state)
    assert replaced["user_id"] != state["user_id"]
    assert harness.refresh(T, state) is None

    harness.destroy(T, replaced)
    assert harness.refresh(T, replaced) is None


def test_leaving_is_admin_out_sets_it_back_to_false(harness: Harness) -> None:
    name = unique("tf-user")
    state = harness.apply(T, {"name": name, "is_admin": True})
    plan = harness.plan(T, state, {"name": name})
    assert plan.planned is not None
    assert plan.planned["is_admin"] is False
    harness.destroy(T, harness.apply(T, {"name": name}, state))


def test_an_email_changed_outside_terraform_is_set_back(harness: Harness, kh: Keyhouse) -> None:
    name = unique("tf-user")
    config = {"name": name, "email": "bob@example.com"}
    state = harness.apply(T, config)
    kh.users.update(user=name, email="mallory@example.com")
    drifted = harness.refresh(T, state)
    assert drifted is not None
    assert drifted["email"] == "mallory@example.com"
    assert changed_attributes(harness.plan(T, drifted, config)) == {"email"}
    restored = harness.apply(T, config, drifted)
    assert kh.users.get(user=name).email == "bob@example.com"
    harness.destroy(T, restored)


def test_a_user_deleted_outside_terraform_is_planned_anew(harness: Harness, kh: Keyhouse) -> None:
    name = unique("tf-user")
    state = harness.apply(T, {"name": name})
    kh.users.delete(user=name)
    assert harness.refresh(T, state) is None
    harness.destroy(T, harness.apply(T, {"name": name}))
