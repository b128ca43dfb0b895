"""Failures end as one line naming what was wrong, with an exit status scripts can test."""

from __future__ import annotations

from importlib.metadata import version

from tests.cli.conftest import Cli
from tests.support.postgres import free_port


def test_version(cli: Cli) -> None:
    assert cli("--version").stdout.startswith(f"keyhouse {version('keyhouse')} ")


def test_an_unreachable_service_names_its_url(cli: Cli) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    line = cli("whoami", ok=False, KEYHOUSE_URL=url).fails(3)
    assert f"{url}/api/v1/whoami" in line
    assert "could not reach the service" in line
    assert cli.env["KEYHOUSE_API_KEY"] not in line


def test_usage_errors_are_one_line(cli: Cli) -> None:
    assert "No such command 'sekrets'" in cli("sekrets", "list", ok=False).fails(2)
    wrong = cli("keys", "list", "--output", "yaml", ok=False).fails(2)
    assert "--output" in wrong
    assert "keyhouse keys list --help" in wrong
    assert "not user/<name> or role/<name>" in cli(
        "members", "add", "p", "group/x", ok=False
    ).fails(2)


def test_a_malformed_key_is_refused_before_anything_is_sent(cli: Cli) -> None:
    line = cli("whoami", ok=False, KEYHOUSE_API_KEY="kh_with spaces").fails(2)
    assert "characters no API key has" in line
    assert "kh_with spaces" not in line
