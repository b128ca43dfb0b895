"""What several command groups share: principals as ``kind/name``, private files, confirmations."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

import typer

from keyhouse_cli.errors import CliError
from keyhouse_cli.output import Column, Format, collect, say, show_list
from keyhouse_cli.session import connect
from keyhouse_client import NOT_GIVEN, Keyhouse, NotGiven

T = TypeVar("T")
PrincipalKind = Literal["user", "role"]

Yes = Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")]
Limit = Annotated[int | None, typer.Option(help="At most this many.", min=1)]
PAGE = 200  # the service's largest page


def given(value: T | None) -> T | NotGiven:
    """An option left out (None) stays out of the request."""
    return NOT_GIVEN if value is None else value


def list_all(
    pages: Callable[[Keyhouse, int], Iterable[Any]],
    what: str,
    limit: int | None,
    output: Format,
    columns: Sequence[Column],
    empty: str,
) -> None:
    """Print every item ``pages(kh, page_size)`` yields (up to ``limit``), as a table or JSON."""
    with connect() as kh:
        found = collect(pages(kh, min(limit or PAGE, PAGE)), what, limit)
    show_list(found, output, columns, empty=empty)


def confirm_and_run(
    question: str, yes: Yes, action: Callable[[Keyhouse], object], done: str
) -> None:
    """Confirm (at a terminal), run ``action``, and say ``done``."""
    confirm(question, yes)
    with connect() as kh:
        action(kh)
    say(done)


def principal(value: str, what: str = "principal") -> tuple[PrincipalKind, str]:
    """``user/alice`` or ``role/dbx`` (a bare name is a user) as (kind, name)."""
    kind, slash, name = value.partition("/")
    if not slash:
        return "user", value
    if kind not in ("user", "role") or not name:
        raise CliError(f"{what}: '{value}' is not user/<name> or role/<name>")
    return ("user" if kind == "user" else "role"), name


def write_private(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` with mode 0600 from the first byte (an existing file too)."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(descriptor, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)


def confirm(question: str, yes: bool) -> None:
    """Ask at a terminal unless ``--yes``; scripts (no terminal) are not asked.

    The question goes to stderr, so that stdout holds only the result (``-o json``).
    """
    if yes or not sys.stdin.isatty():
        return
    # Not typer.confirm: its prompt leaves a space on stdout.
    sys.stderr.write(f"{question} [y/N]: ")
    sys.stderr.flush()
    if sys.stdin.readline().strip().lower() not in {"y", "yes"}:
        raise typer.Abort()


def read_stdin(what: str) -> str:
    """Everything on stdin, without its final newline (refused at a terminal)."""
    if sys.stdin.isatty():
        raise CliError(f"{what}: nothing piped in on stdin")
    return sys.stdin.read().removesuffix("\n")


def json_document(path: str, what: str) -> Any:
    """A JSON document from the file ``path`` (``-`` for stdin)."""
    source = "stdin" if path == "-" else path
    raw = read_stdin(what) if path == "-" else Path(path).expanduser().read_text()
    try:
        return json.loads(raw)
    except json.JSONDecodeError as exc:
        raise CliError(
            f"{what}: {source} is not JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
        ) from None
