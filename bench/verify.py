"""Benchmark: key verification against the floor of the same app.

Starts the key service on SQLite with 10,000 keys (and on PostgreSQL with
1,000,000), then drives, from N concurrent loopback connections for a fixed
time each:

* ``GET /healthz``              the floor: no authentication, no database work;
* ``POST /api/v1/keys:verify``  a downstream service checking a key;
* ``GET /api/v1/whoami``        a request authenticated by its key.

Prints requests/s, p50 and p99 for each, and the ratio to the floor measured in
the same run. Goal: verification >= 0.5x the floor's requests/s, p99 <= 10 ms
at 16 connections, with no growth from 10 thousand to 1 million keys.

Then a known key id with a wrong secret against an unknown key id (the anchor),
which must cost the same so that timing tells nobody which key ids exist:
``check_key`` in process (the microseconds that matter, without the HTTP stack's
noise; on PostgreSQL with the key cache holding every real key) and
``keys:verify`` over one connection. Goal: ratio 1.00, within the run's noise.

    .venv/bin/python bench/verify.py                 # both backends
    .venv/bin/python bench/verify.py --backend sqlite --seconds 5
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, create_engine, insert, select, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.load import Result, build_request, run  # noqa: E402
from keyhouse.core.crypto import Envelope, load_master_key  # noqa: E402
from keyhouse.core.keys import KeyDigester, generate_key, parse_key_id  # noqa: E402
from keyhouse.domain.auth import KeyLookup, check_key  # noqa: E402
from keyhouse.domain.key_cache import KeyCache  # noqa: E402
from keyhouse.models import ApiKey, Principal  # noqa: E402
from tests.support.keyhouse_server import KeyhouseServer, server_env, start_server  # noqa: E402
from tests.support.postgres import start_postgres  # noqa: E402

REAL_KEYS = 1000
SCOPES = ["featurestore", "job", "kafka", "project"]


@dataclass
class Seeded:
    """The keys a run can present (their plaintexts) and how many exist in all."""

    plaintexts: list[str]
    total: int
    digester: KeyDigester


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def seed(database_url: str, directory: Path, total: int) -> Seeded:
    """Bootstrap the database and fill it with ``total`` keys, of which 1,000 are usable."""
    subprocess.run(
        [sys.executable, "-m", "keyhouse.cli", "init", "--key-file", str(directory / "admin.key")],
        check=True,
        capture_output=True,
        cwd=directory,
        env=server_env(database_url, directory),
    )
    envelope = Envelope(load_master_key(None, directory / "master.key"))
    digester = KeyDigester(envelope.derive("keyhouse/api-key-digest"))
    engine = create_engine(database_url)
    now = datetime.now(UTC)
    expires = now + timedelta(days=300)
    plaintexts = []
    with engine.begin() as connection:
        owner = connection.scalar(select(Principal.id).where(Principal.kind == "user"))
        assert owner is not None, "keyhouse init made no admin"
        rows = []
        for index in range(REAL_KEYS):
            material = generate_key()
            plaintexts.append(material.plaintext)
            rows.append(
                {
                    "id": material.key_id,
                    "name": f"bench-{index}",
                    "owner_id": owner,
                    "created_by_id": owner,
                    "scopes": SCOPES,
                    "prefix": material.prefix,
                    "digest": digester.digest(material.plaintext),
                    "created_at": now,
                    "expires_at": expires,
                }
            )
        connection.execute(insert(ApiKey), rows)
    filler = total - REAL_KEYS - 1
    batch = 100_000
    for start in range(0, filler, batch):
        count = min(batch, filler - start)
        _fill(engine, owner, start, count, now, expires)
        log(f"    seeded {start + count + REAL_KEYS + 1:,} / {total:,} keys")
    engine.dispose()
    return Seeded(plaintexts, total, digester)


def _fill(
    engine: object, owner: str, start: int, count: int, now: datetime, expires: datetime
) -> None:
    """Unusable filler keys (random digests), generated inside the database."""

    assert isinstance(engine, Engine)
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(
                text(
                    "INSERT INTO api_keys (id, name, owner_id, created_by_id, scopes, prefix, "
                    "digest, created_at, expires_at) "
                    "SELECT translate(substr(md5('f' || g), 1, 16), '0189', 'wxyz'), "
                    "'filler-' || g, :owner, :owner, CAST('[\"job\"]' AS json), "
                    "'kh_' || translate(substr(md5('f' || g), 1, 9), '0189', 'wxyz'), "
                    "decode(md5('d' || g) || md5('e' || g), 'hex'), :now, :expires "
                    "FROM generate_series(CAST(:first AS bigint), CAST(:last AS bigint)) AS g"
                ),
                {
                    "owner": owner,
                    "now": now,
                    "expires": expires,
                    "first": start,
                    "last": start + count - 1,
                },
            )
        else:
            import hashlib

            rows = []
            for number in range(start, start + count):
                hexed = hashlib.md5(f"f{number}".encode()).hexdigest()  # noqa: S324 - filler ids
                key_id = hexed[:16].translate(str.maketrans("0189", "wxyz"))
                rows.append(
                    {
                        "id": key_id,
                        "name": f"filler-{number}",
                        "owner_id": owner,
                        "created_by_id": owner,
                        "scopes": ["job"],
                        "prefix": "kh_" + key_id[:9],
                        "digest": hashlib.sha256(hexed.encode()).digest(),
                        "created_at": now,
                        "expires_at": expires,
                    }
                )
            connection.execute(insert(ApiKey), rows)


def measure(
    server: KeyhouseServer, seeded: Seeded, concurrency: int, seconds: float
) -> list[Result]:
    """Floor, verify and whoami, each warmed up and then driven for ``seconds``."""
    floor = [build_request("GET", "/healthz", server.port, {}, b"")]
    verify = [
        build_request(
            "POST",
            "/api/v1/keys:verify",
            server.port,
            {},
            json.dumps({"key": key, "scopes": ["job"]}).encode(),
        )
        for key in seeded.plaintexts
    ]
    whoami = [
        build_request("GET", "/api/v1/whoami", server.port, {"x-api-key": key}, b"")
        for key in seeded.plaintexts
    ]
    results = []
    for name, requests in (
        ("floor GET /healthz", floor),
        ("POST /keys:verify", verify),
        ("GET /whoami", whoami),
    ):
        run(name, server.port, requests, concurrency=concurrency, seconds=min(2.0, seconds))
        result = run(name, server.port, requests, concurrency=concurrency, seconds=seconds)
        if result.errors:
            raise SystemExit(f"{name}: {result.errors} responses were not 200")
        results.append(result)
    return results


def report(
    backend: str, total: int, concurrency: int, results: list[Result], note: str = ""
) -> None:
    floor = results[0]
    print(f"\n{backend}: {total:,} keys, {concurrency} concurrent connections{note}")
    print(f"  {'endpoint':<22}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'vs floor':>10}")
    for result in results:
        print(
            f"  {result.name:<22}{result.rate:>9.0f}{result.p50:>9.2f}{result.p99:>9.2f}"
            f"{result.rate / floor.rate:>9.2f}x"
        )
    for result in results[1:]:
        met = result.rate >= 0.5 * floor.rate and result.p99 <= 10.0
        verdict = "met" if met else "NOT met"
        print(f"  goal (>= 0.50x floor, p99 <= 10 ms) for {result.name}: {verdict}")


def _per_call_us(check: Callable[[str], object], keys: list[str]) -> float:
    began = time.perf_counter_ns()
    for key in keys:
        check(key)
    return (time.perf_counter_ns() - began) / len(keys) / 1000


def compare_in_process(
    url: str, seeded: Seeded, rounds: int, cache_seconds: float
) -> tuple[float, float]:
    """Median microseconds per ``check_key`` for unknown ids and for wrong secrets.

    Rounds alternate which path goes first; each round checks 1,000 keys of each.
    """
    engine = create_engine(url)
    cache = None
    if engine.dialect.name == "postgresql" and cache_seconds:
        cache = KeyCache.on_engine(engine, ttl_seconds=cache_seconds)
        cache.start()
        while not cache.active:
            time.sleep(0.01)
    lookup = KeyLookup(engine, cache)
    try:
        digester = seeded.digester
        now = datetime.now(UTC)
        for key in seeded.plaintexts:  # warm: every real key cached where there is a cache
            check_key(lookup, digester, key, now)
        unknown = [generate_key().plaintext for _ in seeded.plaintexts]
        wrong = [generate_key(parse_key_id(key)).plaintext for key in seeded.plaintexts]

        def check(key: str) -> object:
            return check_key(lookup, digester, key, now)

        unknown_us, wrong_us = [], []
        for index in range(rounds):
            if index % 2:
                wrong_us.append(_per_call_us(check, wrong))
                unknown_us.append(_per_call_us(check, unknown))
            else:
                unknown_us.append(_per_call_us(check, unknown))
                wrong_us.append(_per_call_us(check, wrong))
        return statistics.median(unknown_us), statistics.median(wrong_us)
    finally:
        if cache is not None:
            cache.stop()
        lookup.close()
        engine.dispose()


def compare_over_http(
    server: KeyhouseServer, seeded: Seeded, seconds: float, rounds: int = 10
) -> tuple[float, float]:
    """Median p50 (us) of ``keys:verify`` for unknown ids and for wrong secrets, one connection.

    Short rounds that alternate which path goes first, so that a change in the
    machine's load falls on both.
    """

    def verify(keys: list[str]) -> list[bytes]:
        return [
            build_request(
                "POST", "/api/v1/keys:verify", server.port, {}, json.dumps({"key": k}).encode()
            )
            for k in keys
        ]

    unknown = verify([generate_key().plaintext for _ in seeded.plaintexts])
    wrong = verify([generate_key(parse_key_id(k)).plaintext for k in seeded.plaintexts])
    run("warm-up", server.port, unknown + wrong, concurrency=1, seconds=min(1.0, seconds))
    p50s: dict[str, list[float]] = {"unknown": [], "wrong": []}
    order = [("unknown", unknown), ("wrong", wrong)]
    for index in range(rounds):
        for name, requests in order if index % 2 == 0 else order[::-1]:
            result = run(name, server.port, requests, concurrency=1, seconds=seconds / rounds)
            p50s[name].append(result.p50 * 1000)
    return statistics.median(p50s["unknown"]), statistics.median(p50s["wrong"])


def report_wrong_secret(in_process: tuple[float, float], http: tuple[float, float]) -> None:
    unknown_us, wrong_us = in_process
    print("  known key id with a wrong secret vs an unknown key id (the anchor):")
    print(
        f"    check_key in process   unknown {unknown_us:6.2f} us   wrong secret "
        f"{wrong_us:6.2f} us   {wrong_us / unknown_us:.2f}x ({wrong_us - unknown_us:+.2f} us)"
    )
    unknown_p50, wrong_p50 = http
    print(
        f"    POST /keys:verify, 1 connection   unknown p50 {unknown_p50:6.0f} us   "
        f"wrong secret p50 {wrong_p50:6.0f} us   {wrong_p50 / unknown_p50:.2f}x"
    )
    print("  goal (the same work: 1.00x within the run's noise): see the ratios above")


def bench(backend: str, total: int, concurrency: int, seconds: float, cache_seconds: float) -> None:
    directory = Path(tempfile.mkdtemp(prefix=f"keyhouse-bench-{backend}-"))
    postgres = None
    try:
        if backend == "postgres":
            postgres = start_postgres()
            url = postgres.create_database("bench")
        else:
            url = f"sqlite:///{directory / 'keyhouse.db'}"
        log(f"==> {backend}: seeding {total:,} keys")
        began = time.monotonic()
        seeded = seed(url, directory, total)
        log(f"    done in {time.monotonic() - began:.0f} s; starting the service")
        server = start_server(
            backend, url, directory, KEYHOUSE_KEY_CACHE_SECONDS=str(cache_seconds)
        )
        try:
            log(f"==> {backend}: measuring ({seconds:.0f} s per endpoint after a warm-up)")
            note = (
                f", key cache {cache_seconds:g} s"
                if backend == "postgres" and cache_seconds
                else ""
            )
            note = note or (", no key cache" if backend == "postgres" else "")
            report(backend, total, concurrency, measure(server, seeded, concurrency, seconds), note)
            log(f"==> {backend}: a wrong secret against an unknown key id")
            in_process = compare_in_process(url, seeded, rounds=31, cache_seconds=cache_seconds)
            report_wrong_secret(in_process, compare_over_http(server, seeded, seconds))
        finally:
            server.stop()
    finally:
        if postgres is not None:
            postgres.stop()
        import shutil

        shutil.rmtree(directory, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--sqlite-keys", type=int, default=10_000)
    parser.add_argument("--postgres-keys", type=int, default=1_000_000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument(
        "--key-cache-seconds",
        type=float,
        default=60.0,
        help="KEYHOUSE_KEY_CACHE_SECONDS for the PostgreSQL run (0: every look-up reads the "
        "database)",
    )
    args = parser.parse_args()
    if args.backend in ("sqlite", "both"):
        bench("sqlite", args.sqlite_keys, args.concurrency, args.seconds, 0)
    if args.backend in ("postgres", "both"):
        bench(
            "postgres", args.postgres_keys, args.concurrency, args.seconds, args.key_cache_seconds
        )


if __name__ == "__main__":
    main()
