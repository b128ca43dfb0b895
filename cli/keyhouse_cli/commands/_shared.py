"""What several command groups share: principals as ``kind/name``, private files, confirmations."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Annotated, Any, Literal

import typer

from keyhouse_cli.errors import CliError

PrincipalKind = Literal["user", "role"]

Yes = Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")]


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
    """Ask at a terminal unless ``--yes``; scripts (no terminal) are not asked."""
    if yes or not sys.stdin.isatty():
        return
    if not typer.confirm(question, default=False):
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
