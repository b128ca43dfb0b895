"""A limit on the size of request bodies, checked before a body is read.

A ``Content-Length`` over the limit is answered 413 at once, without reading a
byte of the body; a body without one (chunked) is counted as it arrives and
refused as soon as it passes the limit. Either way the service never holds
more than the limit of one request in memory.
"""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class RequestTooLarge(HTTPException):
    """413: the body exceeds the service's limit (the exception handlers answer it)."""

    def __init__(self, limit: int) -> None:
        super().__init__(
            413,
            f"the request body exceeds the limit of {limit} bytes (KEYHOUSE_MAX_BODY_BYTES)",
        )


class RequestSizeLimit:
    """ASGI middleware refusing request bodies of more than ``max_bytes``."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.max_bytes:
            await self._refuse(scope, receive, send)
            return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    # Raised into whatever reads the body; the handlers answer 413.
                    raise RequestTooLarge(self.max_bytes)
            return message

        await self.app(scope, counted, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        from keyhouse.api.errors import problem_for_http_error

        response = problem_for_http_error(Request(scope, receive), RequestTooLarge(self.max_bytes))
        # The body is not read: the connection is closed after the answer.
        response.headers["connection"] = "close"
        await response(scope, receive, send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None
