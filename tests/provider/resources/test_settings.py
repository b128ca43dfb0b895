"""``keyhouse_settings`` handlers against the live service.

The settings are the service's, shared with every other test: each test puts
the defaults (365 and 730 days) back, whatever happens.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from keyhouse_client import Keyhouse
from tests.provider.harness.checks import assert_no_changes, changed_attributes
from tests.provider.harness.inprocess import Harness

T = "keyhouse_settings"
DEFAULTS = {"default_key_lifetime_days": 365, "max_key_lifetime_days": 730}


@pytest.fixture(autouse=True)
def _restore_defaults(kh: Keyhouse) -> Iterator[None]:
    yield
    kh.settings.update(**DEFAULTS)


def test_lifecycle_adopt_update_import_destroy(harness: Harness, kh: Keyhouse) -> None:
    state = harness.apply(T, DEFAULTS)
    assert state == {"id": "settings", **DEFAULTS}
    assert_no_changes(harness, T, harness.refresh(T, state) or {}, DEFAULTS)
    imported = harness.import_(T, "settings")
    assert imported == state
    assert_no_changes(harness, T, imported, DEFAULTS)

    longer = {**DEFAULTS, "max_key_lifetime_days": 800}
    assert changed_attributes(harness.plan(T, state, longer)) == {"max_key_lifetime_days"}
    state = harness.apply(T, longer, state)
    assert kh.settings.get().max_key_lifetime_days == 800

    only_default = {"default_key_lifetime_days": 30}  # the maximum is left as it is
    state = harness.apply(T, only_default, state)
    assert state["max_key_lifetime_days"] == 800
    assert kh.settings.get().default_key_lifetime_days == 30

    harness.destroy(T, state)
    assert kh.settings.get().default_key_lifetime_days == 30  # destroy leaves them


def test_settings_changed_outside_terraform_are_set_back(harness: Harness, kh: Keyhouse) -> None:
    state = harness.apply(T, DEFAULTS)
    kh.settings.update(max_key_lifetime_days=900)
    drifted = harness.refresh(T, state)
    assert drifted is not None
    assert changed_attributes(harness.plan(T, drifted, DEFAULTS)) == {"max_key_lifetime_days"}
    harness.apply(T, DEFAULTS, drifted)
    assert kh.settings.get().max_key_lifetime_days == 730


def test_local_checks_and_import_id(harness: Harness) -> None:
    found = harness.validate(T, {"default_key_lifetime_days": 800, "max_key_lifetime_days": 700})
    assert [(d.summary, d.path) for d in found] == [
        ("Default lifetime beyond the maximum", ("default_key_lifetime_days",))
    ]
    for days in (0, "0.1"):  # Terraform sends 0.1 as its decimal string
        found = harness.validate(T, {"max_key_lifetime_days": days})
        assert [(d.summary, d.path) for d in found] == [
            ("Invalid max_key_lifetime_days", ("max_key_lifetime_days",))
        ]
    (bad,) = harness.import_diagnostics(T, "other")
    assert bad.summary == "Invalid import ID for keyhouse_settings"
