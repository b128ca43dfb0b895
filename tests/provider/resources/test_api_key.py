"""``keyhouse_api_key`` handlers against the live service."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from keyhouse_client import Keyhouse
from tests.provider.harness.checks import assert_no_changes, changed_attributes
from tests.provider.harness.inprocess import Harness, ProviderErrors
from tests.provider.harness.slow_proxy import slow_proxy
from tests.support.actors import unique
from tests.support.keyhouse_server import KeyhouseServer

T = "keyhouse_api_key"


@pytest.fixture
def role(kh: Keyhouse) -> str:
    name = unique("tf-keys-role")
    kh.roles.create(name=name)
    return name


@pytest.fixture
def project(kh: Keyhouse) -> str:
    name = unique("tf-keys")
    kh.projects.create(name=name)
    return name


def _keys_named(kh: Keyhouse, name: str) -> list[str]:
    return [k.id for k in kh.api_keys.iter(name=name)]


def test_a_personal_key_lifecycle(harness: Harness, kh: Keyhouse, project: str) -> None:
    name = unique("personal")
    config = {"name": name, "scopes": ["secrets", "keys"]}
    state = harness.apply(T, config)
    assert (state["owner_user"], state["owner_role"]) == ("admin", None)
    assert (state["status"], state["expires_in_days"]) == ("active", 365)
    assert state["key"].startswith(f"kh_{state['id']}_")
    assert kh.keys.verify(key=state["key"]).valid
    assert_no_changes(harness, T, harness.refresh(T, state) or {}, config)

    imported = harness.import_(T, state["id"])
    assert imported is not None
    assert imported["key"] is None
    assert_no_changes(harness, T, imported, config)

    renamed = {"name": f"{name}-2", "scopes": ["secrets"]}
    plan = harness.plan(T, state, renamed)
    assert not plan.replace
    assert changed_attributes(plan) == {"name", "scopes"}
    state = harness.apply(T, renamed, state)
    found = kh.api_keys.get(key_id=state["id"])
    assert (found.name, found.scopes) == (f"{name}-2", ["secrets"])

    # A new lifetime rolls the key: a new key in its place, the old one working for the
    # default overlap of 24 hours.
    longer = {**renamed, "expires_in_days": 30}
    plan = harness.plan(T, state, longer)
    assert not plan.replace
    assert [(d.severity, d.summary) for d in plan.diagnostics] == [("warning", "API key rolls")]
    assert "expires_in_days changed" in plan.diagnostics[0].detail
    rolled = harness.apply(T, longer, state)
    assert rolled["id"] != state["id"]
    assert (rolled["name"], rolled["status"], rolled["expires_in_days"]) == (
        f"{name}-2",
        "active",
        30,
    )
    assert kh.keys.verify(key=rolled["key"]).key_id == rolled["id"]
    old = kh.api_keys.get(key_id=state["id"])
    assert (old.status, old.replaced_by) == ("rolled", rolled["id"])
    found = kh.api_keys.get(key_id=rolled["id"])
    assert (found.expires_at - found.created_at).days == 30
    assert (old.expires_at - found.created_at).total_seconds() == 24 * 3600
    assert_no_changes(harness, T, harness.refresh(T, rolled) or {}, longer)

    # A new project restriction replaces it: a rolled key would keep its old project.
    restricted = {**longer, "project": project}
    assert harness.plan(T, rolled, restricted).replace == [("project",)]
    harness.destroy(T, rolled)  # Terraform's replacement: destroy, then create
    assert _keys_named(kh, f"{name}-2") == []  # the rolled key went with it
    relived = harness.apply(T, restricted)
    assert relived["project"] == project
    harness.destroy(T, relived)
    assert harness.refresh(T, relived) is None


def test_a_role_key_stored_in_a_secret_never_reaches_the_state(
    harness: Harness, kh: Keyhouse, role: str, project: str
) -> None:
    secret_name = f"hopsworks/role/{role}/type/api-key"
    config = {
        "name": "databricks",
        "owner_role": role,
        "project": project,
        "scopes": ["featurestore", "project", "job", "kafka"],
        "expires_in_days": 90,
        "store_in_secret": {"name": secret_name, "project": project},
    }
    state = harness.apply(T, config)
    assert state["key"] is None
    assert (state["owner_role"], state["owner_user"], state["expires_in_days"]) == (role, None, 90)
    assert state["store_in_secret"]["visibility"] == "project"
    stored = kh.secrets.get_value(secret_id=state["stored_secret_id"])
    assert stored.name == secret_name
    verdict = kh.keys.verify(key=stored.value, scopes=["featurestore"])
    assert (verdict.valid, verdict.key_id) == (True, state["id"])
    assert stored.value.get_secret_value() not in repr(state)
    assert_no_changes(harness, T, harness.refresh(T, state) or {}, config)

    imported = harness.import_(T, f"{state['id']}/{state['stored_secret_id']}")
    assert imported == state
    assert_no_changes(harness, T, imported, config)

    harness.destroy(T, state)
    assert harness.refresh(T, state) is None
    assert not [s for s in kh.secrets.iter(project=project) if s.name == secret_name]


def test_importing_with_a_secret_that_does_not_hold_the_key_fails(
    harness: Harness, kh: Keyhouse
) -> None:
    key = harness.apply(T, {"name": unique("lone"), "scopes": ["secrets"]})
    other = kh.secrets.create(name=f"tf/{unique('other')}", value="not a key")
    (found,) = harness.import_diagnostics(T, f"{key['id']}/{other.id}")
    assert found.summary == "The secret does not hold this key"
    assert "not a key" not in str(found)
    (bad,) = harness.import_diagnostics(T, f"{key['id']}/")
    assert bad.summary == "Invalid import ID for keyhouse_api_key"
    harness.destroy(T, key)


@pytest.mark.parametrize("change", ["delete", "put_value"])
def test_a_lost_stored_secret_plans_a_new_key(
    harness: Harness, kh: Keyhouse, role: str, change: str
) -> None:
    config = {
        "name": unique("stored"),
        "owner_role": role,
        "scopes": ["job"],
        "store_in_secret": {"name": f"tf/{unique('holder')}"},
    }
    state = harness.apply(T, config)
    if change == "delete":
        kh.secrets.delete(secret_id=state["stored_secret_id"])
    else:
        kh.secrets.put_value(secret_id=state["stored_secret_id"], value="overwritten")
    drifted, found = harness.read(T, state)
    assert drifted is not None
    assert drifted["stored_secret_version"] is None
    assert drifted["stored_secret_id"] == state["stored_secret_id"]
    assert [d.severity for d in found] == ["warning"]
    assert found[0].path == ("store_in_secret",)
    plan = harness.plan(T, drifted, config)
    assert plan.replace == [("stored_secret_version",)]
    renewed = harness.apply(T, config, drifted)
    assert renewed["id"] != state["id"]
    value = kh.secrets.get_value(secret_id=renewed["stored_secret_id"]).value
    assert kh.keys.verify(key=value).key_id == renewed["id"]
    assert_no_changes(harness, T, harness.refresh(T, renewed) or {}, config)
    harness.destroy(T, renewed)


def test_a_key_revoked_or_deleted_outside_terraform_is_planned_anew(
    harness: Harness, kh: Keyhouse
) -> None:
    config = {"name": unique("revoked"), "scopes": ["secrets"]}
    state = harness.apply(T, config)
    kh.api_keys.revoke(key_id=state["id"])
    drifted = harness.refresh(T, state)
    assert drifted is not None
    assert drifted["status"] == "revoked"
    plan = harness.plan(T, drifted, config)
    assert plan.replace == [("status",)]
    renewed = harness.apply(T, config, drifted)
    assert renewed["status"] == "active"
    assert renewed["id"] != state["id"]
    assert harness.refresh(T, state) is None  # the revoked key was deleted with the replacement

    kh.api_keys.delete(key_id=renewed["id"])
    assert harness.refresh(T, renewed) is None
    again = harness.apply(T, config)
    assert again["id"] not in (state["id"], renewed["id"])
    harness.destroy(T, again)


def test_unknown_scopes_and_too_long_lifetimes_fail_the_plan(harness: Harness) -> None:
    plan = harness.plan(
        T, None, {"name": "k", "scopes": ["featurestore", "telepathy"], "expires_in_days": 1000}
    )
    found = {(d.summary, d.path): d.detail for d in plan.errors}
    assert set(found) == {
        ("Unknown scope", ("scopes",)),
        ("Key lifetime beyond the maximum", ("expires_in_days",)),
    }
    assert "'telepathy'" in found[("Unknown scope", ("scopes",))]
    assert "featurestore" in found[("Unknown scope", ("scopes",))]  # the catalog is listed
    assert (
        "maximum key lifetime of 730 days"
        in found[("Key lifetime beyond the maximum", ("expires_in_days",))]
    )


def test_changing_scopes_to_unknown_ones_fails_the_plan(harness: Harness) -> None:
    config = {"name": unique("scoped"), "scopes": ["secrets"]}
    state = harness.apply(T, config)
    plan = harness.plan(T, state, {**config, "scopes": ["nope"]})
    assert [(d.summary, d.path) for d in plan.errors] == [("Unknown scope", ("scopes",))]
    harness.destroy(T, state)


def test_local_checks(harness: Harness) -> None:
    both = harness.validate(
        T, {"name": "k", "scopes": ["job"], "owner_user": "a", "owner_role": "b"}
    )
    assert [(d.summary, d.path) for d in both] == [("Two owners", ("owner_role",))]
    zero = harness.validate(T, {"name": "k", "scopes": ["job"], "expires_in_days": 0})
    assert [(d.summary, d.path) for d in zero] == [
        ("Invalid expires_in_days", ("expires_in_days",))
    ]
    block = harness.validate(
        T,
        {"name": "k", "scopes": ["job"], "store_in_secret": {"name": "x", "visibility": "project"}},
    )
    assert [(d.summary, d.path) for d in block] == [
        ("Missing project", ("store_in_secret", "project"))
    ]


def test_a_create_repeated_after_a_lost_answer_returns_the_same_key(
    new_harness: Callable[[], Harness], kh: Keyhouse, role: str
) -> None:
    """An apply killed after the service created the key, run again, adopts that key."""
    name = unique("once")
    config = {
        "name": name,
        "owner_role": role,
        "scopes": ["job"],
        "store_in_secret": {"name": f"tf/{unique('once')}"},
    }
    first = new_harness().apply(T, config)  # its state is then lost
    second = new_harness().apply(T, config)
    assert second["id"] == first["id"]
    assert second["stored_secret_id"] == first["stored_secret_id"]
    assert _keys_named(kh, name) == [first["id"]]

    new_harness().destroy(T, second)
    third = new_harness().apply(T, config)  # same request within the window: not the dead key
    assert third["id"] != first["id"]
    assert kh.keys.verify(key=kh.secrets.get_value(secret_id=third["stored_secret_id"]).value).valid
    assert _keys_named(kh, name) == [third["id"]]
    new_harness().destroy(T, third)


def test_no_key_is_left_behind_when_its_secret_cannot_be_written(
    harness: Harness, kh: Keyhouse
) -> None:
    taken = f"tf/{unique('taken')}"
    kh.secrets.create(name=taken, value="already here")
    name = unique("orphan")
    config = {"name": name, "scopes": ["job"], "store_in_secret": {"name": taken}}
    with pytest.raises(ProviderErrors) as failure:
        harness.apply(T, config)
    assert (
        failure.value.diagnostics[0].summary == "Conflict while trying to create keyhouse_api_key"
    )
    assert _keys_named(kh, name) == []


def test_many_keys_refresh_from_a_listing_and_still_see_drift(
    harness: Harness, new_harness: Callable[[], Harness], kh: Keyhouse, role: str
) -> None:
    states = [
        harness.apply(T, {"name": f"bulk-{i}", "owner_role": role, "scopes": ["job"]})
        for i in range(25)
    ]
    kh.api_keys.revoke(key_id=states[22]["id"])
    kh.api_keys.delete(key_id=states[23]["id"])
    fresh = new_harness()  # a new plan: its process has no listing yet
    refreshed = [fresh.refresh(T, s) for s in states]
    assert fresh.provider.connection is not None
    assert fresh.provider.connection.snapshots.listed("api_key", "visible")
    assert refreshed[:22] == states[:22]
    assert refreshed[22] is not None
    assert refreshed[22]["status"] == "revoked"
    assert refreshed[23] is None
    assert refreshed[24] == states[24]
    for state in [s for s in refreshed if s is not None]:
        harness.destroy(T, state)


def test_state_from_before_stored_secret_arn_gets_it_on_refresh(
    harness: Harness, role: str
) -> None:
    config = {
        "name": unique("old-state"),
        "owner_role": role,
        "scopes": ["job"],
        "store_in_secret": {"name": f"tf/{unique('old')}"},
    }
    state = harness.apply(T, config)
    old = {k: v for k, v in state.items() if k not in ("stored_secret_arn", "arn")}
    upgraded, found = harness.upgrade(T, 0, old)
    assert found == []
    assert upgraded["stored_secret_arn"] is None
    assert harness.refresh(T, upgraded) == state
    harness.destroy(T, state)


def test_a_lost_answer_from_the_secret_create_is_recovered_by_the_next_apply(
    new_harness: Callable[[], Harness],
    sqlite_service: KeyhouseServer,
    kh: Keyhouse,
    role: str,
) -> None:
    name = unique("lost")
    secret_name = f"tf/{unique('lost')}"
    config = {
        "name": name,
        "owner_role": role,
        "scopes": ["job"],
        "store_in_secret": {"name": secret_name},
    }
    with slow_proxy(sqlite_service.url, lose="/api/v1/secrets") as url:
        cut_off = Harness(url, sqlite_service.admin_key, max_retries=0)
        with pytest.raises(ProviderErrors) as failure:
            cut_off.apply(T, config)
        cut_off.close()
    assert failure.value.diagnostics[0].summary == "Cannot reach the Keyhouse service"
    (kept,) = _keys_named(kh, name)  # the answer was lost, not the key: it stays for the retry

    state = new_harness().apply(T, config)
    assert state["id"] == kept
    holders = [s for s in kh.secrets.iter(visibility="private") if s.name == secret_name]
    assert [h.id for h in holders] == [state["stored_secret_id"]]
    assert kh.keys.verify(key=kh.secrets.get_value(secret_id=holders[0].id).value).key_id == kept
    new_harness().destroy(T, state)
