"""``keyhouse scopes``: the scope catalog keys are made from."""

from __future__ import annotations

from typing import Annotated

import typer

from keyhouse_cli.commands._shared import list_all
from keyhouse_cli.output import Format, Output, column, say, show
from keyhouse_cli.session import connect

app = typer.Typer(help="The scope catalog: list, create (admins).")

COLUMNS = [
    column("name", "name"),
    column("built in", "builtin"),
    column("description", "description"),
]


@app.command("list")
def list_(output: Output = Format.TABLE) -> None:
    """List the scopes keys may hold."""
    list_all(
        lambda kh, page: kh.scopes.iter(limit=page),
        "Listing scopes",
        None,
        output,
        COLUMNS,
        "No scopes.",
    )


@app.command()
def create(
    name: Annotated[str, typer.Argument(help="The scope's name.")],
    description: Annotated[str, typer.Option(help="What it lets a key do.")] = "",
    output: Output = Format.TABLE,
) -> None:
    """Add a custom scope, for downstream services to check (admins)."""
    with connect() as kh:
        scope = kh.scopes.create(name=name, description=description)
    say(f"Created scope {scope.name}.")
    show(scope, output)
