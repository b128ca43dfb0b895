"""Helpers shared by the resources."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

from keyhouse_provider.framework.base import ProviderError
from keyhouse_provider.framework.schema import Attr
from keyhouse_provider.framework.types import STRING

T = TypeVar("T")


def timestamp(moment: datetime | None) -> str | None:
    """An RFC 3339 UTC timestamp to the second, as Terraform shows times."""
    if moment is None:
        return None
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def or_none(call: Callable[[], T]) -> T | None:
    """``call()``, or None when the service says the object does not exist."""
    from keyhouse_client import NotFoundError

    try:
        return call()
    except NotFoundError:
        return None


def gone_ok(call: Callable[[], Any]) -> None:
    """Run a delete; an object that is gone already is deleted."""
    or_none(call)


def changed(prior: dict[str, Any], planned: dict[str, Any], name: str) -> bool:
    """Whether an attribute's planned value differs from its prior one."""
    return bool(prior.get(name) != planned.get(name))


def bad_import_id(type_name: str, given: str, expected: str) -> ProviderError:
    """The error for an import ID of the wrong form."""
    return ProviderError(
        f"Invalid import ID for {type_name}",
        f"Expected {expected}, got {given!r}.",
    )


def arn(what: str, follows: tuple[str, ...] | None = None) -> Attr:
    """The read-only ``arn`` attribute: the Keyhouse Resource Name policies use.

    Stable, unless an update in place makes a new object of the service (a key's
    roll): then it ``follows`` the inputs that do.
    """
    return Attr(
        "arn",
        STRING,
        f"The {what}'s Keyhouse Resource Name (`khrn:...`), for policy documents.",
        computed=True,
        stable=follows is None,
        follows=follows,
    )


def created_at(what: str, follows: tuple[str, ...] | None = None) -> Attr:
    """The read-only ``created_at`` attribute (``follows`` as for ``arn``)."""
    return Attr(
        "created_at",
        STRING,
        f"When the {what} was created (RFC 3339, UTC).",
        computed=True,
        stable=follows is None,
        follows=follows,
    )
