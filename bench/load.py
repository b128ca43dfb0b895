"""A small closed-loop HTTP/1.1 load generator on raw asyncio sockets.

Each of N connections sends one request, waits for the whole response, and
sends the next, for a fixed time. Being far cheaper per request than an HTTP
client library, it leaves the server as the thing being measured.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Callable
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


@dataclass
class Mixed:
    """A mixed run: latencies by request kind, and the statuses that were not 2xx."""

    seconds: float
    latencies_ms: dict[str, list[float]]
    statuses: dict[int, int]
    dropped: int

    @property
    def requests(self) -> int:
        """Requests answered."""
        return sum(len(v) for v in self.latencies_ms.values())

    @property
    def rate(self) -> float:
        """Requests per second."""
        return self.requests / self.seconds

    def percentile(self, fraction: float, kind: str | None = None) -> float:
        """The latency (ms) below which ``fraction`` of the requests (of ``kind``) finished."""
        values = sorted(
            self.latencies_ms[kind]
            if kind
            else [v for values in self.latencies_ms.values() for v in values]
        )
        return values[min(len(values) - 1, int(fraction * len(values)))] if values else 0.0


async def _mixed_connection(
    port: int, requests: list[tuple[str, bytes]], stop_at: float, result: Mixed
) -> None:
    index = 0
    while time.perf_counter() < stop_at:
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            result.dropped += 1
            await asyncio.sleep(0.01)
            continue
        try:
            while time.perf_counter() < stop_at:
                kind, request = requests[index % len(requests)]
                index += 1
                start = time.perf_counter()
                writer.write(request)
                status = await _read_response(reader)
                result.latencies_ms.setdefault(kind, []).append(
                    (time.perf_counter() - start) * 1000
                )
                if status >= 300:
                    result.statuses[status] = result.statuses.get(status, 0) + 1
                    await asyncio.sleep(0.01)  # a client honouring a short Retry-After
        except (OSError, asyncio.IncompleteReadError):
            result.dropped += 1  # the server closed the connection without an answer
        finally:
            writer.close()


def run_mixed(
    port: int,
    per_connection: list[list[tuple[str, bytes]]],
    *,
    seconds: float,
    during: Callable[[], None] | None = None,
    during_at: float = 0.3,
) -> Mixed:
    """Each connection loops over its own (kind, request) list for ``seconds``.

    ``during`` (a fault to inject) runs in a thread ``during_at`` of the way in.
    """

    async def main() -> Mixed:
        result = Mixed(seconds, {}, {}, 0)
        begin = time.perf_counter()
        stop_at = begin + seconds
        fault = None
        if during is not None:
            loop = asyncio.get_running_loop()
            await_at = begin + seconds * during_at

            async def inject() -> None:
                await asyncio.sleep(max(0.0, await_at - time.perf_counter()))
                await loop.run_in_executor(None, during)

            fault = asyncio.ensure_future(inject())
        await asyncio.gather(
            *(_mixed_connection(port, requests, stop_at, result) for requests in per_connection)
        )
        if fault is not None:
            await fault
        result.seconds = time.perf_counter() - begin
        return result

    return asyncio.run(main())
