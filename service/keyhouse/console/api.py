"""The console's way to act: in-process calls to the service's own API, as the signed-in key.

Every page reads and changes things only through the HTTP API's routes, so each
action passes the same validation, the same ``domain.access.authorize`` and the
same audit record as a request from the client or the provider. The caller is
handed over in the ASGI scope (see ``api.deps.CONSOLE_CALLER``), which no HTTP
request can set, so the key itself is needed only once, at sign-in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx
from starlette.types import ASGIApp, Receive, Scope, Send

from keyhouse.api.deps import CONSOLE_CALLER
from keyhouse.domain.auth import Caller


class _AsCaller:
    """The app, with ``caller`` placed in every request's scope."""

    def __init__(self, app: ASGIApp, caller: Caller | None) -> None:
        self.app = app
        self.caller = caller

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and self.caller is not None:
            scope = {**scope, CONSOLE_CALLER: self.caller}
        await self.app(scope, receive, send)


@dataclass
class ApiError(Exception):
    """A problem detail the API answered with: its status, words and invalid fields."""

    status: int
    detail: str
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_response(cls, response: httpx.Response) -> ApiError:
        """Read the problem detail of a failed response."""
        try:
            problem = response.json()
        except ValueError:
            problem = {}
        if not isinstance(problem, dict):
            problem = {}
        errors = {
            str(item.get("pointer")): str(item.get("detail"))
            for item in problem.get("errors") or []
            if isinstance(item, dict)
        }
        detail = problem.get("detail") or problem.get("title") or f"HTTP {response.status_code}"
        return cls(response.status_code, str(detail), errors)

    def field(self, name: str) -> str | None:
        """What is wrong with body field ``name`` (or anything under it), if the API said."""
        pointer = f"/body/{name}"
        for where, what in self.errors.items():
            if where == pointer or where.startswith(pointer + "/"):
                return what
        return None

    def __str__(self) -> str:
        return self.detail


class ConsoleApi:
    """Calls to the API on behalf of one signed-in caller (or none, for open operations)."""

    def __init__(self, app: ASGIApp, caller: Caller | None) -> None:
        self._client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=_AsCaller(app, caller)),
            base_url="http://console.keyhouse.internal/api/v1",
        )

    async def call(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
    ) -> Any:
        """The JSON answer of ``method path``; ``ApiError`` when the API refused."""
        query = {k: v for k, v in (params or {}).items() if v is not None and v != ""}
        response = await self._client.request(method, path, params=query, json=json)
        if response.status_code >= 400:
            raise ApiError.from_response(response)
        return response.json() if response.content else None

    async def get(self, path: str, **params: Any) -> Any:
        """``GET path?params``."""
        return await self.call("GET", path, params=params)

    async def post(self, path: str, body: Any = None) -> Any:
        """``POST path`` with a JSON body."""
        return await self.call("POST", path, json=body)

    async def patch(self, path: str, body: Any) -> Any:
        """``PATCH path`` with a JSON body."""
        return await self.call("PATCH", path, json=body)

    async def put(self, path: str, body: Any) -> Any:
        """``PUT path`` with a JSON body."""
        return await self.call("PUT", path, json=body)

    async def delete(self, path: str, body: Any = None) -> Any:
        """``DELETE path``."""
        return await self.call("DELETE", path, json=body)

    async def aclose(self) -> None:
        """Release the in-process transport."""
        await self._client.aclose()
