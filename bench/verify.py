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

    .venv/bin/python bench/verify.py                 # both backends
    .venv/bin/python bench/verify.py --backend sqlite --seconds 5
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, create_engine, insert, select, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.load import Result, build_request, run  # noqa: E402
from keyhouse.core.crypto import Envelope, load_master_key  # noqa: E402
from keyhouse.core.keys import KeyDigester, generate_key  # noqa: E402
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
    return Seeded(plaintexts, total)


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
