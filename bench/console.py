"""Benchmark: the console's list pages against the JSON lists they are built on.

Starts the key service (SQLite, PostgreSQL or both), gives the admin 10,000
API keys, 10,000 secrets (a third shared with 200 projects) and 10,000 audit
events, all inserted directly (made through the API they would take minutes),
signs in to the web console, then times these over a kept-alive loopback
connection, one request of each in turn per round (so that the load of other
processes on the machine weighs on every case alike):

* ``GET /healthz``                   the floor: the same app, no database work;
* ``GET /api/v1/api-keys?limit=50``  the anchor: the keys page's first page, as JSON;
* ``GET /keys``                      the console's API keys page (50 rows, HTML);
* ``GET /keys?q=bench-99``           the page with a name search;
* ``GET /keys?unused=30``            the page with "unused for 30 days";
* ``GET /keys?cursor=...``           a page 100 pages in (5,000 keys in);
* the secrets, projects and audit pages, each beside its own JSON list.

Prints the median and p95 of each, as ratios to the anchor (or the page's own
JSON list) and to the floor, all measured in the same run. The time is the
server's (loopback adds some tens of microseconds).
Goal (issue 14): the API keys page in under 50 ms of server time with 10,000 keys.

    .venv/bin/python bench/console.py [--backend sqlite|postgres|both] [--rounds 200]
"""

from __future__ import annotations

import argparse
import hashlib
import re
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy import create_engine, insert, select

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from keyhouse.core.keys import generate_key  # noqa: E402
from keyhouse.models import (  # noqa: E402
    ApiKey,
    AuditEvent,
    Principal,
    Project,
    ProjectMember,
    Secret,
)
from tests.support.keyhouse_server import start_server  # noqa: E402
from tests.support.postgres import PostgresServer, start_postgres  # noqa: E402

SCOPES = ["featurestore", "job", "kafka", "project"]
PROJECTS = 200
GOAL_MS = 50.0


def seed(database_url: str, total: int) -> None:
    """``total`` keys, secrets and audit events for the admin, spread over time; the projects."""
    engine = create_engine(database_url)
    now = datetime.now(UTC)
    with engine.begin() as connection:
        owner = connection.scalar(select(Principal.id).where(Principal.kind == "user"))
        keys = []
        for index in range(total):
            material = generate_key()
            keys.append(
                {
                    "id": material.key_id,
                    "name": f"bench-{index}",
                    "owner_id": owner,
                    "created_by_id": owner,
                    "scopes": SCOPES,
                    "prefix": material.prefix,
                    # Unique like real digests; no key is ever presented.
                    "digest": hashlib.sha256(material.key_id.encode()).digest(),
                    "created_at": now - timedelta(minutes=index),
                    "expires_at": now + timedelta(days=300),
                    "last_used_at": now - timedelta(days=index % 90) if index % 3 else None,
                }
            )
        connection.execute(insert(ApiKey), keys)
        projects = [
            {"id": uuid.uuid4().hex, "name": f"bench-p{index:03}", "created_at": now}
            for index in range(PROJECTS)
        ]
        connection.execute(insert(Project), projects)
        connection.execute(
            insert(ProjectMember),
            [
                {"project_id": p["id"], "principal_id": owner, "role": "owner", "created_at": now}
                for p in projects
            ],
        )
        secrets = []
        for index in range(total):
            shared = projects[index % PROJECTS]["id"] if index % 3 == 0 else None
            secrets.append(
                {
                    "id": uuid.uuid4().hex,
                    "name": f"bench/{index}",
                    "namespace": f"project:{shared}" if shared else f"principal:{owner}",
                    "visibility": "project" if shared else "private",
                    "kind": "text",
                    "owner_id": owner,
                    "project_id": shared,
                    "version": 1,
                    # Lists never decrypt: the value columns only need to be there.
                    "wrapped_key": b"\0" * 40,
                    "ciphertext": b"\0" * 32,
                    "key_version": 1,
                    "created_at": now - timedelta(minutes=index),
                    "updated_at": now - timedelta(minutes=index),
                }
            )
        connection.execute(insert(Secret), secrets)
        connection.execute(
            insert(AuditEvent),
            [
                {
                    "at": now - timedelta(seconds=total - index),
                    "principal_id": owner,
                    "principal_kind": "user",
                    "principal_name": "admin",
                    "key_id": None,
                    "action": "secrets:GetSecretValue",
                    "target": f"khrn:secret:user/admin/bench/{index}",
                    "outcome": "success",
                }
                for index in range(total)
            ],
        )
        if connection.dialect.name == "postgresql":
            # What autovacuum does within its next minute: without statistics the
            # planner takes the new tables for empty ones.
            connection.exec_driver_sql("ANALYZE")
    engine.dispose()


def sign_in(http: httpx.Client, key: str) -> None:
    form = http.get("/sign-in")
    token = re.search(r'name="csrf" value="([^"]+)"', form.text)
    assert token is not None
    answer = http.post(
        "/sign-in",
        data={"csrf": token.group(1), "api_key": key},
        headers={"origin": str(http.base_url).rstrip("/")},
    )
    assert answer.status_code == 303, answer.status_code


def timed(
    http: httpx.Client, cases: list[tuple[str, dict[str, str]]], rounds: int
) -> list[list[float]]:
    """Milliseconds per request of each case, after a warm-up.

    The cases take turns, one request each per round, so that a change in the
    machine's load (other processes) weighs on every case alike and the
    ratios hold even when the absolute figures move.
    """
    for path, headers in cases:
        for _ in range(10):
            assert http.get(path, headers=headers).status_code == 200, path
    times: list[list[float]] = [[] for _ in cases]
    for _ in range(rounds):
        for (path, headers), series in zip(cases, times, strict=True):
            started = time.perf_counter()
            response = http.get(path, headers=headers)
            series.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (path, response.status_code)
    return times


def deep_cursor(http: httpx.Client, api_key: str, pages: int) -> str:
    """The cursor of the keys list ``pages`` pages in (50 keys a page)."""
    cursor = ""
    for _ in range(pages):
        params = {"limit": "50", **({"cursor": cursor} if cursor else {})}
        answer = http.get("/api/v1/api-keys", params=params, headers={"x-api-key": api_key})
        cursor = answer.json()["next_cursor"]
    return cursor


def bench(backend: str, database_url: str, directory: Path, total: int, rounds: int) -> float:
    """Run every case on one backend and print its table; the keys page's p95."""
    server = start_server(backend, database_url, directory)
    try:
        seed(database_url, total)
        api = {"x-api-key": server.admin_key}
        with httpx.Client(base_url=server.url, timeout=30) as http:
            sign_in(http, server.admin_key)
            deep = httpx.QueryParams(
                {"cursor": deep_cursor(http, server.admin_key, min(100, total // 50 - 1))}
            )
            pages = [
                ("/api/v1/api-keys?limit=50", ["/keys", "/keys?q=bench-99", "/keys?unused=30"]),
                (f"/api/v1/api-keys?limit=50&{deep}", [f"/keys?{deep}"]),
                ("/api/v1/secrets?limit=50", ["/secrets"]),
                ("/api/v1/projects?limit=50", ["/projects"]),
                ("/api/v1/audit?limit=50", ["/admin/audit"]),
            ]
            # (path, the JSON list it is compared with); the floor first.
            cases = [("/healthz", "/healthz")]
            for json_path, console_paths in pages:
                cases += [(json_path, json_path), *((path, json_path) for path in console_paths)]
            series = timed(
                http,
                [(path, api if path == anchor else {}) for path, anchor in cases],
                rounds,
            )
    finally:
        server.stop()
    measured = {path: times for (path, _), times in zip(cases, series, strict=True)}
    floor = measured.pop("/healthz")
    base = statistics.median(floor)
    print(
        f"\n{backend}: {total:,} keys, {total:,} secrets, {total:,} audit events, {PROJECTS} "
        f"projects; {rounds} rounds of one request per case, in turn"
    )
    print(f"{'request':52} {'p50 ms':>7} {'p95 ms':>7} {'x JSON':>7} {'x floor':>8}")
    print(f"{'GET /healthz (floor)':52} {base:7.2f} {_p95(floor):7.2f} {'':>7} {1:7.2f}x")
    for path, json_path in cases[1:]:
        times = measured[path]
        p50 = statistics.median(times)
        name = f"GET {_short(path)}"
        ratio = "" if path == json_path else f"{p50 / statistics.median(measured[json_path]):6.2f}x"
        print(f"{name:52} {p50:7.2f} {_p95(times):7.2f} {ratio:>7} {p50 / base:7.2f}x")
    keys_page = measured["/keys"]
    p50, p95 = statistics.median(keys_page), _p95(keys_page)
    print(
        f"goal: the API keys page under {GOAL_MS:.0f} ms with {total:,} keys: "
        f"p50 {p50:.1f} ms ({_verdict(p50)}), p95 {p95:.1f} ms ({_verdict(p95)})"
    )
    return p95


def _verdict(ms: float) -> str:
    return "met" if ms < GOAL_MS else "NOT met"


def _p95(times: list[float]) -> float:
    return statistics.quantiles(times, n=20)[18]


def _short(path: str) -> str:
    return re.sub(r"cursor=[^&]+", "cursor=<100 pages in>", path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--keys", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args()
    backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    for backend in backends:
        with tempfile.TemporaryDirectory(prefix=f"keyhouse-bench-console-{backend}-") as scratch:
            directory = Path(scratch)
            postgres: PostgresServer | None = None
            if backend == "sqlite":
                url = f"sqlite:///{directory / 'keyhouse.db'}"
            else:
                postgres = start_postgres()
                url = postgres.create_database("bench_console")
            try:
                bench(backend, url, directory / "service", args.keys, args.rounds)
            finally:
                if postgres is not None:
                    postgres.stop()


if __name__ == "__main__":
    main()
