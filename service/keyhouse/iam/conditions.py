"""Condition operators, with the set qualifiers ForAnyValue and ForAllValues.

As users of such policies expect: values listed for one key are alternatives
(any may match); several keys, or several operators, must all hold. A key
missing from the context fails a positive test and passes a negated one.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Collection, Mapping, Sequence
from datetime import UTC, datetime
from functools import lru_cache

from keyhouse.iam.document import CONTEXT_KEYS, Condition
from keyhouse.iam.wildcards import compile_pattern

ContextValue = str | Collection[str] | None
Context = Mapping[str, ContextValue]

NEGATED = frozenset({"StringNotEquals", "StringNotLike", "NotIpAddress"})


@lru_cache(maxsize=4096)
def _moment(value: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


@lru_cache(maxsize=4096)
def _network(value: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    return ipaddress.ip_network(value, strict=False)


def _positive(operator: str, value: str, wanted: tuple[str, ...]) -> bool:
    """The un-negated test of one context value against the policy's values."""
    if operator in ("StringEquals", "StringNotEquals"):
        return value in wanted
    if operator in ("StringLike", "StringNotLike"):
        return any(compile_pattern(w, ignore_case=False).matches(value) for w in wanted)
    if operator in ("IpAddress", "NotIpAddress"):
        try:
            address = ipaddress.ip_address(value)
        except ValueError:
            return False
        return any(address in _network(w) for w in wanted)
    if operator == "Bool":
        return value.lower() in wanted
    if operator in ("DateLessThan", "DateGreaterThan"):
        moment = _moment(value)
        if moment is None:
            return False
        bounds = [b for b in (_moment(w) for w in wanted) if b is not None]
        if operator == "DateLessThan":
            return any(moment < bound for bound in bounds)
        return any(moment > bound for bound in bounds)
    raise ValueError(f"unknown operator {operator}")


def _test(operator: str, value: str, wanted: tuple[str, ...]) -> bool:
    result = _positive(operator, value, wanted)
    return not result if operator in NEGATED else result


def holds(condition: Condition, context: Context) -> bool:
    """Whether one condition holds in ``context``."""
    raw = context.get(condition.key)
    negated = condition.operator in NEGATED
    many = CONTEXT_KEYS.get(condition.key) == "set"
    values: Sequence[str] = () if raw is None else ([raw] if isinstance(raw, str) else list(raw))
    if condition.qualifier == "ForAllValues":
        return all(_test(condition.operator, v, condition.values) for v in values)
    if condition.qualifier == "ForAnyValue":
        return any(_test(condition.operator, v, condition.values) for v in values)
    if not values:
        return negated
    if many:
        if negated:
            return all(_test(condition.operator, v, condition.values) for v in values)
        return any(_test(condition.operator, v, condition.values) for v in values)
    return _test(condition.operator, values[0], condition.values)


def all_hold(conditions: Sequence[Condition], context: Context) -> bool:
    """Whether every condition of a statement holds."""
    return all(holds(condition, context) for condition in conditions)
