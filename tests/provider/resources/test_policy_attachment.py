"""``keyhouse_policy_attachment`` handlers against the live service."""

from __future__ import annotations

import pytest

from keyhouse_client import Keyhouse
from tests.provider.harness.checks import assert_no_changes
from tests.provider.harness.inprocess import Harness, ProviderErrors
from tests.support.actors import unique

T = "keyhouse_policy_attachment"
DOCUMENT = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": ["secrets:GetSecret"], "Resource": ["*"]}],
}


@pytest.fixture
def policy(kh: Keyhouse) -> str:
    name = unique("tf-attach")
    kh.iam.create_policy(name=name, document=DOCUMENT)
    return name


def test_attach_import_move_detach(harness: Harness, kh: Keyhouse, policy: str) -> None:
    role = unique("tf-attach-role")
    kh.roles.create(name=role)
    config = {"policy_arn": f"khrn:policy:{policy}", "role": role}
    state = harness.apply(T, config)
    assert state["id"] == f"{policy}/role/{role}"
    assert state["principal_arn"] == f"khrn:role:{role}"
    assert [a.principal_name for a in kh.iam.iter_attachments(policy=policy)] == [role]
    imported = harness.import_(T, state["id"])
    assert imported == state
    assert_no_changes(harness, T, imported, config)

    user = unique("tf-attach-user")
    kh.users.create(name=user)
    moved = {"policy_arn": f"khrn:policy:{policy}", "user": user}
    assert sorted(harness.plan(T, state, moved).replace) == [("role",), ("user",)]
    state = harness.apply(T, moved, state)
    assert [a.principal_name for a in kh.iam.iter_attachments(policy=policy)] == [user]

    imported_policy = harness.import_("keyhouse_iam_policy", policy)
    assert imported_policy is not None
    destroy_policy = harness.plan("keyhouse_iam_policy", imported_policy, None)
    with pytest.raises(ProviderErrors) as refused:  # the policy cannot go while attached
        harness.apply_plan("keyhouse_iam_policy", destroy_policy)
    assert "attached" in refused.value.diagnostics[0].detail

    kh.iam.detach_policy(policy=policy, principal_kind="user", principal_name=user)
    assert harness.refresh(T, state) is None  # detached outside Terraform: planned anew
    state = harness.apply(T, moved)
    harness.destroy(T, state)
    assert list(kh.iam.iter_attachments(policy=policy)) == []


def test_local_checks(harness: Harness) -> None:
    found = harness.validate(T, {"policy_arn": "read-token", "user": "u", "role": "r"})
    assert sorted((d.summary, d.path) for d in found) == [
        ("Give user or role", ("role",)),
        ("Invalid policy_arn", ("policy_arn",)),
    ]
    (bad,) = harness.import_diagnostics(T, "policy/robot/x")
    assert bad.summary == "Invalid import ID for keyhouse_policy_attachment"
