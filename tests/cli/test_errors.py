"""Failures end as one line naming what was wrong, with an exit status scripts can test."""

from __future__ import annotations

import re
from importlib.metadata import version

from sqlalchemy import create_engine, text

from tests.cli.conftest import Cli
from tests.support.actors import unique
from tests.support.keyhouse_server import KeyhouseServer
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


def test_a_broken_profile_file_is_named(cli: Cli) -> None:
    offline = Cli(
        cli.directory, {k: v for k, v in cli.env.items() if not k.startswith("KEYHOUSE_")}
    )
    offline.env["KEYHOUSE_CONFIG"] = str(cli.config)
    cli.config.write_text("[profiles.default\nurl = 1\n")
    assert f"the profile file {cli.config} is not valid TOML" in offline("whoami", ok=False).fails(
        2
    )
    cli.config.write_text('[profiles.default]\nurl = "http://127.0.0.1:1"\n')
    incomplete = offline("whoami", ok=False).fails(2)
    assert "profile 'default'" in incomplete
    assert "needs a url and an api_key" in incomplete
    cli.config.unlink()
    cli.config.mkdir()
    unreadable = offline("whoami", ok=False).fails(2)
    assert f"cannot read the profile file {cli.config}" in unreadable


def test_a_failing_service_is_named_with_its_status_and_the_request(
    cli: Cli, sqlite_service: KeyhouseServer
) -> None:
    # GIVEN a secret whose row the service cannot show (its type edited by hand)
    name = unique("broken")
    made = cli("secrets", "put", name, "v", "-o", "json").json()
    engine = create_engine(sqlite_service.database_url)
    edit = text("UPDATE secrets SET type = :type WHERE id = :id")
    with engine.begin() as connection:
        connection.execute(edit, {"type": "bogus", "id": made["id"]})
    try:
        # WHEN it is shown
        line = cli("secrets", "show", name, ok=False).fails(1)
    finally:
        with engine.begin() as connection:
            connection.execute(edit, {"type": "text", "id": made["id"]})
        engine.dispose()
    # THEN one line says the service failed, with the request id to find it in the logs
    assert "the service failed with 500" in line
    assert re.search(r"\(request [0-9a-f-]+\)$", line), line
    cli("secrets", "delete", name)


def test_local_mistakes_are_one_line_and_send_nothing(cli: Cli) -> None:
    expected = {
        ("secrets", "put", "a/b", "v", "--file", "f"): "give VALUE or --file, not both",
        ("secrets", "put", "a/b", ""): "value: a secret's value cannot be empty",
        ("secrets", "put", "a/b", "--file", "missing.bin"): "missing.bin: No such file",
        ("keys", "create", "k", "-s", "job", "--secret-project", "p"): (
            "--secret-project needs --store-in-secret"
        ),
        ("keys", "create", "k", "-s", "job", "--expires-at", "soon"): (
            "--expires-at: 'soon' is not an ISO 8601 time"
        ),
        ("policies", "update", "p"): "nothing to change: give --file, --description or both",
        ("policies", "create", "p", "-f", "missing.json"): "missing.json: No such file",
        ("policies", "simulate", "--action", "a:B", "--resource", "khrn:x"): (
            "give --principal, --policy-file or both"
        ),
        (
            "policies", "simulate", "--principal", "role/r", "--action", "a:B",
            "--resource", "khrn:x", "--context", "nokey",
        ): "--context: 'nokey' is not KEY=VALUE",
        ("settings", "set"): "nothing to change: give --default-key-lifetime-days",
    }  # fmt: skip
    before = cli("audit", "--limit", "1", "-o", "json").json()
    for args, message in expected.items():
        assert message in cli(*args, ok=False).fails(2), args
    assert cli("audit", "--limit", "1", "-o", "json").json() == before  # nothing was done


def test_at_a_terminal_deleting_asks_first(cli: Cli) -> None:
    key_id = cli("keys", "create", unique("kept"), "-s", "job", "-o", "json").json()["id"]
    kept = cli.at_terminal("keys", "revoke", key_id, "-o", "json", typed="n\n")
    assert kept.returncode == 1
    assert f"Revoke API key {key_id}? This cannot be undone. [y/N]" in kept.stderr
    assert kept.stderr.endswith("error: aborted\n")
    assert kept.stdout == ""
    assert cli("keys", "show", key_id, "-o", "json").json()["status"] == "active"

    revoked = cli.at_terminal("keys", "revoke", key_id, "-o", "json", typed="y\n")
    assert revoked.returncode == 0, revoked.stderr
    assert revoked.json()["status"] == "revoked"  # the question is not in the result


def test_at_a_terminal_a_value_must_be_piped_in(cli: Cli) -> None:
    line = cli.at_terminal("secrets", "put", unique("typed/value")).fails(2)
    assert "the secret's value: nothing piped in on stdin" in line
    key = cli.at_terminal("keys", "verify").fails(2)
    assert "the key to verify: nothing piped in on stdin" in key


def test_ctrl_c_is_one_line(cli: Cli) -> None:
    stopped = cli.interrupted_while_reading_stdin("keys", "verify")
    assert stopped.fails(130) == "error: interrupted"
