"""Benchmark: mixed reads and writes on SQLite and PostgreSQL, and through a PostgreSQL restart.

For each backend the key service runs as users run it; 16 keep-alive
connections each loop over their own secret: read its metadata, replace its
value (a write), read its value (audited: a write too). Figures: requests/s,
p50 and p99 of everything and of the value writes alone, beside the floor of
the same app (``GET /healthz``, no database work) measured in the same run, as
a ratio. On PostgreSQL the mixed load runs again while the server restarts
(``pg_ctl restart -m fast`` a third of the way in): its answers meanwhile
(503 with Retry-After, never 500) and connections dropped are counted.

Goals (issue 15): SQLite write p99 within 10x its p50 at 16 clients; no 500 and
no dropped connection during the restart.

    .venv/bin/python bench/operations.py                  # both backends, 10 s runs
    .venv/bin/python bench/operations.py --backend sqlite --seconds 5
    .venv/bin/python bench/operations.py --backend sqlite --sqlite-synchronous normal

The machine's load average is printed beside each figure: on a shared
machine a busy neighbour moves every latency, so compare runs at like loads.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.load import Mixed, build_request, run, run_mixed  # noqa: E402
from tests.support.keyhouse_server import KeyhouseServer, start_server  # noqa: E402
from tests.support.postgres import PostgresServer, start_postgres  # noqa: E402

CONNECTIONS = 16
WRITE_GOAL = 10.0


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _requests(server: KeyhouseServer) -> list[list[tuple[str, bytes]]]:
    headers = {"x-api-key": server.admin_key}
    per_connection = []
    with httpx.Client(base_url=server.url, headers=headers) as http:
        for n in range(CONNECTIONS):
            created = http.post("/api/v1/secrets", json={"name": f"bench/{n}", "value": "v0"})
            secret_id = created.json()["id"]
            body = json.dumps({"value": "x" * 200}).encode()
            path = f"/api/v1/secrets/{secret_id}"
            per_connection.append(
                [
                    ("read", build_request("GET", path, server.port, headers, b"")),
                    ("write", build_request("PUT", f"{path}/value", server.port, headers, body)),
                    ("audited", build_request("GET", f"{path}/value", server.port, headers, b"")),
                ]
            )
    return per_connection


def _load() -> str:
    one, five, _ = os.getloadavg()
    return f"load {one:.1f}/{five:.1f}"


def _report(backend: str, scenario: str, mixed: Mixed, floor_rate: float) -> None:
    write_p50 = mixed.percentile(0.5, "write")
    write_p99 = mixed.percentile(0.99, "write")
    errors = ", ".join(f"{count}x {status}" for status, count in sorted(mixed.statuses.items()))
    print(
        f"{backend:9} {scenario:16} {mixed.rate:8.0f} req/s ({mixed.rate / floor_rate:4.2f}x floor)"
        f"  p50 {mixed.percentile(0.5):6.1f} ms  p99 {mixed.percentile(0.99):7.1f} ms"
        f"  | writes p50 {write_p50:6.1f} p99 {write_p99:7.1f} ms"
        f" (p99/p50 {write_p99 / write_p50 if write_p50 else 0:5.1f}x, goal <= {WRITE_GOAL:.0f}x)"
        f"  | not 2xx: {errors or 'none'}; dropped connections: {mixed.dropped}  | {_load()}",
        flush=True,
    )


def bench(
    backend: str,
    seconds: float,
    postgres: PostgresServer | None,
    directory: Path,
    synchronous: str,
) -> None:
    if backend == "sqlite":
        url = f"sqlite:///{directory / 'keyhouse.db'}"
    else:
        assert postgres is not None
        url = postgres.create_database("bench_operations")
    server = start_server(
        backend, url, directory / "service", KEYHOUSE_SQLITE_SYNCHRONOUS=synchronous
    )
    try:
        per_connection = _requests(server)
        floor = run(
            "healthz",
            server.port,
            [build_request("GET", "/healthz", server.port, {}, b"")],
            concurrency=CONNECTIONS,
            seconds=seconds / 2,
        )
        print(
            f"{backend:9} {'floor /healthz':16} {floor.rate:8.0f} req/s"
            f"  p50 {floor.p50:6.1f} ms  p99 {floor.p99:7.1f} ms  | {_load()}",
            flush=True,
        )
        _report(
            backend, "mixed", run_mixed(server.port, per_connection, seconds=seconds), floor.rate
        )
        if postgres is not None:
            restarted = run_mixed(
                server.port,
                per_connection,
                seconds=seconds,
                during=lambda: postgres.restart("fast"),
            )
            _report(backend, "mixed + restart", restarted, floor.rate)
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument(
        "--sqlite-synchronous",
        choices=["full", "normal"],
        default="full",
        help="KEYHOUSE_SQLITE_SYNCHRONOUS of the SQLite run (default: the service's, full)",
    )
    args = parser.parse_args()
    backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    print(
        f"{CONNECTIONS} connections, {args.seconds:.0f} s per run;"
        f" SQLite synchronous={args.sqlite_synchronous}",
        flush=True,
    )
    for backend in backends:
        with tempfile.TemporaryDirectory(prefix=f"kh-bench-ops-{backend}-") as scratch:
            postgres = start_postgres() if backend == "postgres" else None
            try:
                bench(backend, args.seconds, postgres, Path(scratch), args.sqlite_synchronous)
            finally:
                if postgres is not None:
                    postgres.stop()


if __name__ == "__main__":
    main()
