"""The provider's configuration: one clear diagnostic when the service is missing or refuses."""

from __future__ import annotations

import pytest

from tests.provider.harness.inprocess import Harness
from tests.support.keyhouse_server import KeyhouseServer
from tests.support.postgres import free_port


@pytest.fixture(autouse=True)
def _no_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KEYHOUSE_URL", raising=False)
    monkeypatch.delenv("KEYHOUSE_API_KEY", raising=False)


def test_without_url_or_key_each_is_named() -> None:
    found = Harness(None, None).configure_diagnostics
    assert [(d.summary, d.path) for d in found] == [
        ("Missing Keyhouse URL", ("url",)),
        ("Missing Keyhouse API key", ("api_key",)),
    ]
    assert "KEYHOUSE_URL" in found[0].detail
    assert "KEYHOUSE_API_KEY" in found[1].detail


def test_the_environment_is_the_fallback(
    sqlite_service: KeyhouseServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KEYHOUSE_URL", sqlite_service.url)
    monkeypatch.setenv("KEYHOUSE_API_KEY", sqlite_service.admin_key)
    harness = Harness(None, None)
    assert harness.configure_diagnostics == []
    state, _ = harness.data("keyhouse_caller_identity", {})
    assert state is not None
    assert state["principal_name"] == "admin"
    harness.close()


def test_an_unreachable_service_is_one_diagnostic() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    (found,) = Harness(url, "kh_whatever", max_retries=0).configure_diagnostics
    assert (found.summary, found.path) == ("Cannot reach the Keyhouse service", ("url",))
    assert url in found.detail
    assert "ConnectError" in found.detail


def test_a_refused_key_is_one_diagnostic_without_the_key(sqlite_service: KeyhouseServer) -> None:
    key = "kh_aaaaaaaaaaaaaaaa_notarealkeyatallnotarealkey0000"
    (found,) = Harness(sqlite_service.url, key, max_retries=0).configure_diagnostics
    assert (found.summary, found.path) == ("The Keyhouse API key was refused", ("api_key",))
    assert key not in str(found)


def test_a_key_with_spaces_is_refused_before_any_call() -> None:
    (found,) = Harness("http://127.0.0.1:1", "has spaces").configure_diagnostics
    assert found.summary == "Invalid keyhouse provider configuration"
    assert "has spaces" not in str(found)


@pytest.mark.parametrize(
    ("setting", "path"),
    [
        ({"timeout_seconds": 0}, "timeout_seconds"),
        ({"timeout_seconds": "3600.5"}, "timeout_seconds"),  # as Terraform sends 3600.5
        ({"max_retries": 1.5}, "max_retries"),
        ({"max_retries": "0.1"}, "max_retries"),
    ],
)
def test_bad_settings_are_refused_at_validation(setting: dict[str, float | str], path: str) -> None:
    from keyhouse_provider.framework.tfcompat import new_diagnostics
    from keyhouse_provider.provider import KeyhouseProvider

    diags = new_diagnostics()
    KeyhouseProvider().validate_config(diags, setting)
    assert diags.has_errors()
    assert str(diags).count(path) >= 1


def test_a_fractional_timeout_sent_as_a_decimal_string_configures(
    sqlite_service: KeyhouseServer,
) -> None:
    # Terraform sends 0.1 as "0.1": no float64 holds it exactly.
    harness = Harness(sqlite_service.url, sqlite_service.admin_key, timeout_seconds="0.1")
    assert harness.configure_diagnostics == []
    connection = harness.provider.connection
    assert connection is not None
    assert connection.client._http.timeout.read == 0.1
