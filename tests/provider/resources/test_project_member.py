"""``keyhouse_project_member`` handlers against the live service."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from keyhouse_client import Keyhouse
from tests.provider.harness.checks import assert_no_changes, changed_attributes
from tests.provider.harness.inprocess import Harness
from tests.support.actors import unique

T = "keyhouse_project_member"


@pytest.fixture
def project(kh: Keyhouse) -> str:
    name = unique("tf-members")
    kh.projects.create(name=name)
    return name


def test_a_user_member_lifecycle(harness: Harness, kh: Keyhouse, project: str) -> None:
    user = unique("tf-member")
    kh.users.create(name=user)
    config = {"project": project, "user": user}
    state = harness.apply(T, config)
    assert state["id"] == f"{project}/user/{user}"
    assert state["role"] == "member"
    imported = harness.import_(T, state["id"])
    assert imported == state
    assert_no_changes(harness, T, imported, config)

    viewer = {**config, "role": "viewer"}
    assert changed_attributes(harness.plan(T, state, viewer)) == {"role"}
    state = harness.apply(T, viewer, state)
    roles = {m.principal_name: m.role for m in kh.projects.iter_members(project=project)}
    assert roles[user] == "viewer"

    other = unique("tf-member")
    kh.users.create(name=other)
    moved = {"project": project, "user": other, "role": "viewer"}
    assert harness.plan(T, state, moved).replace == [("user",)]
    replaced = harness.apply(T, moved, state)
    assert harness.refresh(T, state) is None
    harness.destroy(T, replaced)
    assert harness.refresh(T, replaced) is None


def test_a_role_member_and_drift(harness: Harness, kh: Keyhouse, project: str) -> None:
    role = unique("tf-member-role")
    kh.roles.create(name=role)
    config = {"project": project, "machine_role": role, "role": "viewer"}
    state = harness.apply(T, config)
    assert state["id"] == f"{project}/role/{role}"

    kh.projects.update_member(
        project=project, principal_kind="role", principal_name=role, role="owner"
    )
    drifted = harness.refresh(T, state)
    assert drifted is not None
    assert drifted["role"] == "owner"
    assert changed_attributes(harness.plan(T, drifted, config)) == {"role"}
    state = harness.apply(T, config, drifted)

    kh.projects.remove_member(project=project, principal_kind="role", principal_name=role)
    assert harness.refresh(T, state) is None
    state = harness.apply(T, config)
    assert harness.refresh(T, state) == state
    harness.destroy(T, state)


def test_exactly_one_principal_and_a_known_role(harness: Harness) -> None:
    neither = harness.validate(T, {"project": "p"})
    both = harness.validate(T, {"project": "p", "user": "u", "machine_role": "r"})
    bad_role = harness.validate(T, {"project": "p", "user": "u", "role": "boss"})
    assert [(d.summary, d.path) for d in neither] == [("No member", ("user",))]
    assert [(d.summary, d.path) for d in both] == [("Two members", ("machine_role",))]
    assert [(d.summary, d.path) for d in bad_role] == [("Invalid role", ("role",))]


def test_a_bad_import_id_is_a_diagnostic(harness: Harness) -> None:
    (found,) = harness.import_diagnostics(T, "just-a-project")
    assert found.summary == "Invalid import ID for keyhouse_project_member"
    assert "<project>/user/<name>" in found.detail


def test_many_members_refresh_from_one_listing(
    harness: Harness, new_harness: Callable[[], Harness], kh: Keyhouse, project: str
) -> None:
    users = [unique("tf-bulk-member") for _ in range(25)]
    for user in users:
        kh.users.create(name=user)
    states = [harness.apply(T, {"project": project, "user": user}) for user in users]
    kh.projects.remove_member(project=project, principal_kind="user", principal_name=users[23])
    kh.projects.update_member(
        project=project, principal_kind="user", principal_name=users[24], role="viewer"
    )
    fresh = new_harness()
    refreshed = [fresh.refresh(T, s) for s in states]
    assert fresh.provider.connection is not None
    assert fresh.provider.connection.snapshots.listed("member", project)
    assert refreshed[:23] == states[:23]
    assert refreshed[23] is None
    assert refreshed[24] is not None
    assert refreshed[24]["role"] == "viewer"
