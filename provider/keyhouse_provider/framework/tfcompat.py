"""The one place that imports ``tf`` (it ships no type information).

Everything the provider uses from ``tf`` passes through here with types, so the
rest of the package is checked strictly.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from tf import runner as _runner  # type: ignore[import-untyped]
from tf import types as _types
from tf import utils as _utils
from tf.gen import tfplugin_pb2 as pb  # type: ignore[import-untyped]

__all__ = [
    "Diagnostics",
    "Unknown",
    "certificate",
    "new_diagnostics",
    "pb",
    "read_dynamic_value",
    "serve",
    "to_dynamic_value",
]

Unknown: Any = _types.Unknown
"""A value not known until apply (``(known after apply)`` in plans)."""


class Diagnostics(Protocol):
    """``tf.utils.Diagnostics``: what the provider calls on it."""

    def add_error(self, summary: str, detail: str = "", path: Any = None) -> Diagnostics: ...

    def add_warning(self, summary: str, detail: str = "", path: Any = None) -> Diagnostics: ...

    def has_errors(self) -> bool: ...

    def to_pb(self) -> list[Any]: ...


def new_diagnostics() -> Diagnostics:
    """An empty ``tf`` diagnostics collection."""
    diagnostics: Diagnostics = _utils.Diagnostics()
    return diagnostics


def read_dynamic_value(value: Any) -> Any:
    """A protocol ``DynamicValue`` (msgpack or JSON) as Python values, unknowns as ``Unknown``."""
    return _utils.read_dynamic_value(value)


def to_dynamic_value(value: Any) -> Any:
    """Python values (``Unknown`` included) as a msgpack ``DynamicValue``; None as null."""
    return _utils.to_dynamic_value(value)


def serve(provider: Any, servicer: Callable[[Any], Any], argv: list[str], *, workers: int) -> None:
    """``tf``'s ``run_provider`` with our servicer, a pool of ``workers`` threads, and a
    certificate that is loaded without ``cryptography`` when it is cached.

    ``run_provider`` builds ``tf.provider.ProviderServicer`` by name, a gRPC server on
    ``futures.ThreadPoolExecutor(max_workers=10)`` from its module's ``futures``, and
    its TLS credentials with its module's ``_self_signed_cert``; all three are replaced
    here (``tests/provider/framework/test_tfcompat.py`` fails when ``tf`` stops building
    them that way).
    """
    import concurrent.futures

    import tf.provider  # type: ignore[import-untyped]
    import tf.runner  # type: ignore[import-untyped]

    class _Futures:
        @staticmethod
        def ThreadPoolExecutor(max_workers: int | None = None) -> Any:
            return concurrent.futures.ThreadPoolExecutor(max_workers=workers)

    tf.provider.ProviderServicer = servicer
    tf.runner.futures = _Futures
    tf.runner._self_signed_cert = certificate
    tf.runner.run_provider(provider, argv)


_SPARE_SECONDS = 3600
"""A cached certificate this close to its expiry is left to ``tf`` to renew."""


def certificate() -> tuple[bytes, Any]:
    """``tf``'s self-signed server certificate (DER chain) and gRPC credentials.

    ``tf`` caches its certificate, but checks the cached one's expiry by importing
    ``cryptography`` at every start: a large share of the start-up. The expiry is
    kept beside ``tf``'s cache here (with a digest of the certificate it belongs to),
    so a start with a valid cache reads two files; otherwise ``tf`` loads or makes
    the certificate as before, and the expiry is written for the next start.
    """
    import base64
    import hashlib
    import json
    import time

    import grpc  # type: ignore[import-untyped]

    cache = _runner._get_cert_cache_path()
    expiry = cache.with_name(cache.name + ".expires")
    try:
        cached = json.loads(cache.read_text())
        expires, digest = expiry.read_text().split()
        cert_pem = cached["cert_pem"].encode()
        if float(expires) > time.time() + _SPARE_SECONDS and (
            digest == hashlib.sha256(cert_pem).hexdigest()
        ):
            key_pem = cached["key_pem"].encode()
            credentials = grpc.ssl_server_credentials(
                private_key_certificate_chain_pairs=[(key_pem, cert_pem)],
                require_client_auth=False,
            )
            return base64.b64decode(cached["cert_chain"]), credentials
    except (OSError, ValueError, KeyError, TypeError):
        pass
    chain, credentials = _tf_certificate()
    _remember_expiry(cache, expiry)
    return chain, credentials


_tf_certificate: Callable[[], tuple[bytes, Any]] = _runner._self_signed_cert
"""``tf``'s own ``_self_signed_cert`` (kept before ``serve`` replaces it)."""


def _remember_expiry(cache: Any, expiry: Any) -> None:
    import hashlib
    import json
    import os

    from cryptography import x509  # tf's own dependency, only when the cache was cold

    try:
        cert_pem = json.loads(cache.read_text())["cert_pem"].encode()
        expires = x509.load_pem_x509_certificate(cert_pem).not_valid_after_utc.timestamp()
        temporary = expiry.with_name(f"{expiry.name}.{os.getpid()}")
        temporary.write_text(f"{expires} {hashlib.sha256(cert_pem).hexdigest()}\n")
        os.replace(temporary, expiry)
    except (OSError, ValueError, KeyError):
        pass  # no cache written by tf (a read-only home): every start checks again
