"""``keyhouse roles``: machine identities, such as a compute cluster's."""

from __future__ import annotations

from typing import Annotated

import typer

from keyhouse_cli.commands._shared import Limit, Yes, confirm_and_run, given, list_all
from keyhouse_cli.output import Format, Output, column, say, show
from keyhouse_cli.session import connect

app = typer.Typer(help="Roles (admins): create, list, show, update, delete.")

COLUMNS = [
    column("name", "name"),
    column("description", "description"),
    column("created", "created_at"),
]
Name = Annotated[str, typer.Argument(help="The role's name.")]
Description = Annotated[str | None, typer.Option(help="What the role is for.")]


@app.command()
def create(name: Name, description: Description = None, output: Output = Format.TABLE) -> None:
    """Create a role."""
    with connect() as kh:
        role = kh.roles.create(name=name, description=given(description))
    say(f"Created role {role.name}.")
    show(role, output)


@app.command("list")
def list_(limit: Limit = None, output: Output = Format.TABLE) -> None:
    """List roles."""
    list_all(
        lambda kh, page: kh.roles.iter(limit=page), "Listing roles", limit, output, COLUMNS,
        "No roles.",
    )  # fmt: skip


@app.command("show")
def show_(name: Name, output: Output = Format.TABLE) -> None:
    """One role."""
    with connect() as kh:
        show(kh.roles.get(role=name), output)


@app.command()
def update(name: Name, description: Description = None, output: Output = Format.TABLE) -> None:
    """Change a role's description."""
    with connect() as kh:
        show(kh.roles.update(role=name, description=description), output)


@app.command()
def delete(name: Name, yes: Yes = False) -> None:
    """Delete a role with its keys and private secrets."""
    confirm_and_run(
        f"Delete role {name}, its API keys and its private secrets?",
        yes,
        lambda kh: kh.roles.delete(role=name),
        f"Deleted role {name}.",
    )
