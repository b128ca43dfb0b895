"""``keyhouse secrets``: text and files in and out as bytes, read by name, and seed 000 by hand."""

from __future__ import annotations

import base64
import json
import os
import stat
from collections.abc import Iterator

import pytest

from tests.cli.conftest import Cli
from tests.support.actors import client, expect, unique
from tests.support.flaky_proxy import FORWARD, FlakyProxy, after, start_proxy, stop_proxy
from tests.support.keyhouse_server import KeyhouseServer


def test_put_get_list_delete_a_text_secret(cli: Cli) -> None:
    name = unique("app/token")
    made = cli("secrets", "put", name, "-o", "json", stdin="s3cr3t\n").json()
    assert (made["type"], made["visibility"], made["version"]) == ("text", "private", 1)
    assert cli("secrets", "get", name).stdout == "s3cr3t\n"
    again = cli("secrets", "put", name, "n3w", "-o", "json").json()
    assert (again["id"], again["version"]) == (made["id"], 2)
    assert cli("secrets", "get", name, "-o", "json").json()["value"] == "n3w"

    listed = cli("secrets", "list", "--prefix", name, "-o", "json").json()
    assert [s["name"] for s in listed] == [name]
    assert "value" not in listed[0]
    table = cli("secrets", "list", "--prefix", name).stdout
    assert name in table
    assert "n3w" not in table

    cli("secrets", "delete", name)
    gone = cli("secrets", "get", name, ok=False).fails(1)
    assert name in gone
    assert "does not exist" in gone


@pytest.fixture
def relay(sqlite_service: KeyhouseServer) -> Iterator[FlakyProxy]:
    """A relay in front of the session's service, to let another writer in at a chosen moment."""
    proxy = start_proxy(sqlite_service.url)
    yield proxy
    stop_proxy(proxy)


def test_put_does_not_overwrite_a_change_made_since_it_read_the_secret(
    cli: Cli, sqlite_service: KeyhouseServer, relay: FlakyProxy
) -> None:
    name = unique("team/db-password")
    made = cli("secrets", "put", name, "first", "-o", "json").json()

    def colleague_writes() -> None:
        with client(sqlite_service.url, sqlite_service.admin_key) as http:
            put = http.put(f"/api/v1/secrets/{made['id']}/value", json={"value": "theirs"})
            assert expect(put, 200)["version"] == 2

    # GIVEN another writer whose change lands between the CLI's read and its write
    relay.plan(FORWARD, after(colleague_writes))
    # WHEN `secrets put` replaces the value it read at version 1
    line = cli("secrets", "put", name, "mine", ok=False, KEYHOUSE_URL=relay.url).fails(1)
    # THEN nothing is written, and the one line names the version the secret is at now
    assert [(seen.method, seen.path.split("?")[0]) for seen in relay.seen] == [
        ("GET", "/api/v1/secrets/by-name"),
        ("PUT", f"/api/v1/secrets/{made['id']}/value"),
    ]
    assert f"secret {name} is at version 2, not 1" in line
    assert "--if-version 2" in line
    assert "mine" not in line
    assert cli("secrets", "get", name).stdout == "theirs\n"
    # and the colleague's value is replaced only when asked for at that version
    cli("secrets", "put", name, "mine", "--if-version", "2")
    assert cli("secrets", "get", name).stdout == "mine\n"


def test_if_version_writes_only_at_that_version(cli: Cli) -> None:
    name = unique("app/key")
    data = b"\x00\xffkey"
    (cli.directory / "key.bin").write_bytes(data)
    cli("secrets", "put", name, "v1")
    cli("secrets", "put", name, "v2")
    stale = cli("secrets", "put", name, "--file", "key.bin", "--if-version", "1", ok=False)
    assert "is at version 2, not 1" in stale.fails(1)
    assert cli("secrets", "get", name).stdout == "v2\n"
    done = cli("secrets", "put", name, "--file", "key.bin", "--if-version", "2", "-o", "json")
    assert (done.json()["version"], done.json()["type"]) == (3, "file")
    assert cli("secrets", "get", name, "--output-file", "-").raw == data

    missing = unique("app/none")
    absent = cli("secrets", "put", missing, "v", "--if-version", "1", ok=False).fails(1)
    assert f"secret {missing} does not exist" in absent
    assert "does not exist" in cli("secrets", "show", missing, ok=False).fails(1)
    zero = cli("secrets", "put", name, "v", "--if-version", "0", ok=False).fails(2)
    assert "--if-version" in zero


def test_files_go_in_and_come_out_as_bytes(cli: Cli) -> None:
    name = unique("deploy/key")
    data = bytes(range(256)) * 20  # 5,120 bytes, every byte value, not UTF-8
    (cli.directory / "id_ed25519").write_bytes(data)
    made = cli("secrets", "put", name, "--file", "id_ed25519", "-o", "json").json()
    assert made["type"] == "file"

    cli("secrets", "get", name, "--output-file", "copy")
    assert (cli.directory / "copy").read_bytes() == data
    assert stat.S_IMODE(os.stat(cli.directory / "copy").st_mode) == 0o600
    assert cli("secrets", "get", name, "--output-file", "-").raw == data
    raw = cli("secrets", "get", name)
    assert base64.b64decode(raw.stdout.strip()) == data
    assert "base64" in raw.stderr


def test_an_oversize_file_names_the_limit_in_bytes_and_characters(cli: Cli) -> None:
    name = unique("big")
    (cli.directory / "big.bin").write_bytes(b"x" * 6751)
    line = cli("secrets", "put", name, "--file", "big.bin", ok=False).fails(2)
    assert "6,751 bytes" in line
    assert "6,750 bytes" in line
    assert "9,000 characters" in line
    assert "does not exist" in cli("secrets", "show", name, ok=False).fails(1)

    too_long = cli("secrets", "put", name, stdin="y" * 9001, ok=False).fails(1)
    assert "value" in too_long
    assert "9000 characters" in too_long


def test_project_implies_shared_and_a_role_reads_by_name_with_only_get_secret_value(
    cli: Cli,
) -> None:
    """Seed 000 from the terminal: a cluster role's key kept in the secret it alone may read."""
    project, role = unique("fs"), unique("databricks")
    secret = f"hopsworks/role/{role}/type/api-key"
    cli("projects", "create", project)
    cli("roles", "create", role)
    cli(
        "keys", "create", "databricks", "--owner", f"role/{role}", "--project", project,
        "-s", "featurestore", "-s", "project", "-s", "job", "-s", "kafka",
        "--store-in-secret", secret, "--secret-project", project,
    )  # fmt: skip
    shared = cli("secrets", "show", secret, "--project", project, "-o", "json").json()
    assert shared["visibility"] == "project"  # project alone made it a project secret
    document = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "secrets:GetSecretValue", "Resource": shared["arn"]}
        ],
    }
    (cli.directory / "read.json").write_text(json.dumps(document))
    policy = unique("read-token")
    cli("policies", "create", policy, "--file", "read.json")
    cli("policies", "attach", policy, f"role/{role}")

    key = cli("secrets", "get", secret, "--project", project).stdout.strip()
    as_role = cli.as_key(key)
    assert as_role("whoami", "-o", "json").json()["principal"] == {"kind": "role", "name": role}
    assert as_role("secrets", "get", secret, "--project", project).stdout.strip() == key
    refused = as_role("secrets", "show", secret, "--project", project, ok=False).fails(1)
    assert "secrets:GetSecret " in refused  # the refusal names the action it lacks
    assert f"project '{project}'" in refused


def test_a_listing_shows_its_progress_at_a_terminal(cli: Cli) -> None:
    prefix = unique("many")
    for n in range(3):
        cli("secrets", "put", f"{prefix}/{n}", "v")
    listed = cli.at_terminal("secrets", "list", "--prefix", prefix, stderr_too=True)
    assert listed.returncode == 0, listed.terminal
    assert "Listing secrets... 3" in listed.terminal  # counted as the pages arrive
    assert all(f"{prefix}/{n}" in listed.stdout for n in range(3))
    piped = cli("secrets", "list", "--prefix", prefix)
    assert "Listing secrets" not in piped.stderr  # no spinner in a script's logs
