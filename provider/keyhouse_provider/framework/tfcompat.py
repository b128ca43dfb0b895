"""The one place that imports ``tf`` (it ships no type information).

Everything the provider uses from ``tf`` passes through here with types, so the
rest of the package is checked strictly.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Protocol

from .deferred import deferring

# gRPC's asyncio half is never used by the threaded server here (see .deferred).
with deferring("asyncio", "grpc.aio"):
    import grpc  # type: ignore[import-untyped]

from tf import types as _types  # type: ignore[import-untyped]
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
    """Serve ``provider`` with our servicer, as ``tf``'s ``run_provider`` does, faster.

    What Terraform sees is the same: the go-plugin handshake line on stdout, the
    Provider, GRPCController and GRPCStdio services over TLS on a unix socket, and the
    process leaving after ``GRPCController.Shutdown``. What differs, measured with
    ``bench/terraform.py`` where it is about speed:

    - a pool of ``workers`` threads, where ``tf`` caps it at 10;
    - no gRPC interceptors: ``tf`` puts two on every call (a debug log and its way of
      noticing a shutdown), which cost about half of the gRPC server's own time per
      call;
    - ``Shutdown`` is answered, then the server stops at once, where ``tf`` stopped it
      before answering (the caller got UNAVAILABLE) and polled for that every 50 ms
      (Terraform waits for the process to be gone at each of the 3 or 4 starts of a
      command);
    - ``StopProvider`` (Terraform interrupted) does not stop the server, which ``tf``
      did: it asks to cut in-flight work short, and Terraform still waits for the
      answers of the calls under way (an apply's result goes into the state) before it
      ends the process with ``Shutdown``;
    - SIGINT (Ctrl-C, sent to the whole process group) is ignored, as go-plugin's
      servers do, where ``tf`` stopped serving at once: the answers of an interrupted
      apply still reach Terraform and its state;
    - a cached certificate is loaded without ``cryptography`` (``certificate``).

    ``--dev`` (a provider Terraform reattaches to, for debugging) is ``tf``'s own.
    """
    if "--dev" in argv:
        _serve_with_tf(provider, servicer, argv, workers=workers)
        return
    import base64
    import concurrent.futures
    import signal
    import threading

    from tf.gen import grpc_controller_pb2 as controller_pb
    from tf.gen import grpc_controller_pb2_grpc as controller_rpc
    from tf.gen import grpc_stdio_pb2_grpc as stdio_rpc
    from tf.gen import tfplugin_pb2_grpc as rpc

    # Ctrl-C in a terminal reaches the whole process group. As go-plugin's own servers
    # do, the provider leaves the interruption to Terraform, which stops it the
    # protocol's way once the calls under way have answered.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    stopping = threading.Event()
    provider_servicer = servicer(provider)

    class Controller(controller_rpc.GRPCControllerServicer):  # type: ignore[misc]
        def Shutdown(self, request: Any, context: Any) -> Any:
            stopping.set()
            return controller_pb.Empty()

    class Stdio(stdio_rpc.GRPCStdioServicer):  # type: ignore[misc]
        def StreamStdio(self, request: Any, context: Any) -> Any:
            # Nothing is streamed: the provider's stderr goes to Terraform as is.
            return iter(())

    server = grpc.server(thread_pool=concurrent.futures.ThreadPoolExecutor(max_workers=workers))
    rpc.add_ProviderServicer_to_server(provider_servicer, server)
    controller_rpc.add_GRPCControllerServicer_to_server(Controller(), server)
    stdio_rpc.add_GRPCStdioServicer_to_server(Stdio(), server)
    with _socket_directory() as directory:
        socket = f"{directory}/py-tf-plugin.sock"
        chain, credentials = certificate()
        server.add_secure_port(f"unix://{socket}", credentials)
        server.start()
        handshake = "|".join(
            ["1", "6", "unix", socket, "grpc", base64.b64encode(chain).decode().rstrip("=")]
        )
        print(handshake, flush=True)
        stopping.wait()
        # The Shutdown call is still answering: it may finish.
        server.stop(grace=1).wait()


@contextmanager
def _socket_directory() -> Iterator[str]:
    """A new private directory for the socket, removed after.

    ``tempfile.TemporaryDirectory`` as ``tf`` uses it, without importing ``tempfile``
    and ``shutil`` at every start: the directory only ever holds the socket.
    """
    import os

    # A fresh random name made with mkdir, which fails on anything already there: no
    # one can have prepared it (what tempfile.mkdtemp does).
    base = os.environ.get("TMPDIR") or "/tmp"  # noqa: S108
    directory = os.path.join(base, f"tf-provider-{os.getpid()}-{os.urandom(6).hex()}")
    os.mkdir(directory, 0o700)
    try:
        yield directory
    finally:
        for name in os.listdir(directory):
            os.unlink(os.path.join(directory, name))
        os.rmdir(directory)


def _serve_with_tf(
    provider: Any, servicer: Callable[[Any], Any], argv: list[str], *, workers: int
) -> None:
    """``tf``'s ``run_provider`` with our servicer, pool size and certificate.

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
    global _tf_certificate
    if _tf_certificate is None:
        _tf_certificate = tf.runner._self_signed_cert
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

    cache = _certificate_cache()
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
    chain, credentials = _tf_made_certificate()
    _remember_expiry(cache, expiry)
    return chain, credentials


def _certificate_cache() -> Any:
    """Where ``tf`` caches its certificate (``tf.runner._get_cert_cache_path``).

    Computed here: importing ``tf.runner`` costs a start a tenth of its imports, for a
    path. ``tests/provider/framework/test_tfcompat.py`` fails when the two differ.
    """
    from pathlib import Path

    return Path.home() / ".cache" / "tf-python-provider" / "ssl_cert.json"


_tf_certificate: Callable[[], tuple[bytes, Any]] | None = None
"""``tf``'s own ``_self_signed_cert``, once ``tf.runner`` was imported (``serve`` in
``--dev`` mode replaces it with ``certificate``)."""


def _tf_made_certificate() -> tuple[bytes, Any]:
    """``tf`` loads its cached certificate, or makes and caches a new one."""
    global _tf_certificate
    if _tf_certificate is None:
        import tf.runner

        _tf_certificate = tf.runner._self_signed_cert
    return _tf_certificate()


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
