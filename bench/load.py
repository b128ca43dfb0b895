"""A small closed-loop HTTP/1.1 load generator on raw asyncio sockets.

Each of N connections sends one request, waits for the whole response, and
sends the next, for a fixed time. Being far cheaper per request than an HTTP
client library, it leaves the server as the thing being measured.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from dataclasses import dataclass


@dataclass(frozen=True)
class Result:
    """What one load run measured."""

    name: str
    requests: int
    errors: int
    seconds: float
    latencies_ms: list[float]

    @property
    def rate(self) -> float:
        """Requests per second."""
        return self.requests / self.seconds

    def percentile(self, fraction: float) -> float:
        """The latency (ms) below which ``fraction`` of requests finished."""
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]

    @property
    def p50(self) -> float:
        return statistics.median(self.latencies_ms)

    @property
    def p99(self) -> float:
        return self.percentile(0.99)


def build_request(method: str, path: str, port: int, headers: dict[str, str], body: bytes) -> bytes:
    """The bytes of one HTTP/1.1 keep-alive request."""
    lines = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{port}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    if body:
        lines += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def _read_response(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    for line in head.split(b"\r\n"):
        if line[:15].lower() == b"content-length:":
            length = int(line[15:])
    if length:
        await reader.readexactly(length)
    return status


async def _connection(
    port: int,
    requests: list[bytes],
    offset: int,
    stop_at: float,
    latencies: list[float],
    failures: list[int],
    expect_status: int,
) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    index = offset
    try:
        while True:
            start = time.perf_counter()
            if start >= stop_at:
                return
            writer.write(requests[index % len(requests)])
            index += 1
            status = await _read_response(reader)
            latencies.append((time.perf_counter() - start) * 1000)
            if status != expect_status:
                failures.append(status)
    finally:
        writer.close()


async def _run(
    name: str,
    port: int,
    requests: list[bytes],
    concurrency: int,
    seconds: float,
    expect_status: int,
) -> Result:
    latencies: list[float] = []
    failures: list[int] = []
    begin = time.perf_counter()
    stop_at = begin + seconds
    await asyncio.gather(
        *(
            _connection(port, requests, i * 7919, stop_at, latencies, failures, expect_status)
            for i in range(concurrency)
        )
    )
    elapsed = time.perf_counter() - begin
    return Result(name, len(latencies), len(failures), elapsed, latencies)


def run(
    name: str,
    port: int,
    requests: list[bytes],
    *,
    concurrency: int,
    seconds: float,
    expect_status: int = 200,
) -> Result:
    """Drive ``requests`` (round robin) from ``concurrency`` connections for ``seconds``."""
    return asyncio.run(_run(name, port, requests, concurrency, seconds, expect_status))
