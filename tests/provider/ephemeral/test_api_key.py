"""``ephemeral.keyhouse_api_key`` handlers against the live service."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from keyhouse_client import Keyhouse
from tests.provider.harness.inprocess import Harness

T = "keyhouse_api_key"


def test_a_key_lives_for_the_run_and_is_revoked_at_close(harness: Harness, kh: Keyhouse) -> None:
    opened = harness.open(T, {"scopes": ["secrets"]})
    assert opened.errors == []
    result = opened.result
    assert result is not None
    assert result["lifetime_minutes"] == 60
    assert result["name"].startswith("terraform-ephemeral-")
    verified = kh.keys.verify(key=result["key"], scopes=["secrets"])
    assert (verified.valid, verified.key_id) == (True, result["id"])
    expires = datetime.fromisoformat(result["expires_at"])
    assert timedelta(minutes=59) < expires - datetime.now(UTC) <= timedelta(minutes=60)
    assert opened.private is not None
    assert result["key"].encode() not in opened.private  # Close gets the Key ID, not the key

    assert harness.close_ephemeral(T, opened.private) == []
    assert kh.api_keys.get(key_id=result["id"]).status == "revoked"
    assert kh.keys.verify(key=result["key"]).valid is False
    assert harness.close_ephemeral(T, opened.private) == []  # closing twice is fine


def test_a_key_can_be_restricted_to_a_project_for_some_minutes(
    harness: Harness, kh: Keyhouse
) -> None:
    from tests.support.actors import unique

    project = unique("tf-eph-key")
    kh.projects.create(name=project)
    opened = harness.open(
        T, {"scopes": ["job", "secrets"], "project": project, "lifetime_minutes": 5}
    )
    assert opened.result is not None
    key = kh.api_keys.get(key_id=opened.result["id"])
    assert (key.project, sorted(key.scopes)) == (project, ["job", "secrets"])
    assert opened.result["lifetime_minutes"] == 5
    assert harness.close_ephemeral(T, opened.private) == []


def test_a_lifetime_beyond_the_admin_maximum_is_refused(harness: Harness, kh: Keyhouse) -> None:
    maximum = kh.settings.get().max_key_lifetime_days
    opened = harness.open(T, {"scopes": ["job"], "lifetime_minutes": maximum * 24 * 60 + 1})
    (error,) = opened.errors
    assert (error.summary, error.path) == ("Key lifetime beyond the maximum", ("lifetime_minutes",))
    assert f"{maximum} days" in error.detail
    assert opened.result is None


@pytest.mark.parametrize(
    ("config", "summary", "path"),
    [
        (
            {"scopes": ["job"], "lifetime_minutes": 0},
            "Invalid lifetime_minutes",
            ("lifetime_minutes",),
        ),
        (
            {"scopes": ["job"], "lifetime_minutes": 1.5},
            "Invalid lifetime_minutes",
            ("lifetime_minutes",),
        ),
        ({"scopes": []}, "No scopes", ("scopes",)),
    ],
)
def test_bad_configuration_is_refused_before_any_key_is_made(
    harness: Harness, config: dict[str, object], summary: str, path: tuple[str, ...]
) -> None:
    opened = harness.open(T, config)
    assert [(d.summary, d.path) for d in opened.diagnostics] == [(summary, path)]


def test_an_unknown_scope_is_the_service_s_error_at_the_attribute(harness: Harness) -> None:
    opened = harness.open(T, {"scopes": ["no-such-scope"]})
    assert opened.result is None
    assert opened.errors
    assert all(d.path == ("scopes",) or d.path[:1] == ("scopes",) for d in opened.errors), (
        opened.errors
    )
