"""What commands print: rich tables for people, JSON for programs (``--output json``).

Results go to stdout; messages, progress and errors to stderr, so that
``keyhouse ... --output json | jq`` and ``KEY=$(keyhouse keys create ...)`` work.
"""

from __future__ import annotations

import enum
import json
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, TypeVar

import typer
from pydantic import BaseModel, SecretStr
from pydantic_core import to_jsonable_python
from rich.console import Console
from rich.markup import escape
from rich.table import Table

T = TypeVar("T")

out = Console(soft_wrap=True, emoji=False, highlight=False)
if not out.is_terminal:
    # Piped or redirected: rows stay whole rather than wrapped at 80 columns.
    out = Console(soft_wrap=True, emoji=False, highlight=False, width=240)
err = Console(stderr=True, soft_wrap=True, emoji=False, highlight=False)


class Format(enum.StrEnum):
    """How results are printed."""

    TABLE = "table"
    JSON = "json"


Output = Annotated[
    Format,
    typer.Option(
        "--output",
        "-o",
        envvar="KEYHOUSE_OUTPUT",
        case_sensitive=False,
        help="table (for people) or json (for programs).",
    ),
]


@dataclass(frozen=True)
class Column:
    """One column of a table: its header and how to read it from an item."""

    header: str
    read: Callable[[Any], object]


def column(header: str, attribute: str) -> Column:
    """A column showing ``item.<attribute>``."""
    return Column(header, lambda item: getattr(item, attribute))


def text(value: object) -> str:
    """A value as a table cell."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%MZ")
    if isinstance(value, list | tuple):
        return ", ".join(text(item) for item in value) or "-"
    if isinstance(value, BaseModel):
        kind, name = getattr(value, "kind", None), getattr(value, "name", None)
        if kind is not None and name is not None:
            return f"{kind}/{name}"
        return json.dumps(value.model_dump(mode="json"), separators=(",", ":"))
    if isinstance(value, dict):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


def _json(value: Any) -> None:
    sys.stdout.write(json.dumps(value, indent=2) + "\n")


def _revealed(value: Any) -> Any:
    if isinstance(value, SecretStr):
        return value.get_secret_value()
    if isinstance(value, dict):
        return {name: _revealed(item) for name, item in value.items()}
    if isinstance(value, list):
        return [_revealed(item) for item in value]
    return value


def dump(value: BaseModel | Sequence[BaseModel] | dict[str, Any], *, reveal: bool = False) -> Any:
    """The JSON form of a model, a list of models or a plain dict.

    A key or secret value (a ``SecretStr``) shows as ``'**********'`` unless ``reveal``:
    only for the command whose result is that value.
    """
    if isinstance(value, BaseModel):
        if reveal:
            return to_jsonable_python(_revealed(value.model_dump()))
        return value.model_dump(mode="json")
    if isinstance(value, dict):
        return value
    return [item.model_dump(mode="json") for item in value]


def show(item: BaseModel, fmt: Format, *, title: str | None = None, reveal: bool = False) -> None:
    """One object: a two-column table of its fields, or its JSON.

    Keys and secret values show as ``'**********'``; ``reveal`` prints them in the JSON,
    for the command that was asked for them.
    """
    if fmt is Format.JSON:
        _json(dump(item, reveal=reveal))
        return
    table = Table(title=title, show_header=False, box=None, padding=(0, 2, 0, 0))
    table.add_column(style="bold")
    table.add_column(overflow="fold")
    for name, value in _rows(item):
        table.add_row(name, escape(text(value)))
    out.print(table)


def _rows(item: BaseModel, prefix: str = "") -> Iterator[tuple[str, object]]:
    # Nested objects are spelled out (key.id, key.scopes), but a principal stays kind/name.
    for name in type(item).model_fields:
        value = getattr(item, name)
        if isinstance(value, BaseModel) and not hasattr(value, "kind"):
            yield from _rows(value, f"{prefix}{name}.")
        else:
            yield f"{prefix}{name}", value


def show_list(items: Sequence[T], fmt: Format, columns: Sequence[Column], *, empty: str) -> None:
    """A list: a rich table with ``columns``, or a JSON array of every field of every item."""
    if fmt is Format.JSON:
        _json([dump(item) if isinstance(item, BaseModel) else item for item in items])
        return
    if not items:
        err.print(empty)
        return
    table = Table(header_style="bold")
    for each in columns:
        table.add_column(each.header, overflow="fold")
    for item in items:
        table.add_row(*(escape(text(each.read(item))) for each in columns))
    out.print(table)


def say(message: str, *, markup: bool = True) -> None:
    """A message for the person at the terminal (stderr; rich markup unless ``markup=False``)."""
    err.print(message, markup=markup, highlight=False)


@contextmanager
def progress(what: str) -> Iterator[Callable[[int], None]]:
    """A spinner on stderr while ``what`` runs (only on a terminal); call the hook with a count."""
    if not err.is_terminal:
        yield lambda count: None
        return
    with err.status(f"{what}...") as status:
        yield lambda count: status.update(f"{what}... {count:,}")


def collect(items: Iterable[T], what: str, limit: int | None) -> list[T]:
    """Every item of ``items`` (up to ``limit``), with progress as pages arrive."""
    found: list[T] = []
    with progress(what) as tick:
        for item in items:
            found.append(item)
            tick(len(found))
            if limit is not None and len(found) >= limit:
                break
    return found
