"""Terraform's plugin protocol 6.8: the project's definition and its generated stubs.

``tf`` 1.2.0 ships stubs for protocol 6.5 as ``tf.gen.tfplugin_pb2`` and
``tf.gen.tfplugin_pb2_grpc``, and every ``tf`` module imports them by those names.
Both define the ``tfplugin6`` package, so the two cannot be loaded side by side
(protobuf refuses the second with "duplicate symbol"). ``install()`` makes those
two names resolve to the stubs here (``tfplugin6.proto``, 6.8, a superset of
``tf``'s) the first time anything imports them, so ``tf`` runs on 6.8 messages
unchanged. Nothing is imported until then: installing costs nothing at start-up.

``tests/provider/protocol/`` fails when ``tf``'s messages stop being a subset of
these, when the stubs differ from what the generator writes, or when ``tf``
imports its stubs by other names.
"""

from __future__ import annotations

import importlib
import sys
from importlib.machinery import ModuleSpec
from types import ModuleType

MESSAGES = "keyhouse_provider.protocol.tfplugin6_pb2"
SERVICES = "keyhouse_provider.protocol.tfplugin6_pb2_grpc"
REPLACED = {"tf.gen.tfplugin_pb2": MESSAGES, "tf.gen.tfplugin_pb2_grpc": SERVICES}
"""``tf``'s stub modules, and the modules that stand in for them."""


class _Alias:
    """Resolves ``tf``'s stub module names to ours: a meta path finder and its loader
    (by protocol, not by ``importlib.abc``, whose import costs more than all of this)."""

    def find_spec(
        self, fullname: str, path: object = None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        if fullname not in REPLACED:
            return None
        return ModuleSpec(fullname, self)  # type: ignore[arg-type]

    def create_module(self, spec: ModuleSpec) -> ModuleType:
        # The module object is ours, under tf's name as well: one descriptor pool entry.
        return importlib.import_module(REPLACED[spec.name])

    def exec_module(self, module: ModuleType) -> None:
        """Already executed as ours."""


_ALIAS = _Alias()


def install() -> None:
    """Make ``tf``'s stub names resolve to the 6.8 stubs (idempotent, imports nothing).

    Raises ``ImportError`` when ``tf``'s own stubs were imported already: then the two
    definitions would clash.
    """
    for name, ours in REPLACED.items():
        loaded = sys.modules.get(name)
        if loaded is not None and loaded is not sys.modules.get(ours):
            raise ImportError(
                f"{name} (protocol 6.5) was imported before keyhouse_provider.protocol was "
                f"installed; import keyhouse_provider before tf"
            )
    if _ALIAS not in sys.meta_path:
        sys.meta_path.insert(0, _ALIAS)


def installed() -> bool:
    """Whether ``tf``'s stub names resolve to ours."""
    return _ALIAS in sys.meta_path
