"""``data.keyhouse_secret`` against the live service."""

from __future__ import annotations

from keyhouse_client import Keyhouse
from tests.provider.harness.inprocess import Harness
from tests.support.actors import unique

T = "keyhouse_secret"


def test_reads_a_private_secret_by_name_and_by_id(harness: Harness, kh: Keyhouse) -> None:
    name = f"ds/{unique('private')}"
    created = kh.secrets.create(name=name, value="the value", description="d")
    by_name, found = harness.data(T, {"name": name})
    assert not found
    assert by_name is not None
    assert (by_name["id"], by_name["value"], by_name["version"]) == (created.id, "the value", 1)
    assert (by_name["visibility"], by_name["project"], by_name["arn"]) == (
        "private",
        None,
        created.arn,
    )
    by_id, _ = harness.data(T, {"id": created.id})
    assert by_id == by_name


def test_reads_a_project_secret_by_name(harness: Harness, kh: Keyhouse) -> None:
    project = unique("ds-project")
    kh.projects.create(name=project)
    kh.secrets.create(name="shared", value="v", visibility="project", project=project)
    state, _ = harness.data(T, {"name": "shared", "project": project})
    assert state is not None
    assert (state["value"], state["project"]) == ("v", project)


def test_a_missing_secret_is_an_error_naming_it(harness: Harness) -> None:
    state, found = harness.data(T, {"name": "no/such/secret"})
    assert state is None
    (error,) = found
    assert error.summary == "Not found while trying to read data.keyhouse_secret"
    assert "no/such/secret" in error.detail


def test_id_or_name(harness: Harness) -> None:
    _, neither = harness.data(T, {})
    _, both = harness.data(T, {"id": "x", "name": "y"})
    assert [d.summary for d in neither] == [d.summary for d in both] == ["Give id or name"]
