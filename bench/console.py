"""Benchmark: the console's API keys page against the JSON list it is built on.

Starts the key service on SQLite, gives the admin 10,000 API keys (inserted
directly: made through the API they would take minutes), signs in to the web
console, then times one request after another over a kept-alive loopback
connection:

* ``GET /api/v1/api-keys?limit=50``  the anchor: the same first page, as JSON;
* ``GET /keys``                      the console's API keys page (50 rows, HTML);
* ``GET /keys?q=bench-99``           the page with a name search;
* ``GET /keys?unused=30``            the page with "unused for 30 days".

Prints the median and p95 of each and the ratio to the anchor measured in the
same run. The time is the server's (loopback adds some tens of microseconds).
Goal: the API keys page in under 50 ms of server time with 10,000 keys.

    .venv/bin/python bench/console.py [--keys 10000] [--rounds 200]
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy import create_engine, insert, select

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from keyhouse.core.keys import generate_key  # noqa: E402
from keyhouse.models import ApiKey, Principal  # noqa: E402
from tests.support.keyhouse_server import start_server  # noqa: E402

SCOPES = ["featurestore", "job", "kafka", "project"]


def seed(database_url: str, total: int) -> None:
    """``total`` more keys for the admin, spread over a year of creation and last-use times."""
    engine = create_engine(database_url)
    now = datetime.now(UTC)
    with engine.begin() as connection:
        owner = connection.scalar(select(Principal.id).where(Principal.kind == "user"))
        rows = []
        for index in range(total):
            material = generate_key()
            rows.append(
                {
                    "id": material.key_id,
                    "name": f"bench-{index}",
                    "owner_id": owner,
                    "created_by_id": owner,
                    "scopes": SCOPES,
                    "prefix": material.prefix,
                    "digest": bytes(32),
                    "created_at": now - timedelta(minutes=index),
                    "expires_at": now + timedelta(days=300),
                    "last_used_at": now - timedelta(days=index % 90) if index % 3 else None,
                }
            )
        connection.execute(insert(ApiKey), rows)
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


def timed(http: httpx.Client, path: str, rounds: int, **headers: str) -> list[float]:
    """Milliseconds per request, after a warm-up."""
    for _ in range(10):
        assert http.get(path, headers=headers).status_code == 200
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        response = http.get(path, headers=headers)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (path, response.status_code)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--keys", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="keyhouse-bench-console-") as scratch:
        directory = Path(scratch)
        url = f"sqlite:///{directory / 'keyhouse.db'}"
        server = start_server("sqlite", url, directory)
        try:
            seed(url, args.keys)
            print(f"{args.keys:,} keys; {args.rounds} sequential requests each", flush=True)
            with httpx.Client(base_url=server.url, timeout=30) as http:
                sign_in(http, server.admin_key)
                anchor = timed(
                    http,
                    "/api/v1/api-keys?limit=50",
                    args.rounds,
                    **{"x-api-key": server.admin_key},
                )
                cases = {
                    "GET /api/v1/api-keys (anchor)": anchor,
                    "GET /keys": timed(http, "/keys", args.rounds),
                    "GET /keys?q=bench-99": timed(http, "/keys?q=bench-99", args.rounds),
                    "GET /keys?unused=30": timed(http, "/keys?unused=30", args.rounds),
                }
        finally:
            server.stop()
    base = statistics.median(anchor)
    print(f"{'request':34} {'p50 ms':>8} {'p95 ms':>8} {'x anchor':>9}")
    for name, times in cases.items():
        p50 = statistics.median(times)
        p95 = statistics.quantiles(times, n=20)[18]
        print(f"{name:34} {p50:8.2f} {p95:8.2f} {p50 / base:8.2f}x")
    page = statistics.quantiles(cases["GET /keys"], n=20)[18]
    verdict = "met" if page < 50 else "NOT met"
    print(
        f"goal: the API keys page under 50 ms with {args.keys:,} keys: p95 {page:.1f} ms, {verdict}"
    )


if __name__ == "__main__":
    main()
