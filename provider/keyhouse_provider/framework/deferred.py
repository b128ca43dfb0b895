"""Modules imported on first use, for imports that pull in more than a provider runs.

``import grpc`` imports ``grpc.aio`` and, from gRPC's compiled core, ``asyncio``:
about 40 ms of the provider's start-up, at each of the 3 or 4 starts of a
Terraform command, for the asyncio server and channels, which the provider's
threaded server never uses. Imported under ``deferring(...)``, those modules
are stand-ins that import the real module the first time anything is read from
them, so whatever does use them later gets them as before.
"""

from __future__ import annotations

import importlib
import sys
import threading
import types
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

_LOCK = threading.RLock()


class Deferred(types.ModuleType):
    """Stands for a module not imported yet; the first attribute read imports it."""

    def __getattr__(self, attribute: str) -> Any:
        return getattr(load(self), attribute)


def load(stand_in: Deferred) -> types.ModuleType:
    """The real module ``stand_in`` stands for, imported now if it was not.

    The stand-in takes the real module's attributes, so the next reads find them
    without coming here.
    """
    name = stand_in.__name__
    with _LOCK:
        if sys.modules.get(name) is stand_in:
            del sys.modules[name]
        module = importlib.import_module(name)
        stand_in.__dict__.update(module.__dict__)
    return module


@contextmanager
def deferring(*names: str) -> Iterator[dict[str, Deferred]]:
    """While inside, importing any of ``names`` gives a stand-in (unless already imported).

    After, the names import as usual; the stand-ins handed out meanwhile import the
    real modules when first read. Yields the stand-ins by name.
    """
    with _LOCK:
        stand_ins = {name: Deferred(name) for name in names if name not in sys.modules}
        sys.modules.update(stand_ins)
    try:
        yield stand_ins
    finally:
        with _LOCK:
            for name, stand_in in stand_ins.items():
                if sys.modules.get(name) is stand_in:
                    del sys.modules[name]
