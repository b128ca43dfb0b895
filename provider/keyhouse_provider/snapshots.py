"""Refreshing many objects of one kind with a few list calls instead of one read each.

A plan refreshes every object in the state, one ``ReadResource`` call each. For
the first few objects of a kind (and namespace, e.g. one project's secrets) the
provider asks the service for that object. Past ``threshold`` reads it lists the
namespace once (200 objects a page) and answers the remaining reads from that
listing: a thousand secrets cost five list calls instead of a thousand reads.

A listing is as fresh as a read made when it was taken; it is dropped after
``max_age`` seconds and whenever this process changes an object of the kind.
An object missing from a listing is read on its own (it may be gone, or new).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

T = TypeVar("T")

DEFAULT_THRESHOLD = 20
DEFAULT_MAX_AGE = 30.0


@dataclass
class _Namespace:
    reads: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    listed_at: float | None = None
    objects: dict[str, Any] = field(default_factory=dict)


class Snapshots:
    """Per-process listings of namespaces, for refreshes."""

    def __init__(
        self, threshold: int = DEFAULT_THRESHOLD, max_age: float = DEFAULT_MAX_AGE
    ) -> None:
        self.threshold = threshold
        self.max_age = max_age
        self._lock = threading.Lock()
        self._namespaces: dict[tuple[str, str], _Namespace] = {}

    def read(
        self,
        kind: str,
        namespace: str,
        key: str,
        *,
        one: Callable[[], T | None],
        every: Callable[[], Iterable[T]],
        key_of: Callable[[T], str],
    ) -> T | None:
        """The object ``key`` of ``namespace``: read alone, or from the namespace's listing."""
        with self._lock:
            space = self._namespaces.setdefault((kind, namespace), _Namespace())
            space.reads += 1
            listed = space.reads > self.threshold
        if not listed:
            return one()
        with space.lock:
            now = time.monotonic()
            if space.listed_at is None or now - space.listed_at > self.max_age:
                space.objects = {key_of(item): item for item in every()}
                space.listed_at = now
            found: T | None = space.objects.get(key)
        return found if found is not None else one()

    def listed(self, kind: str, namespace: str) -> bool:
        """Whether reads in ``namespace`` are being answered from a listing."""
        with self._lock:
            space = self._namespaces.get((kind, namespace))
        return space is not None and space.listed_at is not None

    def invalidate(self, kind: str) -> None:
        """Forget the listings of ``kind`` (this process changed one of its objects)."""
        with self._lock:
            for (space_kind, _), space in self._namespaces.items():
                if space_kind == kind:
                    space.listed_at = None
