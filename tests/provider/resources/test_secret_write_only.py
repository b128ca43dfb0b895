"""``keyhouse_secret.value_wo``: written from the configuration, null in plan, state and import."""

from __future__ import annotations

import pytest

from keyhouse_client import Keyhouse
from keyhouse_provider.framework.tfcompat import Unknown
from tests.provider.harness.checks import assert_no_changes, changed_attributes
from tests.provider.harness.inprocess import Harness
from tests.support.actors import unique

T = "keyhouse_secret"


def test_a_write_only_value_is_written_and_never_returned(harness: Harness, kh: Keyhouse) -> None:
    config = {"name": f"tf/{unique('wo')}", "value_wo": "first-wo", "value_wo_version": 1}
    assert harness.validate(T, config) == []
    plan = harness.plan(T, None, config)
    assert plan.planned is not None
    assert plan.planned["value_wo"] is None
    state = harness.apply(T, config)
    assert (state["value"], state["value_wo"], state["version"]) == (None, None, 1)
    assert kh.secrets.get_value(secret_id=state["id"]).value.get_secret_value() == "first-wo"
    assert_no_changes(harness, T, harness.refresh(T, state) or {}, config)

    # A new value alone is invisible to Terraform: no change, nothing written.
    assert_no_changes(harness, T, state, {**config, "value_wo": "unseen"})

    second = {**config, "value_wo": "second-wo", "value_wo_version": 2}
    plan = harness.plan(T, state, second)
    assert plan.planned is not None
    assert changed_attributes(plan) == {"value_wo_version", "version"}
    assert plan.planned["version"] is Unknown
    state = harness.apply(T, second, state)
    assert (state["version"], state["value_wo_version"]) == (2, 2)
    assert kh.secrets.get_value(secret_id=state["id"]).value.get_secret_value() == "second-wo"
    harness.destroy(T, state)


def test_a_value_changed_outside_terraform_is_written_back(harness: Harness, kh: Keyhouse) -> None:
    config = {"name": f"tf/{unique('wo-drift')}", "value_wo": "mine", "value_wo_version": 1}
    state = harness.apply(T, config)
    kh.secrets.put_value(secret_id=state["id"], value="theirs")
    refreshed = harness.refresh(T, state)
    assert refreshed is not None
    assert (refreshed["value_wo_version"], refreshed["version"], refreshed["value"]) == (
        None,
        2,
        None,
    )
    plan = harness.plan(T, refreshed, config)
    assert changed_attributes(plan) == {"value_wo_version", "version"}
    state = harness.apply(T, config, refreshed)
    assert kh.secrets.get_value(secret_id=state["id"]).value.get_secret_value() == "mine"
    assert_no_changes(harness, T, harness.refresh(T, state) or {}, config)
    harness.destroy(T, state)


def test_switching_between_value_and_value_wo_writes_the_value(
    harness: Harness, kh: Keyhouse
) -> None:
    name = f"tf/{unique('wo-switch')}"
    state = harness.apply(T, {"name": name, "value": "kept"})
    write_only = {"name": name, "value_wo": "out-of-state", "value_wo_version": 1}
    state = harness.apply(T, write_only, state)
    assert (state["value"], state["version"]) == (None, 2)
    assert kh.secrets.get_value(secret_id=state["id"]).value.get_secret_value() == "out-of-state"
    state = harness.apply(T, {"name": name, "value": "kept again"}, state)
    assert (state["value"], state["value_wo_version"], state["version"]) == ("kept again", None, 3)
    harness.destroy(T, state)


@pytest.mark.parametrize(
    ("config", "summary", "path"),
    [
        ({}, "Missing secret value", ("value",)),
        (
            {"value": "a", "value_wo": "b", "value_wo_version": 1},
            "Two secret values",
            ("value_wo",),
        ),
        ({"value_wo": "b"}, "Missing value_wo_version", ("value_wo_version",)),
        (
            {"value": "a", "value_wo_version": 1},
            "value_wo_version without value_wo",
            ("value_wo_version",),
        ),
        ({"value_wo": "x" * 9001, "value_wo_version": 1}, "Secret value too long", ("value_wo",)),
    ],
)
def test_one_value_source_is_required(
    harness: Harness, config: dict[str, object], summary: str, path: tuple[str, ...]
) -> None:
    found = harness.validate(T, {"name": "tf/any", **config})
    assert [(d.summary, d.path) for d in found] == [(summary, path)]
    assert all("x" * 20 not in d.detail for d in found)  # the value is never repeated


def test_a_terraform_without_write_only_support_is_refused(harness: Harness) -> None:
    config = {"name": "tf/any", "value_wo": "b", "value_wo_version": 1}
    (found,) = harness.validate(T, config, write_only_allowed=False)
    assert found.summary == "Write-only attribute not supported by this Terraform"
    assert found.path == ("value_wo",)
    assert "1.11" in found.detail
    assert (
        harness.validate(T, {"name": "tf/any", "value": "in state"}, write_only_allowed=False) == []
    )


def test_an_import_then_an_apply_leaves_the_state_without_the_value(
    harness: Harness, kh: Keyhouse
) -> None:
    name = f"tf/{unique('wo-import')}"
    created = kh.secrets.create(name=name, value="already there")
    imported = harness.import_(T, created.id)
    assert imported is not None
    assert (imported["value_wo"], imported["value_wo_version"]) == (None, None)
    config = {"name": name, "value_wo": "from now on", "value_wo_version": 1}
    plan = harness.plan(T, imported, config)
    assert changed_attributes(plan) == {"value", "value_wo_version", "version"}
    state = harness.apply(T, config, imported)
    assert (state["value"], state["value_wo_version"]) == (None, 1)
    assert kh.secrets.get_value(secret_id=created.id).value.get_secret_value() == "from now on"
