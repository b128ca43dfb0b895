"""Where ``keyhouse`` connects: a ``login`` profile (0600), ``--profile``, or the environment."""

from __future__ import annotations

import os
import stat
import tomllib

from tests.cli.conftest import Cli
from tests.support.actors import unique
from tests.support.keyhouse_server import KeyhouseServer

UNSET = ("KEYHOUSE_URL", "KEYHOUSE_API_KEY")


def test_login_saves_a_private_profile_that_later_commands_use(
    cli: Cli, sqlite_service: KeyhouseServer
) -> None:
    key = cli("keys", "create", unique("laptop"), "-s", "keys").stdout.strip()
    logged = cli("login", "--url", sqlite_service.url, stdin=key + "\n")
    assert "profile 'default' saved" in logged.stderr
    assert key not in logged.stdout + logged.stderr
    assert stat.S_IMODE(os.stat(cli.config).st_mode) == 0o600
    saved = tomllib.loads(cli.config.read_text())["profiles"]["default"]
    assert saved == {"url": sqlite_service.url, "api_key": key}

    # Without KEYHOUSE_URL / KEYHOUSE_API_KEY, the default profile answers.
    offline = Cli(cli.directory, {k: v for k, v in cli.env.items() if k not in UNSET})
    me = offline("whoami", "-o", "json").json()
    assert me["key"]["scopes"] == ["keys"]
    # The environment, when set, wins over the default profile; --profile wins over both.
    assert cli("whoami", "-o", "json").json()["is_admin"] is True
    cli(
        "login",
        "--url",
        sqlite_service.url,
        "--profile",
        "admin",
        stdin=cli.env["KEYHOUSE_API_KEY"],
    )
    assert offline("--profile", "admin", "whoami", "-o", "json").json()["is_admin"]
    by_env = cli("whoami", "-o", "json", KEYHOUSE_PROFILE="default").json()
    assert by_env["key"]["scopes"] == ["keys"]

    os.chmod(cli.config, 0o644)
    warned = offline("whoami")
    assert "open to others (mode 644)" in warned.stderr

    cli("logout", "--profile", "admin")
    missing = cli("--profile", "admin", "whoami", ok=False).fails(2)
    assert "no profile 'admin'" in missing
    assert "profiles: default" in missing


def test_a_refused_key_is_not_saved(cli: Cli, sqlite_service: KeyhouseServer) -> None:
    line = cli("login", "--url", sqlite_service.url, stdin="kh_not-a-real-key\n", ok=False)
    assert "the API key was refused" in line.fails(1)
    assert not cli.config.exists()


def test_without_a_profile_or_the_environment_it_says_how_to_log_in(cli: Cli) -> None:
    line = cli("whoami", ok=False, KEYHOUSE_URL=None, KEYHOUSE_API_KEY=None).fails(2)
    assert "keyhouse login --url" in line
    half = cli("whoami", ok=False, KEYHOUSE_API_KEY=None).fails(2)
    assert "KEYHOUSE_URL is set but KEYHOUSE_API_KEY is not" in half


def test_at_a_terminal_login_asks_for_the_key_without_showing_it(
    cli: Cli, sqlite_service: KeyhouseServer
) -> None:
    key = cli("keys", "create", unique("tty"), "-s", "keys").stdout.strip()
    logged = cli.at_terminal(
        "login", "--url", sqlite_service.url, "-o", "json", replies=[("API key: ", key + "\n")]
    )
    assert logged.returncode == 0, logged.stderr
    assert "API key: " in logged.terminal  # asked on the terminal itself
    assert key not in logged.terminal + logged.stderr + logged.stdout  # never echoed
    assert logged.json()["key"]["scopes"] == ["keys"]  # stdout holds only the result
    assert tomllib.loads(cli.config.read_text())["profiles"]["default"]["api_key"] == key

    empty = cli.at_terminal(
        "login", "--url", sqlite_service.url, "--profile", "empty", replies=[("API key: ", "\n")]
    )
    assert "no API key given" in empty.fails(2)
    assert "empty" not in tomllib.loads(cli.config.read_text())["profiles"]
