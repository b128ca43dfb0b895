"""Benchmark: the generated client's overhead over bare httpx.

Starts the key service on SQLite and, in one run, sends 2,000 sequential
``GET /api/v1/api-keys/{id}`` requests through ``Keyhouse.api_keys.get`` and
2,000 through a bare ``httpx.Client`` (parsing the JSON), both on the same
connection pool. The two take turns in rounds so that the machine's noise
falls on both. Prints both times and the ratio. Goal: <= 1.15x.

    .venv/bin/python bench/client.py [--calls 2000] [--rounds 8]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from keyhouse_client import Keyhouse  # noqa: E402
from tests.support.keyhouse_server import start_server  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=8)
    args = parser.parse_args()
    directory = Path(tempfile.mkdtemp(prefix="keyhouse-bench-client-"))
    server = start_server("sqlite", f"sqlite:///{directory / 'keyhouse.db'}", directory)
    try:
        with httpx.Client(timeout=30) as pool:
            kh = Keyhouse(base_url=server.url, api_key=server.admin_key, http_client=pool)
            key_id = kh.keys.whoami().key.id
            url = f"{server.url}/api/v1/api-keys/{key_id}"
            headers = {"x-api-key": server.admin_key}

            def through_client(count: int) -> float:
                started = time.perf_counter()
                for _ in range(count):
                    kh.api_keys.get(key_id=key_id)
                return time.perf_counter() - started

            def through_httpx(count: int) -> float:
                started = time.perf_counter()
                for _ in range(count):
                    response = pool.get(url, headers=headers)
                    response.raise_for_status()
                    response.json()
                return time.perf_counter() - started

            through_client(100)  # warm-up: connections, imports, caches
            through_httpx(100)
            per_round = args.calls // args.rounds
            client_total = httpx_total = 0.0
            for _ in range(args.rounds):
                client_total += through_client(per_round)
                httpx_total += through_httpx(per_round)
        calls = per_round * args.rounds
        print(f"{calls} sequential GET /api/v1/api-keys/{{id}} on one pooled connection")
        print(
            f"  generated client  {client_total:7.3f} s  {client_total / calls * 1e6:7.0f} us/call"
        )
        print(f"  bare httpx        {httpx_total:7.3f} s  {httpx_total / calls * 1e6:7.0f} us/call")
        ratio = client_total / httpx_total
        verdict = "met" if ratio <= 1.15 else "NOT met"
        print(f"  ratio             {ratio:7.3f}x   (goal <= 1.15x: {verdict})")
    finally:
        server.stop()
        shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    main()
