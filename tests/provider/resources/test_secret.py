"""``keyhouse_secret`` handlers against the live service."""

from __future__ import annotations

import base64
from collections.abc import Callable

import pytest

from keyhouse_client import Keyhouse
from keyhouse_provider.framework.tfcompat import Unknown
from tests.provider.harness.checks import assert_no_changes, changed_attributes
from tests.provider.harness.inprocess import Harness, ProviderErrors
from tests.support.actors import unique

T = "keyhouse_secret"


@pytest.fixture
def project(kh: Keyhouse) -> str:
    name = unique("tf-secrets")
    kh.projects.create(name=name)
    return name


def test_a_private_secret_lifecycle(harness: Harness, kh: Keyhouse) -> None:
    name = f"tf/{unique('private')}"
    config = {"name": name, "value": "first"}
    state = harness.apply(T, config)
    assert (state["visibility"], state["type"], state["version"]) == ("private", "text", 1)
    assert state["owner"] == "user/admin"
    assert kh.secrets.get_value(secret_id=state["id"]).value.get_secret_value() == "first"
    assert_no_changes(harness, T, harness.refresh(T, state) or {}, config)

    imported = harness.import_(T, state["id"])
    assert imported == state
    assert_no_changes(harness, T, imported, config)

    second = {**config, "value": "second", "description": "rotated"}
    plan = harness.plan(T, state, second)
    assert not plan.replace
    assert plan.planned is not None
    assert plan.planned["version"] is Unknown
    assert changed_attributes(plan) == {"value", "description", "version"}
    state = harness.apply(T, second, state)
    assert (
        state["version"],
        kh.secrets.get_value(secret_id=state["id"]).value.get_secret_value(),
    ) == (
        2,
        "second",
    )
    assert kh.secrets.get(secret_id=state["id"]).description == "rotated"

    described = {**second, "description": "only this"}
    plan = harness.plan(T, state, described)
    assert changed_attributes(plan) == {"description"}
    state = harness.apply(T, described, state)
    assert state["version"] == 2

    renamed = {**described, "name": f"tf/{unique('renamed')}"}
    assert harness.plan(T, state, renamed).replace == [("name",)]
    replaced = harness.apply(T, renamed, state)
    assert harness.refresh(T, state) is None
    harness.destroy(T, replaced)
    assert harness.refresh(T, replaced) is None


def test_a_project_secret_of_type_file(harness: Harness, kh: Keyhouse, project: str) -> None:
    content = base64.b64encode(b"\x00binary\xff").decode()
    config = {"name": "certs/ca", "project": project, "type": "file", "value": content}
    state = harness.apply(T, config)
    assert (state["visibility"], state["project"]) == ("project", project)
    assert state["arn"] == f"khrn:secret:project/{project}/certs/ca"
    assert kh.secrets.get_value(secret_id=state["id"]).value.get_secret_value() == content
    text = {**config, "type": "text", "value": "plain"}
    assert changed_attributes(harness.plan(T, state, text)) == {"type", "value", "version"}
    state = harness.apply(T, text, state)
    assert kh.secrets.get_value(secret_id=state["id"]).type == "text"
    moved = {**text, "project": None}
    plan = harness.plan(T, state, moved)
    assert sorted(plan.replace) == [("project",), ("visibility",)]
    harness.destroy(T, state)


def test_a_value_changed_after_the_refresh_is_not_overwritten_unseen(
    harness: Harness, kh: Keyhouse
) -> None:
    # GIVEN a secret in the state at version 1, and a plan to write a new value
    config = {"name": f"tf/{unique('cas')}", "value": "ours"}
    state = harness.apply(T, config)
    plan = harness.plan(T, state, {**config, "value": "next"})
    # WHEN someone else writes it before the apply
    kh.secrets.put_value(secret_id=state["id"], value="theirs")
    # THEN the apply fails naming the version, and their value stays
    with pytest.raises(ProviderErrors) as failure:
        harness.apply_plan(T, plan)
    assert "version 2" in str(failure.value)
    assert "412" in str(failure.value)
    assert kh.secrets.get_value(secret_id=state["id"]).value.get_secret_value() == "theirs"
    # and after a refresh the next apply writes the configured value
    refreshed = harness.refresh(T, state)
    assert refreshed is not None
    assert harness.apply(T, {**config, "value": "next"}, refreshed)["version"] == 3


def test_a_value_changed_outside_terraform_is_written_back(harness: Harness, kh: Keyhouse) -> None:
    config = {"name": f"tf/{unique('drift')}", "value": "ours"}
    state = harness.apply(T, config)
    kh.secrets.put_value(secret_id=state["id"], value="theirs")
    drifted = harness.refresh(T, state)
    assert drifted is not None
    assert (drifted["value"], drifted["version"]) == ("theirs", 2)
    assert changed_attributes(harness.plan(T, drifted, config)) == {"value", "version"}
    restored = harness.apply(T, config, drifted)
    assert restored["version"] == 3
    assert kh.secrets.get_value(secret_id=state["id"]).value.get_secret_value() == "ours"
    assert_no_changes(harness, T, harness.refresh(T, restored) or {}, config)

    kh.secrets.put_value(secret_id=state["id"], value="ours")  # a new version, same value
    same = harness.refresh(T, restored)
    assert same is not None
    assert same["version"] == 4
    assert_no_changes(harness, T, same, config)

    kh.secrets.delete(secret_id=state["id"])
    assert harness.refresh(T, same) is None


def test_many_secrets_refresh_from_a_listing_and_still_see_drift(
    harness: Harness, new_harness: Callable[[], Harness], kh: Keyhouse, project: str
) -> None:
    configs = [{"name": f"bulk/{i}", "project": project, "value": f"v{i}"} for i in range(30)]
    states = [harness.apply(T, c) for c in configs]
    kh.secrets.put_value(secret_id=states[27]["id"], value="changed")
    kh.secrets.delete(secret_id=states[28]["id"])
    fresh = new_harness()  # a new plan: its process has no listing yet
    refreshed = [fresh.refresh(T, s) for s in states]
    connection = fresh.provider.connection
    assert connection is not None
    assert connection.snapshots.listed("secret", f"project/{project}")
    assert refreshed[:27] == states[:27]
    assert refreshed[27] is not None
    assert refreshed[27]["value"] == "changed"
    assert refreshed[28] is None
    assert refreshed[29] == states[29]
    for state in [s for s in refreshed if s is not None]:
        harness.destroy(T, state)


def test_an_oversize_value_fails_validation_without_repeating_it(harness: Harness) -> None:
    value = "x" * 9001
    (found,) = harness.validate(T, {"name": "big", "value": value})
    assert (found.summary, found.path) == ("Secret value too long", ("value",))
    assert "9001 characters" in found.detail
    assert "9000" in found.detail
    assert value not in str(found)
    assert harness.validate(T, {"name": "ok", "value": "x" * 9000}) == []


def test_an_oversize_value_known_only_at_plan_time_fails_the_plan(harness: Harness) -> None:
    plan = harness.plan(T, None, {"name": "big", "value": "y" * 9500})
    assert [(d.summary, d.path) for d in plan.errors] == [("Secret value too long", ("value",))]


@pytest.mark.parametrize(
    ("config", "summary", "path"),
    [
        ({"type": "file", "value": "not base64!"}, "Secret value is not base64", ("value",)),
        ({"type": "binary"}, "Invalid type", ("type",)),
        ({"visibility": "project"}, "Missing project", ("project",)),
        (
            {"visibility": "private", "project": "p"},
            "Private secret with a project",
            ("visibility",),
        ),
        ({"visibility": "public"}, "Invalid visibility", ("visibility",)),
    ],
)
def test_invalid_configurations_name_the_attribute(
    harness: Harness, config: dict[str, str], summary: str, path: tuple[str, ...]
) -> None:
    found = harness.validate(T, {"name": "n", "value": "v", **config})
    assert [(d.summary, d.path) for d in found] == [(summary, path)]


def test_a_refused_create_names_the_attribute(harness: Harness) -> None:
    plan = harness.plan(T, None, {"name": "n", "value": "v", "description": "d" * 501})
    with pytest.raises(ProviderErrors) as failure:
        harness.apply_plan(T, plan)
    (found,) = failure.value.diagnostics
    assert found.summary == "Keyhouse refused to create keyhouse_secret"
    assert found.path == ("description",)
    assert "500" in found.detail


def test_import_by_project_and_name_by_private_name_and_by_arn(
    harness: Harness, kh: Keyhouse, project: str
) -> None:
    shared = harness.apply(T, {"name": "team/token", "project": project, "value": "s"})
    private = harness.apply(T, {"name": f"{project}/token", "value": "p"})
    assert harness.import_(T, f"{project}/team/token") == shared
    assert harness.import_(T, f"{project}/token") == private  # no project secret "token"
    assert harness.import_(T, shared["arn"]) == shared
    assert harness.import_(T, private["arn"]) == private
    assert harness.import_(T, private["id"]) == private

    # A name that reads both ways is refused, not guessed.
    clash = harness.apply(T, {"name": "token", "project": project, "value": "c"})
    (found,) = harness.import_diagnostics(T, f"{project}/token")
    assert found.summary == "Ambiguous import ID for keyhouse_secret"
    assert clash["id"] in found.detail
    assert private["id"] in found.detail

    (missing,) = harness.import_diagnostics(T, f"{project}/nothing/here")
    assert missing.summary == "No such secret to import"
    assert "<project>/<name>" in missing.detail
    for state in (shared, private, clash):
        harness.destroy(T, state)
