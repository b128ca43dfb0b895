"""Keyset pagination with opaque, authenticated cursors.

A cursor holds the sort values of the last row of a page and an HMAC of them
(and of the list they belong to) under a key derived from the master key. A
cursor the service did not issue for that list is refused, a 422 naming
``/query/cursor``, before any of its values reaches the database.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, and_, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from keyhouse.core.problems import Unprocessable

T = TypeVar("T")

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
SESSION_CURSOR_KEY = "keyhouse_cursor_key"
_MAC_BYTES = 16


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(session: Session, listing: str, payload: str) -> bytes:
    key = session.info.get(SESSION_CURSOR_KEY)
    if not isinstance(key, bytes):
        raise RuntimeError("this session was not opened by the service's session dependency")
    return hmac.new(key, f"{listing}\n{payload}".encode(), hashlib.sha256).digest()[:_MAC_BYTES]


def _refused() -> Unprocessable:
    return Unprocessable("/query/cursor", "cursor is not one this service returned for this list")


def encode_cursor(session: Session, listing: str, values: Sequence[Any]) -> str:
    """An opaque cursor of ``listing`` holding the sort values of the last row of a page."""
    plain = [v.isoformat() if isinstance(v, datetime) else v for v in values]
    payload = _b64(json.dumps(plain).encode())
    return f"{payload}.{_b64(_mac(session, listing, payload))}"


def decode_cursor(session: Session, listing: str, cursor: str, size: int) -> list[Any]:
    """The sort values inside ``cursor``; 422 when this service did not issue it for ``listing``."""
    payload, _, mac = cursor.partition(".")
    try:
        given = _unb64(mac)
    except (binascii.Error, ValueError):
        raise _refused() from None
    if not hmac.compare_digest(given, _mac(session, listing, payload)):
        raise _refused()
    try:
        values = json.loads(_unb64(payload))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        values = None
    if not isinstance(values, list) or len(values) != size:  # issued by an older layout
        raise _refused()
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
    raise _refused()


def decode_int_cursor(session: Session, listing: str, cursor: str) -> int:
    """The single integer inside a cursor (newest-first lists)."""
    (value,) = decode_cursor(session, listing, cursor, 1)
    typed: int = _typed(value, int)
    return typed


def paginate(
    session: Session,
    listing: str,
    statement: Select[T],
    order: Sequence[InstrumentedAttribute[Any]],
    limit: int,
    cursor: str | None,
    sort_values: Callable[[T], Sequence[Any]],
    *,
    branches: Sequence[ColumnElement[bool]] = (),
) -> tuple[list[T], str | None]:
    """One page of ``statement`` in ascending ``order``, and the cursor of the next page.

    ``listing`` names the list (``"users"``): its cursors only work on it.

    ``branches`` splits a statement whose WHERE holds an OR (keys a caller owns
    OR created): the sort values of a page are read once per branch, each
    ``statement AND branch``, merged, and the page's rows loaded by the last
    (unique) one. One OR makes the database gather and sort every matching
    row; each branch alone walks an index in ``order`` and stops after
    ``limit + 1`` rows, and the first ``limit + 1`` rows of the union are among
    theirs. A branch only narrows ``statement``, so it can never show more.
    ``order`` must end in a unique column (rows seen twice are dropped by it).
    """
    if cursor is not None:
        after = [
            _typed(value, column.type.python_type)
            for value, column in zip(
                decode_cursor(session, listing, cursor, len(order)), order, strict=True
            )
        ]
        statement = statement.where(_after(order, after))
    if branches:
        return _paginate_branches(session, listing, statement, order, limit, branches)
    rows = list(session.scalars(statement.order_by(*order).limit(limit + 1)))
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    return rows, encode_cursor(session, listing, sort_values(rows[-1]))


def _paginate_branches(
    session: Session,
    listing: str,
    statement: Select[T],
    order: Sequence[InstrumentedAttribute[Any]],
    limit: int,
    branches: Sequence[ColumnElement[bool]],
) -> tuple[list[T], str | None]:
    # The branches read only the sort values (no rows built, no joins); the
    # page's rows are then loaded by their unique last sort value.
    sort_only = statement.with_only_columns(*order).order_by(*order).limit(limit + 1)
    found: set[tuple[Any, ...]] = set()
    for branch in branches:
        found.update(tuple(values) for values in session.execute(sort_only.where(branch)))
    chosen = sorted(found)[: limit + 1]
    page = chosen[:limit]
    # By the unique value alone: the rows were chosen under every condition of
    # ``statement`` in this transaction, and its OR would lead the planner back
    # to gathering every row it matches.
    entity = statement.column_descriptions[0]["entity"]
    by_unique = select(entity).where(order[-1].in_([values[-1] for values in page]))
    rows = list(session.scalars(by_unique.order_by(*order)))
    if len(chosen) <= limit:
        return rows, None
    # From the sort values, not the loaded row: a row deleted meanwhile moves no cursor.
    return rows, encode_cursor(session, listing, page[-1])


def _after(order: Sequence[InstrumentedAttribute[Any]], values: Sequence[Any]) -> Any:
    # (a, b) > (x, y) as  a >= x AND (a > x OR b > y): the same rows as the plain OR
    # of the row comparison, but the leading ``a >= x`` lets an index on the
    # order start at the cursor instead of scanning every earlier row.
    # Portable across SQLite and PostgreSQL (no row values needed).
    clause = order[-1] > values[-1]
    for column, value in zip(reversed(order[:-1]), reversed(values[:-1]), strict=True):
        clause = and_(column >= value, or_(column > value, clause))
    return clause
