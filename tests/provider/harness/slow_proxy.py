"""A real HTTP proxy that holds back, or loses, the service's answers to creates.

The service has done the work when the proxy starts waiting, so a client killed
meanwhile leaves objects behind that it never heard of: what an apply killed
at the wrong moment leaves.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx


@contextmanager
def slow_proxy(upstream: str, delay: float = 0.0, lose: str | None = None) -> Iterator[str]:
    """A proxy to ``upstream``; yields its URL.

    It answers POSTs ``delay`` seconds late, and drops the answer to the first POST
    to ``lose`` (a path) after the service has done the work: a lost answer.
    """
    forwarder = httpx.Client(base_url=upstream, timeout=30)
    lost: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            return

        def _handle(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(length) if length else b""
            headers = {
                k: v
                for k, v in self.headers.items()
                if k.lower() not in {"host", "content-length", "connection"}
            }
            answer = forwarder.request(self.command, self.path, content=body, headers=headers)
            if self.command == "POST" and self.path == lose and not lost:
                lost.append(self.path)
                self.close_connection = True
                return
            if self.command == "POST":
                time.sleep(delay)
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
    threading.Thread(target=server.serve_forever, name="slow-proxy", daemon=True).start()
    try:
        host, port = server.server_address[:2]
        yield f"http://{host!s}:{port}"
    finally:
        server.shutdown()
        server.server_close()
        forwarder.close()
