"""``keyhouse audit``: who did what, with which key, to what (admins)."""

from __future__ import annotations

from typing import Annotated

import typer

from keyhouse_cli.output import Format, Output, collect, column, show_list
from keyhouse_cli.session import connect

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
    with connect() as kh:
        found = collect(
            kh.audit.iter(principal=principal, action=action, limit=min(limit, 200)),
            "Reading the audit log",
            limit,
        )
    show_list(found, output, COLUMNS, empty="No audit events match.")
