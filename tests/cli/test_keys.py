"""``keyhouse keys``: the key shown once (or kept in a file or a secret), lists, revoke, verify."""

from __future__ import annotations

import os
import stat

from tests.cli.conftest import Cli
from tests.support.actors import unique

LIST_HEADERS = ("name", "key id", "prefix", "scopes", "created", "expires", "last used", "status")


def test_create_prints_the_key_once_and_the_list_shows_everything_but_it(cli: Cli) -> None:
    name = unique("ci")
    made = cli("keys", "create", name, "--scope", "secrets", "--expires-in-days", "30")
    key = made.stdout.strip()
    assert key.startswith("kh_")
    assert made.stdout == key + "\n"  # only the key on stdout: KEY=$(keyhouse keys create ...)
    assert "shown once" in made.stderr
    assert key not in made.stderr

    me = cli.as_key(key)("whoami", "--output", "json").json()
    assert me["key"]["name"] == name
    assert me["key"]["scopes"] == ["secrets"]

    [listed] = cli("keys", "list", "--name", name, "-o", "json").json()
    assert listed["id"] == me["key"]["id"]
    assert "key" not in listed
    table = cli("keys", "list", "--name", name).stdout
    for header in LIST_HEADERS:
        assert header in table
    assert listed["id"] in table
    assert listed["prefix"] in table
    assert "active" in table
    assert key not in table


def test_create_as_json_holds_the_key_itself_once(cli: Cli) -> None:
    made = cli("keys", "create", unique("json"), "-s", "job", "-o", "json").json()
    key = made["key"]
    assert key.startswith(f"kh_{made['id']}_")  # the key, not the client's '**********'
    assert cli.as_key(key)("whoami", "-o", "json").json()["key"]["id"] == made["id"]
    assert "key" not in cli("keys", "show", made["id"], "-o", "json").json()


def test_create_into_a_private_file(cli: Cli) -> None:
    name = unique("deploy")
    made = cli("keys", "create", name, "-s", "job", "--key-file", "deploy.key", "-o", "json")
    key = (cli.directory / "deploy.key").read_text().strip()
    assert stat.S_IMODE(os.stat(cli.directory / "deploy.key").st_mode) == 0o600
    shown = made.json()
    assert shown["name"] == name
    assert "key" not in shown
    assert key not in made.stdout + made.stderr
    assert cli.as_key(key)("whoami", "-o", "json").json()["key"]["id"] == shown["id"]


def test_revoke_is_final_verify_says_why_and_delete_removes(cli: Cli) -> None:
    key = cli("keys", "create", unique("tmp"), "-s", "secrets").stdout.strip()
    key_id = cli.as_key(key)("whoami", "-o", "json").json()["key"]["id"]

    valid = cli("keys", "verify", "--scope", "secrets", "-o", "json", stdin=key)
    assert valid.json()["valid"] is True
    missing = cli("keys", "verify", "--scope", "iam", "-o", "json", stdin=key, ok=False)
    assert missing.returncode == 1
    assert missing.json()["reason"] == "missing_scope"

    revoked = cli("keys", "revoke", key_id, "-o", "json").json()
    assert revoked["status"] == "revoked"
    assert cli("keys", "show", key_id, "-o", "json").json()["revoked_at"] is not None
    after = cli("keys", "verify", "-o", "json", stdin=key, ok=False)
    assert after.json()["reason"] == "revoked"
    refused = cli.as_key(key)("whoami", ok=False).fails(1)
    assert "the API key was refused (revoked)" in refused

    cli("keys", "delete", key_id)
    gone = cli("keys", "show", key_id, ok=False).fails(1)
    assert key_id in gone


def test_a_lifetime_beyond_the_maximum_names_the_field_and_the_limit(cli: Cli) -> None:
    name = unique("long")
    line = cli("keys", "create", name, "-s", "job", "--expires-in-days", "5000", ok=False).fails(1)
    assert "expires_in_days" in line
    assert "730 days" in line
    assert cli("keys", "list", "--name", name, "-o", "json").json() == []


def test_bad_input_is_one_line_and_changes_nothing(cli: Cli) -> None:
    name = unique("bad")
    unknown = cli("keys", "create", name, "-s", "featurestor", ok=False).fails(1)
    assert "scopes/0: unknown scope" in unknown  # the field; the service does not echo values
    both = cli(
        "keys", "create", name, "-s", "job", "--key-file", "k", "--store-in-secret", "s", ok=False
    ).fails(2)
    assert "--key-file or --store-in-secret" in both
    naive = cli("keys", "create", name, "-s", "job", "--expires-at", "2030-01-01", ok=False)
    assert "--expires-at" in naive.fails(2)
    missing = cli("keys", "create", name, ok=False).fails(2)
    assert "--scope" in missing
    assert cli("keys", "list", "--name", name, "-o", "json").json() == []
