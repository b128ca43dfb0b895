"""Keyset pagination with opaque cursors."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Select, and_, or_
from sqlalchemy.orm import InstrumentedAttribute, Session

from keyhouse.core.problems import Unprocessable

T = TypeVar("T")

DEFAULT_LIMIT = 50
MAX_LIMIT = 200


def encode_cursor(values: Sequence[Any]) -> str:
    """An opaque cursor holding the sort values of the last row of a page."""
    plain = [v.isoformat() if isinstance(v, datetime) else v for v in values]
    return base64.urlsafe_b64encode(json.dumps(plain).encode()).decode().rstrip("=")


def decode_cursor(cursor: str, size: int) -> list[Any]:
    """The sort values inside ``cursor``; 422 when it was not made by this service."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw)
    except (binascii.Error, ValueError, UnicodeDecodeError):
        values = None
    if not isinstance(values, list) or len(values) != size:
        raise Unprocessable("/query/cursor", "cursor is not one this service returned")
    return values


def _typed(value: Any, python_type: type) -> Any:
    """A cursor value as its column's type; 422 for anything this service would not write."""
    if python_type is datetime and isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            moment = None
        if moment is not None and moment.tzinfo is not None:
            return moment
    elif (python_type is int and type(value) is int) or (
        python_type is str and isinstance(value, str)
    ):
        return value
    raise Unprocessable("/query/cursor", "cursor is not one this service returned")


def decode_int_cursor(cursor: str) -> int:
    """The single integer inside a cursor (newest-first lists)."""
    (value,) = decode_cursor(cursor, 1)
    typed: int = _typed(value, int)
    return typed


def paginate(
    session: Session,
    statement: Select[T],
    order: Sequence[InstrumentedAttribute[Any]],
    limit: int,
    cursor: str | None,
    sort_values: Callable[[T], Sequence[Any]],
) -> tuple[list[T], str | None]:
    """One page of ``statement`` in ascending ``order``, and the cursor of the next page."""
    if cursor is not None:
        after = [
            _typed(value, column.type.python_type)
            for value, column in zip(decode_cursor(cursor, len(order)), order, strict=True)
        ]
        statement = statement.where(_after(order, after))
    rows = list(session.scalars(statement.order_by(*order).limit(limit + 1)))
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    return rows, encode_cursor(sort_values(rows[-1]))


def _after(order: Sequence[InstrumentedAttribute[Any]], values: Sequence[Any]) -> Any:
    # (a, b) > (x, y)  ==  a > x OR (a = x AND b > y), portable across SQLite and PostgreSQL.
    clauses = []
    for index, column in enumerate(order):
        equal = [order[i] == values[i] for i in range(index)]
        clauses.append(and_(*equal, column > values[index]))
    return or_(*clauses)
