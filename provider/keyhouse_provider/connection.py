"""The configured connection to the service: the generated client, caches, create-once.

The client (httpx, pydantic and the models) is imported here, when Terraform
configures the provider, not when the process starts: the handshake comes first.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from keyhouse_provider.framework.base import ProviderError
from keyhouse_provider.snapshots import Snapshots

if TYPE_CHECKING:
    from keyhouse_client import Keyhouse, Response, models

T = TypeVar("T")

REPLAYED_HEADER = "idempotent-replayed"
MAX_GENERATIONS = 8


class Connection:
    """One service, one API key: a pooled client shared by every concurrent call."""

    def __init__(self, url: str, api_key: str, *, timeout: float, max_retries: int) -> None:
        import httpx

        from keyhouse_client import Keyhouse, RetryPolicy

        self.url = url
        # httpx loads the CA bundle for every client it makes; a service on plain http
        # never uses TLS, so that client skips it (an https one verifies as usual).
        self._http = httpx.Client(timeout=timeout, verify=url.lower().startswith("https:"))
        try:
            self.client: Keyhouse = Keyhouse(
                base_url=url,
                api_key=api_key,
                timeout=timeout,
                retry=RetryPolicy(max_retries=max_retries),
                http_client=self._http,
            )
        except Exception:
            self._http.close()
            raise
        # Keys idempotency-key derivation, so that the header reveals nothing of the
        # bodies (secret values among them) it is derived from. The API key itself
        # is not kept here.
        self._derivation_key = hashlib.sha256(
            b"keyhouse-provider/idempotency\n" + api_key.encode()
        ).digest()
        self._lock = threading.Lock()
        self._identity: models.Whoami | None = None
        self._settings: models.SettingsPublic | None = None
        self._scopes: list[models.ScopePublic] | None = None
        self.snapshots = Snapshots()

    def __repr__(self) -> str:
        return f"Connection(url={self.url!r})"

    def close(self) -> None:
        """Close the client's connection pool."""
        self.client.close()
        self._http.close()

    # ------------------------------------------------------------ cached reads

    def identity(self) -> models.Whoami:
        """Who the provider's API key belongs to (asked once)."""
        with self._lock:
            if self._identity is None:
                self._identity = self.client.keys.whoami()
            return self._identity

    def settings(self) -> models.SettingsPublic:
        """The admin's key lifetime policy (asked once per run)."""
        with self._lock:
            if self._settings is None:
                self._settings = self.client.settings.get()
            return self._settings

    def scopes(self) -> list[models.ScopePublic]:
        """The scope catalog (asked once per run)."""
        with self._lock:
            if self._scopes is None:
                self._scopes = list(self.client.scopes.iter(limit=200))
            return self._scopes

    # ------------------------------------------------------------- create once

    def idempotency_key(self, type_name: str, body: Mapping[str, Any], after: str = "") -> str:
        """The ``Idempotency-Key`` of a create: the same for the same resource and request.

        Derived from the resource type and the whole request body, so that an
        apply that died after the service created something, run again, gets the
        first answer back instead of a second object. ``after`` names an object
        this key already created and that is gone since: the next key in the chain.
        """
        canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)
        message = f"{type_name}\n{canonical}\n{after}".encode()
        digest = hmac.new(self._derivation_key, message, hashlib.sha256).hexdigest()
        return f"tf-{type_name}-{digest[:40]}"

    def create_once(
        self,
        type_name: str,
        body: Mapping[str, Any],
        send: Callable[[str], Response[T]],
        *,
        alive: Callable[[T], bool],
        identify: Callable[[T], str],
    ) -> T:
        """Send a create under a derived idempotency key; the created (or first) object.

        A replayed answer may describe an object deleted since (destroyed, then
        created again within the service's idempotency window): then the next key
        in the chain is used, which the same sequence of events derives again.
        """
        after = ""
        for _ in range(MAX_GENERATIONS):
            response = send(self.idempotency_key(type_name, body, after))
            if response.headers.get(REPLAYED_HEADER) != "true" or alive(response.parsed):
                return response.parsed
            after = identify(response.parsed)
        raise ProviderError(
            f"Could not create {type_name}",
            f"The service kept answering with objects created earlier and deleted since "
            f"({MAX_GENERATIONS} times); try again after its idempotency window.",
        )


def open_connection(
    url: str, api_key: str, *, timeout: float, max_retries: int
) -> tuple[Connection | None, ProviderError | None]:
    """A connection, checked with one ``whoami``; or the one error that says why not."""
    from keyhouse_client import ConfigurationError, KeyhouseError

    try:
        connection = Connection(url, api_key, timeout=timeout, max_retries=max_retries)
    except ConfigurationError as exc:
        return None, ProviderError("Invalid keyhouse provider configuration", str(exc))
    try:
        connection.identity()
    except KeyhouseError as exc:
        connection.close()
        return None, _configure_error(url, exc)
    return connection, None


def _configure_error(url: str, exc: Exception) -> ProviderError:
    from keyhouse_client import APIError, AuthenticationError, TransportError

    if isinstance(exc, TransportError):
        return ProviderError(
            "Cannot reach the Keyhouse service",
            f"No answer from {url} ({exc}). Check the provider's url (or KEYHOUSE_URL) "
            "and that the service is running.",
            ["url"],
        )
    if isinstance(exc, AuthenticationError):
        return ProviderError(
            "The Keyhouse API key was refused",
            f"{url} answered 401 ({exc.reason or 'unknown'}): {exc.detail or exc.title}. "
            "Check the provider's api_key (or KEYHOUSE_API_KEY).",
            ["api_key"],
        )
    if isinstance(exc, APIError):
        return ProviderError(
            "The Keyhouse service refused the provider's first call",
            f"{url}: {exc}. Is the url that of a Keyhouse service?",
            ["url"],
        )
    return ProviderError("Unexpected answer from the Keyhouse service", f"{url}: {exc}", ["url"])
