"""``keyhouse_iam_policy`` handlers against the live service."""

from __future__ import annotations

import json

from keyhouse_client import Keyhouse
from keyhouse_provider.framework.tfcompat import Unknown
from tests.provider.harness.checks import assert_no_changes, changed_attributes
from tests.provider.harness.inprocess import Harness
from tests.support.actors import unique

T = "keyhouse_iam_policy"


def _document(action: str = "secrets:GetSecretValue", resource: str = "*") -> str:
    """As the policy document data source writes it: single values as strings."""
    statement = {"Effect": "Allow", "Action": action, "Resource": resource}
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]}, indent=2)


def test_lifecycle_create_import_update_replace_destroy(harness: Harness, kh: Keyhouse) -> None:
    name = unique("tf-policy")
    config = {"name": name, "policy": _document()}
    state = harness.apply(T, config)
    assert (state["id"], state["version"], state["arn"]) == (name, 1, f"khrn:policy:{name}")
    assert kh.iam.get_policy(policy=name).document["Statement"][0]["Action"] == [
        "secrets:GetSecretValue"
    ]
    assert_no_changes(harness, T, harness.refresh(T, state) or {}, config)

    imported = harness.import_(T, name)
    assert imported is not None
    assert json.loads(imported["policy"]) != json.loads(config["policy"])  # the service's spelling
    assert_no_changes(harness, T, imported, config)  # ...means the same

    wider = {**config, "policy": _document("secrets:*"), "description": "all of secrets"}
    plan = harness.plan(T, state, wider)
    assert plan.planned is not None
    assert plan.planned["version"] is Unknown
    assert changed_attributes(plan) == {"policy", "description", "version"}
    state = harness.apply(T, wider, state)
    assert state["version"] == 2

    renamed = {**wider, "name": unique("tf-policy")}
    assert harness.plan(T, state, renamed).replace == [("name",)]
    replaced = harness.apply(T, renamed, state)
    assert harness.refresh(T, state) is None
    harness.destroy(T, replaced)


def test_a_document_not_known_at_plan_time_applies_with_a_new_version(harness: Harness) -> None:
    # As when the document names a secret being replaced: its arn is known at apply.
    name = unique("tf-policy")
    state = harness.apply(T, {"name": name, "policy": _document(resource="khrn:secret:a")})
    plan = harness.plan(T, state, {"name": name, "policy": Unknown})
    assert plan.planned is not None
    assert plan.planned["version"] is Unknown

    same = {"name": name, "policy": _document(resource="khrn:secret:a")}
    assert harness.final_plan(T, plan, same).planned == state  # nothing to change after all

    config = {"name": name, "policy": _document(resource="khrn:secret:b")}
    final = harness.final_plan(T, plan, config)
    assert harness.apply_plan(T, final) == {**state, "policy": config["policy"], "version": 2}
    harness.destroy(T, state)


def test_a_document_changed_outside_terraform_is_set_back(harness: Harness, kh: Keyhouse) -> None:
    name = unique("tf-policy")
    config = {"name": name, "policy": _document()}
    state = harness.apply(T, config)
    kh.iam.update_policy(policy=name, document=json.loads(_document("keys:*")))
    drifted = harness.refresh(T, state)
    assert drifted is not None
    assert drifted["version"] == 2
    assert changed_attributes(harness.plan(T, drifted, config)) == {"policy", "version"}
    restored = harness.apply(T, config, drifted)
    assert kh.iam.get_policy(policy=name).document["Statement"][0]["Action"] == [
        "secrets:GetSecretValue"
    ]
    harness.destroy(T, restored)


def test_the_service_validates_the_document_at_plan_time(harness: Harness) -> None:
    plan = harness.plan(T, None, {"name": "p", "policy": _document("secrets:GetSecretValu")})
    (error,) = plan.errors
    assert (error.summary, error.path) == ("Invalid policy document", ("policy",))
    assert "unknown action; did you mean secrets:GetSecretValue" in error.detail
    assert "GetSecretValu'" not in error.detail  # the rejected value is not repeated
    assert "did you mean secrets:GetSecretValue" in error.detail
    assert "/Statement/0/Action" in error.detail


def test_a_document_that_is_not_json_fails_validation(harness: Harness) -> None:
    (found,) = harness.validate(T, {"name": "p", "policy": "{not json"})
    assert (found.summary, found.path) == ("policy is not JSON", ("policy",))
