"""Unit tests of key material (keyhouse.core.keys) and of checking a presented key."""

from __future__ import annotations

import gc
import hmac
import re
import secrets
import sqlite3
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine
from sqlalchemy.orm import Session

from keyhouse.core.db import upgrade_schema
from keyhouse.core.keys import KeyDigester, PresentedKey, generate_key, new_key_id, parse_key_id
from keyhouse.domain.auth import KeyCheck, KeyLookup, KeyStatus, check_key, check_presented
from keyhouse.domain.key_cache import KeyCache
from keyhouse.models import ApiKey, Principal, Project
from tests.support.postgres import PostgresServer

BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
KEY_RE = re.compile(r"^kh_[a-z2-7]{16}_[0-9A-Za-z]{49}$")
PEPPER = b"p" * 32


def from_base62(text: str) -> int:
    """The number a base62 string encodes."""
    number = 0
    for char in text:
        number = number * 62 + BASE62.index(char)
    return number


class CountingDigester(KeyDigester):
    """A digester that counts its digest computations."""

    def __init__(self, pepper: bytes) -> None:
        super().__init__(pepper)
        self.digests = 0

    def digest(self, plaintext: str) -> bytes:
        self.digests += 1
        return super().digest(plaintext)


# Key material


def test_generated_key_format() -> None:
    key = generate_key()
    assert KEY_RE.match(key.plaintext)
    assert key.plaintext.startswith(f"kh_{key.key_id}_")
    assert re.fullmatch(r"[a-z2-7]{16}", key.key_id)
    assert key.prefix == key.plaintext[:12]
    assert key.prefix.startswith("kh_")


def test_round_trip() -> None:
    for _ in range(200):
        key = generate_key()
        assert parse_key_id(key.plaintext) == key.key_id


def test_generate_with_a_given_key_id() -> None:
    key_id = new_key_id()
    key = generate_key(key_id)
    assert key.key_id == key_id
    assert parse_key_id(key.plaintext) == key_id
    assert generate_key(key_id).plaintext != key.plaintext


def test_keys_and_ids_are_unique() -> None:
    generated = [generate_key() for _ in range(500)]
    assert len({k.plaintext for k in generated}) == 500
    assert len({k.key_id for k in generated}) == 500


def test_checksum_rejects_every_single_character_change() -> None:
    alphabet = BASE62 + "_-+/=. "
    for _ in range(3):
        plaintext = generate_key().plaintext
        for index, original in enumerate(plaintext):
            for replacement in alphabet:
                if replacement == original:
                    continue
                changed = plaintext[:index] + replacement + plaintext[index + 1 :]
                assert parse_key_id(changed) is None, (index, replacement)


def test_checksum_rejects_swapped_neighbours() -> None:
    plaintext = generate_key().plaintext
    start = len("kh_") + 16 + 1
    for index in range(start, len(plaintext) - 1):
        if plaintext[index] == plaintext[index + 1]:
            continue
        swapped = (
            plaintext[:index] + plaintext[index + 1] + plaintext[index] + plaintext[index + 2 :]
        )
        assert parse_key_id(swapped) is None, index


@pytest.mark.parametrize(
    "text",
    ["", "kh_", "KH_" + "a" * 16 + "_" + "A" * 49, "kh_" + "a" * 16 + "_" + "A" * 48],
)
def test_malformed_texts(text: str) -> None:
    assert parse_key_id(text) is None


def test_truncated_or_extended_keys_are_rejected() -> None:
    plaintext = generate_key().plaintext
    assert parse_key_id(plaintext[:-1]) is None
    assert parse_key_id(plaintext + "0") is None
    assert parse_key_id(" " + plaintext) is None
    assert parse_key_id(plaintext + "\n") is None


def test_secret_part_carries_256_bits(monkeypatch: pytest.MonkeyPatch) -> None:
    requested: list[int] = []
    drawn: list[bytes] = []
    real = secrets.token_bytes

    def recording(n: int) -> bytes:
        requested.append(n)
        value: bytes = real(n)
        drawn.append(value)
        return value

    monkeypatch.setattr(secrets, "token_bytes", recording)
    key = generate_key(new_key_id())
    requested.clear()
    drawn.clear()
    key = generate_key(key.key_id)
    assert requested == [32]
    secret = key.plaintext[len("kh_") + 16 + 1 : -6]
    assert len(secret) == 43
    # The secret is exactly the 32 random bytes, base62-encoded: nothing is lost.
    assert from_base62(secret) == int.from_bytes(drawn[0], "big")


@pytest.mark.parametrize("fill", [b"\x00", b"\xff", b"\x80"])
def test_secret_encodes_extreme_values(monkeypatch: pytest.MonkeyPatch, fill: bytes) -> None:
    monkeypatch.setattr(secrets, "token_bytes", lambda n: fill * n)
    key = generate_key("a" * 16)
    secret = key.plaintext[len("kh_") + 16 + 1 : -6]
    assert len(secret) == 43
    assert from_base62(secret) == int.from_bytes(fill * 32, "big")
    assert parse_key_id(key.plaintext) == "a" * 16


def test_secrets_use_the_full_range() -> None:
    values = [from_base62(generate_key().plaintext[20:-6]) for _ in range(300)]
    assert all(v < 2**256 for v in values)
    # 300 draws of 256 bits: the largest surely uses one of the top bits.
    assert max(v.bit_length() for v in values) >= 250


# Digests


def test_digest_is_an_hmac_under_the_pepper() -> None:
    plaintext = generate_key().plaintext
    digest = KeyDigester(PEPPER).digest(plaintext)
    assert len(digest) == 32
    assert digest == KeyDigester(PEPPER).digest(plaintext)
    assert digest != KeyDigester(b"q" * 32).digest(plaintext)
    assert digest != KeyDigester(PEPPER).digest(generate_key().plaintext)
    assert plaintext.encode() not in digest


def test_matches() -> None:
    digester = KeyDigester(PEPPER)
    plaintext = generate_key().plaintext
    stored = digester.digest(plaintext)
    assert digester.matches(plaintext, stored) is True
    assert digester.matches(generate_key().plaintext, stored) is False
    assert digester.matches(plaintext, None) is False


def test_matches_does_the_same_work_without_a_stored_digest(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    digester = CountingDigester(PEPPER)
    plaintext = generate_key().plaintext
    stored = KeyDigester(PEPPER).digest(generate_key().plaintext)

    comparisons: list[tuple[bytes, bytes]] = []
    real_compare = hmac.compare_digest

    def counting_compare(a: Any, b: Any) -> bool:
        comparisons.append((a, b))
        return real_compare(a, b)

    monkeypatch.setattr(hmac, "compare_digest", counting_compare)

    assert digester.matches(plaintext, None) is False
    unknown = (digester.digests, len(comparisons))
    digester.digests = 0
    comparisons.clear()
    assert digester.matches(plaintext, stored) is False
    wrong = (digester.digests, len(comparisons))
    assert unknown == wrong == (1, 1)
    # Both compare 32-byte digests.
    assert all(len(a) == len(b) == 32 for a, b in comparisons)


# check_key against a real SQLite database


@dataclass
class Stored:
    """A key stored in the test database."""

    plaintext: str
    key_id: str
    expires_at: datetime


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    """An SQLite database with the service's schema."""
    engine = create_engine(f"sqlite:///{tmp_path / 'keys.db'}")
    upgrade_schema(engine)
    yield engine
    engine.dispose()


class CountingLookup(KeyLookup):
    """A key look-up that counts its database reads."""

    def __init__(self, engine: Engine) -> None:
        super().__init__(engine)
        self.reads = 0

    def find(self, key: PresentedKey) -> tuple[Any, ...] | None:
        self.reads += 1
        return super().find(key)


def store_key(
    engine: Engine,
    digester: KeyDigester,
    *,
    revoked: bool = False,
    expires_in: timedelta = timedelta(days=30),
    project: bool = False,
) -> Stored:
    """A principal with one key, written with the ORM models."""
    now = datetime.now(UTC).replace(microsecond=0)
    material = generate_key()
    with Session(engine) as session, session.begin():
        owner = Principal(kind="user", name=f"user-{material.key_id}", is_admin=False)
        session.add(owner)
        project_row = Project(name=f"proj-{material.key_id}") if project else None
        if project_row is not None:
            session.add(project_row)
        session.flush()
        session.add(
            ApiKey(
                id=material.key_id,
                name="test",
                owner_id=owner.id,
                created_by_id=owner.id,
                project_id=project_row.id if project_row is not None else None,
                scopes=["secrets", "keys"],
                prefix=material.prefix,
                digest=digester.digest(material.plaintext),
                created_at=now,
                expires_at=now + expires_in,
                revoked_at=now if revoked else None,
            )
        )
    return Stored(material.plaintext, material.key_id, now + expires_in)


def check(engine: Engine, digester: KeyDigester, plaintext: str) -> KeyStatus:
    """check_key's status for ``plaintext``."""
    return check_key(KeyLookup(engine), digester, plaintext, datetime.now(UTC)).status


def test_check_key_outcomes(engine: Engine) -> None:
    digester = KeyDigester(PEPPER)
    valid = store_key(engine, digester, project=True)
    revoked = store_key(engine, digester, revoked=True)
    expired = store_key(engine, digester, expires_in=timedelta(seconds=-1))
    now = datetime.now(UTC)
    lookup = KeyLookup(engine)
    result = check_key(lookup, digester, valid.plaintext, now)
    assert result.status is KeyStatus.VALID
    assert result.caller is not None
    assert result.caller.key_id == valid.key_id
    assert result.caller.scopes == frozenset({"secrets", "keys"})
    assert result.caller.project_name == f"proj-{valid.key_id}"
    assert result.caller.principal_name == f"user-{valid.key_id}"
    assert result.caller.expires_at == valid.expires_at
    assert result.caller.expires_at.utcoffset() == timedelta(0)

    result = check_key(lookup, digester, revoked.plaintext, now)
    assert result.status is KeyStatus.REVOKED
    assert result.caller is not None

    result = check_key(lookup, digester, expired.plaintext, now)
    assert result.status is KeyStatus.EXPIRED
    assert result.caller is not None

    for plaintext in (generate_key().plaintext, generate_key(valid.key_id).plaintext):
        result = check_key(lookup, digester, plaintext, now)
        assert result.status is KeyStatus.NOT_FOUND
        assert result.caller is None
        assert result.key_id is None

    result = check_key(lookup, digester, valid.plaintext[:-1] + "!", now)
    assert result.status is KeyStatus.MALFORMED


def test_a_digest_from_another_pepper_does_not_match(engine: Engine) -> None:
    stored = store_key(engine, KeyDigester(PEPPER))
    assert check(engine, KeyDigester(b"q" * 32), stored.plaintext) is KeyStatus.NOT_FOUND


@pytest.mark.parametrize("revoked", [False, True])
def test_wrong_secret_never_reveals_the_state(engine: Engine, revoked: bool) -> None:
    digester = KeyDigester(PEPPER)
    stored = store_key(engine, digester, revoked=revoked)
    wrong = generate_key(stored.key_id).plaintext
    assert check(engine, digester, wrong) is KeyStatus.NOT_FOUND


def test_check_key_digests_once_for_unknown_and_wrong_secret(engine: Engine) -> None:
    digester = CountingDigester(PEPPER)
    lookup = CountingLookup(engine)
    stored = store_key(engine, KeyDigester(PEPPER))
    now = datetime.now(UTC)

    cases = {
        "unknown": (generate_key().plaintext, KeyStatus.NOT_FOUND),
        "wrong secret": (generate_key(stored.key_id).plaintext, KeyStatus.NOT_FOUND),
        "valid": (stored.plaintext, KeyStatus.VALID),
    }
    for label, (plaintext, status) in cases.items():
        digester.digests = 0
        lookup.reads = 0
        assert check_key(lookup, digester, plaintext, now).status is status, label
        assert digester.digests == 1, label
        assert lookup.reads == 1, label  # one look-up by key id

    # A malformed key costs neither a digest nor a database read.
    digester.digests = 0
    lookup.reads = 0
    for plaintext in (stored.plaintext[:-1] + "x", "garbage"):
        assert check_key(lookup, digester, plaintext, now).status is KeyStatus.MALFORMED
    assert digester.digests == 0
    assert lookup.reads == 0


@pytest.mark.postgres
def test_check_key_on_postgres_gives_utc_times(postgres: PostgresServer) -> None:
    """The look-up reads times in UTC whatever the database session's time zone."""
    url = postgres.create_database(f"keys_{new_key_id()}")
    engine = create_engine(url, connect_args={"options": "-c TimeZone=Asia/Kolkata"})
    try:
        upgrade_schema(engine)
        digester = KeyDigester(PEPPER)
        stored = store_key(engine, digester, project=True)
        result = check_key(KeyLookup(engine), digester, stored.plaintext, datetime.now(UTC))
        assert result.status is KeyStatus.VALID
        assert result.caller is not None
        assert result.caller.scopes == frozenset({"secrets", "keys"})
        assert result.caller.expires_at == stored.expires_at
        # Like every other timestamp the service reads (models.UTCDateTime): in UTC,
        # so whoami and keys:verify show the same expires_at as GET /api-keys.
        assert result.caller.expires_at.utcoffset() == timedelta(0)
    finally:
        engine.dispose()


# An unknown key id and a wrong secret for a known one do the same work. Timing
# them in a test would be flaky and slow; instead every function call (Python
# and C: digests, comparisons, the driver's calls) made on each path is traced
# with what each Python function returned, and the two traces must be the same
# calls in the same order; and SQLite's own work is counted in virtual-machine
# instructions.


def traced(check: Callable[[], KeyCheck]) -> tuple[KeyCheck, list[str]]:
    """``check()``'s outcome and every function it called (and what it returned), in order."""
    calls: list[str] = []

    def profile(frame: Any, event: str, arg: Any) -> None:
        if event == "call":
            calls.append(f"{frame.f_code.co_filename}:{frame.f_code.co_qualname}")
        elif event == "return":
            calls.append(f"return {frame.f_code.co_qualname}: {type(arg).__name__}")
        elif event == "c_call":
            calls.append(f"builtin:{getattr(arg, '__qualname__', repr(arg))}")

    gc.disable()  # a collection would run finalizers on one path and not the other
    sys.setprofile(profile)
    try:
        outcome = check()
    finally:
        sys.setprofile(None)
        gc.enable()
    return outcome, calls


def assert_same_work(lookup: KeyLookup, digester: KeyDigester, stored: Stored) -> None:
    """Unknown id and wrong secret: the same calls, and both the work expected."""
    now = datetime.now(UTC)
    unknown = digester.present(generate_key().plaintext)
    wrong = digester.present(generate_key(stored.key_id).plaintext)
    assert unknown is not None
    assert wrong is not None

    def check(key: PresentedKey) -> Callable[[], KeyCheck]:
        # What domain.verification.check_presented_key does: the cache first
        # (in place when it answers), then the look-up.
        def run() -> KeyCheck:
            lookup.cached(key)
            return check_presented(lookup, key, now)

        return run

    for key in (unknown, wrong):  # warm up: connections opened, statements prepared
        check(key)()
    unknown_check, unknown_calls = traced(check(unknown))
    wrong_check, wrong_calls = traced(check(wrong))
    assert unknown_check.status is wrong_check.status is KeyStatus.NOT_FOUND
    assert wrong_check.caller is None
    assert wrong_calls == unknown_calls
    # The trace sees the work that matters: constant-time comparisons and one
    # database statement on each path.
    assert unknown_calls.count("builtin:compare_digest") == 1
    assert sum(call.endswith(".execute") for call in unknown_calls) == 1
    # A trace tells the paths apart when they differ: the valid key's does.
    valid = digester.present(stored.plaintext)
    assert valid is not None
    valid_check, valid_calls = traced(check(valid))
    assert valid_check.status is KeyStatus.VALID
    assert valid_calls != unknown_calls


def test_unknown_key_id_and_wrong_secret_do_the_same_work(engine: Engine) -> None:
    digester = KeyDigester(PEPPER)
    assert_same_work(KeyLookup(engine), digester, store_key(engine, digester, project=True))


@pytest.mark.postgres
def test_a_cached_key_with_a_wrong_secret_does_the_unknown_keys_work(
    postgres: PostgresServer,
) -> None:
    """On PostgreSQL the cache holds recently used keys: a wrong secret is still a miss."""
    engine = create_engine(postgres.create_database(f"keys_{new_key_id()}"))
    cache = KeyCache.on_engine(engine, ttl_seconds=60)
    lookup = KeyLookup(engine, cache)
    try:
        upgrade_schema(engine)
        cache.start()
        deadline = time.monotonic() + 10
        while not cache.active:
            assert time.monotonic() < deadline, "the key cache never started listening"
            time.sleep(0.02)
        digester = KeyDigester(PEPPER)
        stored = store_key(engine, digester, project=True)
        right = digester.present(stored.plaintext)
        wrong = digester.present(generate_key(stored.key_id).plaintext)
        assert right is not None
        assert wrong is not None
        assert check_presented(lookup, right, datetime.now(UTC)).status is KeyStatus.VALID
        assert cache.get_by_id(stored.key_id) is not None  # the row is cached now
        assert lookup.cached(right) is not None
        assert lookup.cached(wrong) is None  # so the wrong secret is not answered in place
        assert_same_work(lookup, digester, stored)
    finally:
        cache.stop()
        lookup.close()
        engine.dispose()


def sqlite_steps(path: Path, sql: str, digest: bytes) -> tuple[int, list[Any]]:
    """How many virtual-machine instructions SQLite runs for ``sql``, and its rows."""
    steps = 0

    def count() -> int:
        nonlocal steps
        steps += 1
        return 0  # go on

    connection = sqlite3.connect(path)
    try:
        connection.set_progress_handler(count, 1)
        rows = connection.execute(sql, (digest,)).fetchall()
    finally:
        connection.close()
    return steps, rows


def test_sqlite_does_the_same_work_for_an_unknown_id_and_a_wrong_secret(
    engine: Engine, tmp_path: Path
) -> None:
    """Neither path reads a table row: both are a miss in the unique digest index."""
    digester = KeyDigester(PEPPER)
    for _ in range(50):  # more than one page of the index
        store_key(engine, digester)
    stored = store_key(engine, digester, project=True)
    sql = KeyLookup(engine).presented_key_sql
    path = tmp_path / "keys.db"

    unknown = sqlite_steps(path, sql, digester.digest(generate_key().plaintext))
    wrong = sqlite_steps(path, sql, digester.digest(generate_key(stored.key_id).plaintext))
    valid = sqlite_steps(path, sql, digester.digest(stored.plaintext))
    assert unknown[1] == wrong[1] == []
    assert unknown[0] == wrong[0]
    assert len(valid[1]) == 1
    assert valid[0] > wrong[0]  # the count sees the work a found row costs

    with engine.connect() as connection:
        plan = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", (b"x" * 32,)).all()
    assert plan[0][3] == "SEARCH api_keys USING INDEX ix_api_keys_digest (digest=?)", plan
