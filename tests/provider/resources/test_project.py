"""``keyhouse_project`` handlers against the live service."""

from __future__ import annotations

import pytest

from keyhouse_client import Keyhouse
from tests.provider.harness.checks import assert_no_changes, changed_attributes
from tests.provider.harness.inprocess import Harness, ProviderErrors
from tests.support.actors import unique

T = "keyhouse_project"


def test_lifecycle_create_import_update_replace_destroy(harness: Harness, kh: Keyhouse) -> None:
    name = unique("tf-project")
    config = {"name": name}
    state = harness.apply(T, config)
    assert (state["id"], state["arn"]) == (name, f"khrn:project:{name}")
    assert kh.projects.get(project=name).my_role == "owner"
    imported = harness.import_(T, name)
    assert imported == state
    assert_no_changes(harness, T, imported, config)

    described = {"name": name, "description": "features"}
    assert changed_attributes(harness.plan(T, state, described)) == {"description"}
    state = harness.apply(T, described, state)
    assert kh.projects.get(project=name).description == "features"

    other = {"name": unique("tf-project"), "description": "features"}
    assert harness.plan(T, state, other).replace == [("name",)]
    replaced = harness.apply(T, other, state)
    assert harness.refresh(T, state) is None
    harness.destroy(T, replaced)
    assert harness.refresh(T, replaced) is None


def test_deleting_a_project_that_holds_secrets_fails_with_the_services_reason(
    harness: Harness, kh: Keyhouse
) -> None:
    name = unique("tf-project")
    state = harness.apply(T, {"name": name})
    secret = kh.secrets.create(name="x", value="v", visibility="project", project=name)
    with pytest.raises(ProviderErrors) as failure:
        harness.apply_plan(T, harness.plan(T, state, None))
    (found,) = failure.value.diagnostics
    assert found.summary == "Conflict while trying to delete keyhouse_project"
    assert "still holds 1 secret(s)" in found.detail
    assert harness.refresh(T, state) is not None
    kh.secrets.delete(secret_id=secret.id)
    harness.destroy(T, state)
