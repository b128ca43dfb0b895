"""``keyhouse audit``: who did what, with which key, to what (admins)."""

from __future__ import annotations

from typing import Annotated

import typer

from keyhouse_cli.commands._shared import list_all
from keyhouse_cli.output import Format, Output, column

COLUMNS = [
    column("at", "at"),
    column("principal", "principal"),
    column("key id", "key_id"),
    column("action", "action"),
    column("target", "target"),
    column("outcome", "outcome"),
]


def audit(
    principal: Annotated[
        str | None, typer.Option(help="Only events of this principal (user/<name>, role/<name>).")
    ] = None,
    action: Annotated[
        str | None, typer.Option(help="Only this action, e.g. secrets:GetSecretValue.")
    ] = None,
    limit: Annotated[int, typer.Option(help="At most this many events.", min=1)] = 50,
    output: Output = Format.TABLE,
) -> None:
    """The audit log, newest first (admins)."""
    list_all(
        lambda kh, page: kh.audit.iter(principal=principal, action=action, limit=page),
        "Reading the audit log",
        limit,
        output,
        COLUMNS,
        "No audit events match.",
    )
