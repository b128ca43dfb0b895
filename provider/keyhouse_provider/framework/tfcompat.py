"""The one place that imports ``tf`` (it ships no type information).

Everything the provider uses from ``tf`` passes through here with types, so the
rest of the package is checked strictly.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from tf import types as _types  # type: ignore[import-untyped]
from tf import utils as _utils
from tf.gen import tfplugin_pb2 as pb  # type: ignore[import-untyped]

__all__ = [
    "Diagnostics",
    "Unknown",
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
    """``tf``'s ``run_provider`` with our servicer and a pool of ``workers`` threads.

    ``run_provider`` builds ``tf.provider.ProviderServicer`` by name and a gRPC server
    on ``futures.ThreadPoolExecutor(max_workers=10)`` from its module's ``futures``;
    both are replaced here (``tests/provider/framework/test_tfcompat.py`` fails when
    ``tf`` stops building them that way).
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
    tf.runner.run_provider(provider, argv)
