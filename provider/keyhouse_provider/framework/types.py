"""Terraform value types: their wire form, their equality and their name in the docs."""

from __future__ import annotations

import json
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from .tfcompat import Unknown


class Type:
    """A Terraform type. Values are plain Python: str, int, bool, list, dict, None, Unknown."""

    def spec(self) -> Any:
        """The type in Terraform's JSON type notation (``"string"``, ``["set","string"]``)."""
        raise NotImplementedError

    def tf_type(self) -> bytes:
        """The type as the protocol sends it: JSON bytes."""
        return json.dumps(self.spec(), separators=(",", ":")).encode()

    def equal(self, a: Any, b: Any) -> bool:
        """Whether two values are the same value of this type (``Unknown`` equals nothing)."""
        return _plain(a) and _plain(b) and a == b

    def doc_name(self) -> str:
        """The type as the Registry docs name it: ``String``, ``Set of String``..."""
        raise NotImplementedError


def _plain(value: Any) -> bool:
    return value is not Unknown


class Primitive(Type):
    """string, number or bool."""

    def __init__(self, name: str, doc_name: str) -> None:
        self._name = name
        self._doc_name = doc_name

    def spec(self) -> Any:
        return self._name

    def doc_name(self) -> str:
        return self._doc_name


def number(value: Any) -> int | float | None:
    """A number attribute's value as a Python number; None for null, unknown or not a number.

    Terraform sends a number as an integer when it is one (within 64 bits), as a
    float when a float64 holds it exactly, and otherwise as its decimal string
    (``0.1``, ``0.005``, a 30-digit integer). Values stay in the state as
    Terraform sent them, so that a plan echoes a configured number exactly (a
    float64 near ``0.1`` is not ``0.1`` to Terraform); read them with this.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return value
    if not isinstance(value, str):
        return None
    try:
        parsed = Decimal(value)
    except InvalidOperation:
        return None
    if parsed.is_finite() and parsed == parsed.to_integral_value():
        return int(parsed)
    return float(parsed)


def _exact(value: Any) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        # str() of a float is its shortest round-tripping decimal: 0.1, not 0.1000000000000000055.
        return Decimal(value if isinstance(value, str) else str(value))
    except InvalidOperation:
        return None


class Number(Primitive):
    """``number``: equal when the values are the same number, whichever form each came in."""

    def __init__(self) -> None:
        super().__init__("number", "Number")

    def equal(self, a: Any, b: Any) -> bool:
        if not (_plain(a) and _plain(b)):
            return False
        left, right = _exact(a), _exact(b)
        if left is None or right is None:
            return bool(a == b)
        return left == right


STRING = Primitive("string", "String")
NUMBER = Number()
BOOL = Primitive("bool", "Boolean")


class ListOf(Type):
    """An ordered list of one element type."""

    def __init__(self, element: Type) -> None:
        self.element = element

    def spec(self) -> Any:
        return ["list", self.element.spec()]

    def equal(self, a: Any, b: Any) -> bool:
        if a is None or b is None:
            return a is b
        if not (_plain(a) and _plain(b)) or len(a) != len(b):
            return False
        return all(self.element.equal(x, y) for x, y in zip(a, b, strict=True))

    def doc_name(self) -> str:
        return f"List of {self.element.doc_name()}"


class SetOf(Type):
    """An unordered set of one element type (a list in Python)."""

    def __init__(self, element: Type) -> None:
        self.element = element

    def spec(self) -> Any:
        return ["set", self.element.spec()]

    def equal(self, a: Any, b: Any) -> bool:
        if a is None or b is None:
            return a is b
        if not (_plain(a) and _plain(b)):
            return False
        return sorted(map(_canonical, a)) == sorted(map(_canonical, b))

    def doc_name(self) -> str:
        return f"Set of {self.element.doc_name()}"


class MapOf(Type):
    """A map from strings to one element type."""

    def __init__(self, element: Type) -> None:
        self.element = element

    def spec(self) -> Any:
        return ["map", self.element.spec()]

    def doc_name(self) -> str:
        return f"Map of {self.element.doc_name()}"


class ObjectOf(Type):
    """An object with named, typed attributes (a dict in Python)."""

    def __init__(self, fields: Mapping[str, Type]) -> None:
        self.fields = dict(fields)

    def spec(self) -> Any:
        return ["object", {name: kind.spec() for name, kind in self.fields.items()}]

    def doc_name(self) -> str:
        return "Object"


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=repr)
