"""Secret values are encrypted at rest, bound to their row, and never logged.

The storage checks read the database's own files (SQLite's database and WAL;
PostgreSQL's relation, TOAST and WAL files after a CHECKPOINT) and look for
every form of the plaintext. Each search also finds something that must be
there (a secret's name, its ciphertext), so a search of the wrong files fails.
Failures never show a value or a key: matches are reported by label only.
"""

from __future__ import annotations

import base64
import os
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, text

from tests.support.actors import Actor, expect, unique
from tests.support.keyhouse_server import KeyhouseServer
from tests.support.postgres import PostgresServer

SECRETS = "/api/v1/secrets"
NONCE_BYTES = 12
TAG_BYTES = 16


@dataclass
class Stored:
    """A secret written through the API: its metadata and the plaintext sent."""

    id: str
    name: str
    value: str  # as sent: text, or the base64 of a file
    raw: bytes | None = None  # a file's bytes

    def __repr__(self) -> str:
        return f"<secret {self.name}>"

    def plaintext_forms(self) -> dict[str, bytes]:
        """Every encoding of the value that must not be stored or logged."""
        forms = {
            "utf-8": self.value.encode(),
            "utf-16": self.value.encode("utf-16-le"),
            "base64": base64.b64encode(self.value.encode()),
            "hex": self.value.encode().hex().encode(),
        }
        if self.raw is not None:
            forms["file bytes"] = self.raw
        return forms


def distinctive_text() -> str:
    return f"PLAINTEXT-{uuid.uuid4().hex}-\u00dcn\u00efc\u00f8d\u00e9-{uuid.uuid4().hex}"


def distinctive_file(size: int) -> bytes:
    return b"\x00\xffKH-FILE-" + uuid.uuid4().hex.encode() + b"\x80\xfe" + os.urandom(size)


def write_text(actor: Actor, value: str, **extra: Any) -> Stored:
    name = unique("at-rest/text")
    body = {"name": name, "value": value, **extra}
    created = expect(actor.post(SECRETS, json=body), 201)
    return Stored(created["id"], name, value)


def write_file(actor: Actor, raw: bytes, **extra: Any) -> Stored:
    name = unique("at-rest/file")
    encoded = base64.b64encode(raw).decode()
    body = {"name": name, "type": "file", "value": encoded, **extra}
    created = expect(actor.post(SECRETS, json=body), 201)
    return Stored(created["id"], name, encoded, raw)


def needles(data: bytes, width: int = 32) -> list[bytes]:
    """``data`` when short, else windows at its start, middle and end (catching partial leaks)."""
    if len(data) <= width * 2:
        return [data]
    middle = len(data) // 2
    return [data[:width], data[middle : middle + width], data[-width:]]


def leaks(secrets: Iterable[Stored], haystack: bytes) -> list[str]:
    """Labels (never values) of every plaintext form found in ``haystack``."""
    found = []
    for secret in secrets:
        for form, data in secret.plaintext_forms().items():
            if any(needle in haystack for needle in needles(data)):
                found.append(f"{secret.name} as {form}")
    return found


def stored_row(db: Engine, secret_id: str) -> tuple[bytes, bytes]:
    """A secret's (wrapped_key, ciphertext), straight from the database."""
    with db.connect() as connection:
        row = connection.execute(
            text("SELECT wrapped_key, ciphertext FROM secrets WHERE id = :id"), {"id": secret_id}
        ).one()
    return bytes(row[0]), bytes(row[1])


def put_row(db: Engine, secret_id: str, wrapped_key: bytes, ciphertext: bytes) -> None:
    with db.begin() as connection:
        updated = connection.execute(
            text("UPDATE secrets SET wrapped_key = :w, ciphertext = :c WHERE id = :id"),
            {"w": wrapped_key, "c": ciphertext, "id": secret_id},
        )
        assert updated.rowcount == 1


def sqlite_files(service: KeyhouseServer) -> dict[str, bytes]:
    """The SQLite database file and its write-ahead log, as bytes."""
    database = Path(service.database_url.removeprefix("sqlite:///"))
    wal = database.with_name(database.name + "-wal")
    assert database.is_file()
    assert wal.is_file(), "the service keeps its SQLite database in WAL mode"
    return {"database": database.read_bytes(), "wal": wal.read_bytes()}


def postgres_files(db: Engine, data_dir: Path) -> dict[str, bytes]:
    """After a CHECKPOINT: the secrets table's heap, its TOAST table, the whole
    database directory and the WAL, as bytes (read as root: the files belong to postgres)."""
    with db.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("CHECKPOINT"))
        heap = connection.execute(text("SELECT pg_relation_filepath('secrets')")).scalar_one()
        toast = connection.execute(
            text(
                "SELECT pg_relation_filepath(reltoastrelid) FROM pg_class "
                "WHERE oid = 'secrets'::regclass AND reltoastrelid <> 0"
            )
        ).scalar_one()
    heap_path = data_dir / heap
    toast_path = data_dir / toast

    def segments(path: Path) -> bytes:
        # A relation larger than 1 GB continues in path.1, path.2, ...
        chunks = [path.read_bytes()]
        chunks += [p.read_bytes() for p in sorted(path.parent.glob(f"{path.name}.[0-9]*"))]
        return b"".join(chunks)

    database_dir = heap_path.parent
    everything = b"".join(p.read_bytes() for p in sorted(database_dir.iterdir()) if p.is_file())
    wal = b"".join(p.read_bytes() for p in sorted((data_dir / "pg_wal").iterdir()) if p.is_file())
    return {
        "secrets heap": segments(heap_path),
        "secrets TOAST": segments(toast_path),
        "database directory": everything,
        "WAL": wal,
    }


def test_values_are_not_stored_in_plaintext(
    request: pytest.FixtureRequest, service: KeyhouseServer, user: Actor, db: Engine
) -> None:
    project = unique("proj")
    expect(user.post("/api/v1/projects", json={"name": project}), 201)
    small = write_text(user, distinctive_text())
    shared = write_text(user, distinctive_text(), visibility="project", project=project)
    small_file = write_file(user, distinctive_file(200))
    # About 8000 base64 characters: large enough for PostgreSQL to move it to TOAST.
    big_file = write_file(user, distinctive_file(5900))
    replaced = write_text(user, distinctive_text())
    replacement = distinctive_text()
    expect(user.put(f"{SECRETS}/{replaced.id}/value", json={"value": replacement}), 200)
    current = Stored(replaced.id, replaced.name, replacement)
    secrets = [small, shared, small_file, big_file, replaced, current]

    small_ciphertext = stored_row(db, small.id)[1]
    big_ciphertext = stored_row(db, big_file.id)[1]

    if service.backend == "sqlite":
        files = sqlite_files(service)
        combined = files["database"] + files["wal"]
        # The search looks where the rows are.
        assert small.name.encode() in combined
        assert small_ciphertext in combined
    else:
        postgres: PostgresServer = request.getfixturevalue("postgres")
        files = postgres_files(db, postgres.directory / "data")
        assert small.name.encode() in files["secrets heap"]
        assert small_ciphertext in files["secrets heap"]
        assert big_ciphertext[:64] in files["secrets TOAST"]
        assert big_ciphertext[:64] not in files["secrets heap"]

    found = {where: leaks(secrets, content) for where, content in files.items()}
    assert found == {where: [] for where in files}


def test_ciphertext_is_not_the_plaintext(user: Actor, db: Engine) -> None:
    value = distinctive_text()
    first = write_text(user, value)
    second = write_text(user, value)  # the same value twice
    file = write_file(user, distinctive_file(300))

    for secret in (first, second, file):
        wrapped_key, ciphertext = stored_row(db, secret.id)
        plaintext = secret.value.encode()
        assert ciphertext != plaintext
        assert leaks([secret], ciphertext + wrapped_key) == []
        # AES-GCM: a nonce and a tag around ciphertext as long as the plaintext.
        assert len(ciphertext) == NONCE_BYTES + len(plaintext) + TAG_BYTES
        # The data key (32 bytes) is wrapped the same way under the master key.
        assert len(wrapped_key) == NONCE_BYTES + 32 + TAG_BYTES

    # Each value has its own data key and nonce: equal values do not look equal.
    first_row, second_row = stored_row(db, first.id), stored_row(db, second.id)
    assert first_row[0] != second_row[0]
    assert first_row[1] != second_row[1]

    # A new value gets a fresh data key.
    expect(user.put(f"{SECRETS}/{first.id}/value", json={"value": value}), 200)
    rewritten = stored_row(db, first.id)
    assert rewritten[0] != first_row[0]
    assert rewritten[1] != first_row[1]


def assert_decryption_fails(actor: Actor, secret: Stored, *values: str) -> httpx.Response:
    response: httpx.Response = actor.get(f"{SECRETS}/{secret.id}/value")
    problem = expect(response, 500)
    assert problem["type"] == "urn:keyhouse:problem:decryption-failed"
    for value in values:
        if value in response.text:
            raise AssertionError("the failed decryption's response holds a secret value")
    return response


def test_ciphertext_is_bound_to_its_row(user: Actor, db: Engine) -> None:
    donor = write_text(user, distinctive_text())
    victim = write_text(user, distinctive_text())
    original = stored_row(db, victim.id)
    moved = stored_row(db, donor.id)
    try:
        # The donor's wrapped key and ciphertext, on the victim's row.
        put_row(db, victim.id, *moved)
        assert_decryption_fails(user, victim, donor.value, victim.value)
        # The donor's ciphertext under the victim's own wrapped key.
        put_row(db, victim.id, original[0], moved[1])
        assert_decryption_fails(user, victim, donor.value, victim.value)
        # One flipped bit.
        tampered = original[1][:-1] + bytes([original[1][-1] ^ 1])
        put_row(db, victim.id, original[0], tampered)
        assert_decryption_fails(user, victim, victim.value)
    finally:
        put_row(db, victim.id, *original)
    restored = expect(user.get(f"{SECRETS}/{victim.id}/value"), 200)
    intact = restored["value"] == victim.value
    assert intact, "the restored row does not decrypt to its value"
    donor_read = expect(user.get(f"{SECRETS}/{donor.id}/value"), 200)
    intact = donor_read["value"] == donor.value
    assert intact, "the donor's value changed"


def test_server_log_holds_no_secret_value(service: KeyhouseServer, user: Actor, db: Engine) -> None:
    used: list[Stored] = []
    used.append(write_text(user, distinctive_text()))
    used.append(write_file(user, distinctive_file(400)))
    replacement = distinctive_text()
    expect(user.put(f"{SECRETS}/{used[0].id}/value", json={"value": replacement}), 200)
    used.append(Stored(used[0].id, used[0].name, replacement))
    for secret in used:
        expect(user.get(f"{SECRETS}/{secret.id}/value"), 200)

    # Refused values: not base64, too long.
    refused_file = f"{distinctive_text()}!!"
    expect(
        user.post(SECRETS, json={"name": unique("bad"), "type": "file", "value": refused_file}),
        422,
    )
    used.append(Stored("-", "refused file", refused_file))
    too_long = (distinctive_text() * 200)[:9001]
    expect(user.post(SECRETS, json={"name": unique("long"), "value": too_long}), 422)
    used.append(Stored("-", "refused long value", too_long))

    # A value that fails to decrypt is logged as an error, without the value.
    victim = used[2]
    original = stored_row(db, victim.id)
    try:
        put_row(db, victim.id, original[0], original[1][:-1] + bytes([original[1][-1] ^ 1]))
        response = assert_decryption_fails(user, victim, victim.value)
    finally:
        put_row(db, victim.id, *original)
    request_id = response.json()["request_id"]

    log = service.log()
    assert request_id in log, "the decryption failure was not logged; the log is not captured"
    assert leaks(used, log.encode()) == []
    for label, key in (("the user's key", user.key), ("the admin key", service.admin_key)):
        if key in log:
            raise AssertionError(f"{label} appears in the server log")
