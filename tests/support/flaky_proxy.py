"""A real HTTP server in front of the key service that fails on cue.

Each request takes the next step of a script: answer with an error status
(optionally with Retry-After), hang up without answering, forward to the key
service and then hang up (the service did the work; the answer is lost), or
forward normally, optionally after something else happened at the service
first (another writer's change that lands between a client's read and its
write). Every request's arrival time and headers are recorded.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx


@dataclass(frozen=True)
class Step:
    """What the proxy does with one request."""

    action: str  # "status" | "hang-up" | "forward-then-hang-up" | "forward"
    status: int = 0
    retry_after: str | None = None
    before: Callable[[], None] | None = None  # run first, before the request is forwarded


FORWARD = Step("forward")
HANG_UP = Step("hang-up")
LOSE_RESPONSE = Step("forward-then-hang-up")


def after(happening: Callable[[], None]) -> Step:
    """Forward the request once ``happening`` (e.g. a concurrent write) has been done."""
    return Step("forward", before=happening)


def fail(status: int, retry_after: str | None = None) -> Step:
    """Answer ``status`` without reaching the service."""
    return Step("status", status, retry_after)


@dataclass(frozen=True)
class Seen:
    """A request as the proxy received it."""

    at: float
    method: str
    path: str
    headers: dict[str, str]


@dataclass
class FlakyProxy:
    """The running proxy: script it, point a client at ``url``, read ``seen``."""

    upstream: str
    script: deque[Step] = field(default_factory=deque)
    seen: list[Seen] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"

    def plan(self, *steps: Step) -> None:
        """The next requests' fates, in order; afterwards requests are forwarded."""
        self.script.clear()
        self.script.extend(steps)
        self.seen.clear()

    def gaps(self) -> list[float]:
        """Seconds between consecutive requests."""
        return [b.at - a.at for a, b in zip(self.seen, self.seen[1:], strict=False)]


def start_proxy(upstream: str) -> FlakyProxy:
    """Start a proxy to ``upstream`` on a free loopback port."""
    proxy = FlakyProxy(upstream)
    forwarder = httpx.Client(base_url=upstream, timeout=30)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            return  # keep test output quiet

        def _handle(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(length) if length else b""
            proxy.seen.append(
                Seen(time.monotonic(), self.command, self.path, dict(self.headers.items()))
            )
            step = proxy.script.popleft() if proxy.script else FORWARD
            if step.before is not None:
                step.before()
            if step.action == "status":
                payload = b'{"type":"urn:test:flaky","title":"Flaky","status":%d}' % step.status
                self.send_response(step.status)
                self.send_header("content-type", "application/problem+json")
                self.send_header("content-length", str(len(payload)))
                if step.retry_after is not None:
                    self.send_header("retry-after", step.retry_after)
                self.end_headers()
                self.wfile.write(payload)
                return
            if step.action == "hang-up":
                self.close_connection = True
                return
            headers = {
                k: v
                for k, v in self.headers.items()
                if k.lower() not in {"host", "content-length", "connection"}
            }
            answer = forwarder.request(self.command, self.path, content=body, headers=headers)
            if step.action == "forward-then-hang-up":
                self.close_connection = True
                return
            self.send_response(answer.status_code)
            for name, value in answer.headers.items():
                if name.lower() not in {"content-length", "transfer-encoding", "connection"}:
                    self.send_header(name, value)
            self.send_header("content-length", str(len(answer.content)))
            self.end_headers()
            self.wfile.write(answer.content)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    proxy.server = server
    threading.Thread(target=server.serve_forever, name="flaky-proxy", daemon=True).start()
    return proxy


def stop_proxy(proxy: FlakyProxy) -> None:
    """Stop serving."""
    if proxy.server is not None:
        proxy.server.shutdown()
        proxy.server.server_close()
