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


def test_roll_prints_the_new_key_once_and_the_old_one_works_for_the_overlap(cli: Cli) -> None:
    name = unique("rolling")
    old_key = cli("keys", "create", name, "-s", "secrets", "--expires-in-days", "30").stdout.strip()
    old_id = cli.as_key(old_key)("whoami", "-o", "json").json()["key"]["id"]

    # WHEN the key is rolled with an hour's overlap
    rolled = cli("keys", "roll", old_id, "--overlap", "1h")
    new_key = rolled.stdout.strip()
    # THEN stdout holds the new key alone (NEW=$(keyhouse keys roll ...)), said to be shown once
    assert rolled.stdout == new_key + "\n"
    assert new_key.startswith("kh_")
    assert new_key != old_key
    assert "shown once" in rolled.stderr
    assert new_key not in rolled.stderr
    assert old_key not in rolled.stderr
    new = cli.as_key(new_key)("whoami", "-o", "json").json()["key"]
    assert (new["name"], new["scopes"]) == (name, ["secrets"])  # the old key's, unless told
    assert new["id"] in rolled.stderr
    assert old_id in rolled.stderr
    # AND the old key still works, listed as rolled and replaced by the new one
    assert cli.as_key(old_key)("whoami", "-o", "json").json()["key"]["id"] == old_id
    old = cli("keys", "show", old_id, "-o", "json").json()
    assert (old["status"], old["replaced_by"]) == ("rolled", new["id"])
    listed = cli("keys", "list", "--name", name, "--status", "rolled", "-o", "json").json()
    assert [key["id"] for key in listed] == [old_id]
    verdict = cli("keys", "verify", "-o", "json", stdin=old_key).json()
    assert (verdict["valid"], verdict["replaced_by"]) == (True, new["id"])


def test_roll_as_json_into_a_file_and_with_no_overlap(cli: Cli) -> None:
    old_key = cli("keys", "create", unique("r"), "-s", "job").stdout.strip()
    old_id = cli.as_key(old_key)("whoami", "-o", "json").json()["key"]["id"]
    made = cli("keys", "roll", old_id, "-s", "job", "-s", "kafka", "-o", "json").json()
    assert made["key"].startswith(f"kh_{made['id']}_")  # the key itself, not a mask
    assert made["scopes"] == ["job", "kafka"]
    assert (made["replaces"]["id"], made["replaces"]["status"]) == (old_id, "rolled")

    # A roll of the new key into a private file, ending it at once (asked at a terminal)
    kept = cli.at_terminal(
        "keys", "roll", made["id"], "--overlap", "0", "--key-file", "k", typed="n\n"
    )
    assert kept.returncode != 0
    assert cli.as_key(made["key"])("whoami", "-o", "json").json()["key"]["id"] == made["id"]
    ended = cli("keys", "roll", made["id"], "--overlap", "0", "--key-file", "k", "-o", "json")
    newest = (cli.directory / "k").read_text().strip()
    assert stat.S_IMODE(os.stat(cli.directory / "k").st_mode) == 0o600
    assert ended.json()["key"] is None  # in the file, not on stdout
    assert newest not in ended.stdout + ended.stderr
    assert cli.as_key(newest)("whoami", "-o", "json").json()["key"]["id"] == ended.json()["id"]
    refused = cli.as_key(made["key"])("whoami", ok=False).fails(1)
    assert "the API key was refused (expired)" in refused


def test_roll_into_the_secret_that_holds_the_key(cli: Cli) -> None:
    secret = f"ci/{unique('deploy')}/api-key"
    cli("keys", "create", unique("ci"), "-s", "secrets", "--store-in-secret", secret)
    held = cli("secrets", "get", secret).stdout.strip()
    key_id = cli.as_key(held)("whoami", "-o", "json").json()["key"]["id"]
    before = cli("secrets", "show", secret, "-o", "json").json()

    rolled = cli("keys", "roll", key_id, "--store-in-secret", secret, "-o", "json")
    assert rolled.json()["key"] is None  # the new key went into the secret, nowhere else
    assert rolled.json()["secret"]["id"] == before["id"]
    after = cli("secrets", "show", secret, "-o", "json").json()
    assert (after["id"], after["version"]) == (before["id"], before["version"] + 1)
    assert after["arn"] in rolled.stderr
    new_key = cli("secrets", "get", secret).stdout.strip()
    assert new_key != held
    assert new_key not in rolled.stdout + rolled.stderr
    assert cli.as_key(new_key)("whoami", "-o", "json").json()["key"]["id"] != key_id
    assert cli.as_key(held)("whoami", "-o", "json").json()["key"]["id"] == key_id


def test_roll_mistakes_are_one_line_and_change_nothing(cli: Cli) -> None:
    key = cli("keys", "create", unique("keep"), "-s", "job").stdout.strip()
    key_id = cli.as_key(key)("whoami", "-o", "json").json()["key"]["id"]
    for overlap in ("soon", "-1h", "5w", "inf"):
        line = cli("keys", "roll", key_id, "--overlap", overlap, ok=False).fails(2)
        assert f"--overlap: '{overlap}' is not a duration" in line
    both = cli("keys", "roll", key_id, "--key-file", "k", "--store-in-secret", "s", ok=False).fails(
        2
    )
    assert "--key-file or --store-in-secret" in both
    no_secret = cli("keys", "roll", key_id, "--store-in-secret", "no/such", ok=False).fails(1)
    assert "no/such" in no_secret
    too_long = cli("keys", "roll", key_id, "--expires-in-days", "5000", ok=False).fails(1)
    assert "expires_in_days" in too_long
    assert "730 days" in too_long
    unknown = cli("keys", "roll", "a" * 16, ok=False).fails(1)
    assert "a" * 16 in unknown
    assert cli("keys", "show", key_id, "-o", "json").json()["status"] == "active"
    assert not (cli.directory / "k").exists()
