"""Terraform value types: their wire form, their equality and their name in the docs."""

from __future__ import annotations

import json
from collections.abc import Mapping
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


STRING = Primitive("string", "String")
NUMBER = Primitive("number", "Number")
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
