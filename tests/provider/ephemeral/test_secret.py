"""``ephemeral.keyhouse_secret`` handlers against the live service."""

from __future__ import annotations

from keyhouse_client import Keyhouse
from tests.provider.harness.inprocess import Harness
from tests.support.actors import unique

T = "keyhouse_secret"


def test_a_secret_is_read_by_name_and_project_or_by_id(harness: Harness, kh: Keyhouse) -> None:
    project = unique("tf-eph")
    kh.projects.create(name=project)
    name = f"eph/{unique('s')}"
    created = kh.secrets.create(
        name=name, value="for one run", project=project, visibility="project"
    )

    by_name = harness.open(T, {"name": name, "project": project})
    assert by_name.errors == []
    assert by_name.result is not None
    assert (by_name.result["value"], by_name.result["id"]) == ("for one run", created.id)
    assert by_name.result["visibility"] == "project"
    assert harness.close_ephemeral(T, by_name.private) == []

    by_id = harness.open(T, {"id": created.id})
    assert by_id.result is not None
    assert (by_id.result["name"], by_id.result["project"]) == (name, project)


def test_a_look_up_needs_id_or_name_and_a_missing_secret_is_an_error(harness: Harness) -> None:
    (found,) = harness.open(T, {}).diagnostics
    assert (found.summary, found.path) == ("Give id or name", ("name",))
    missing = harness.open(T, {"name": f"eph/{unique('none')}"})
    assert missing.result is None
    assert [d.summary for d in missing.errors] == [
        "Not found while trying to open ephemeral.keyhouse_secret"
    ]
