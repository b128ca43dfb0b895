"""``keyhouse users``: people (admins manage them)."""

from __future__ import annotations

from typing import Annotated

import typer

from keyhouse_cli.commands._shared import Yes, confirm
from keyhouse_cli.output import Format, Output, collect, column, say, show, show_list
from keyhouse_cli.session import connect
from keyhouse_client import NOT_GIVEN

app = typer.Typer(help="Users (admins): create, list, show, update, delete.")

COLUMNS = [
    column("name", "name"),
    column("email", "email"),
    column("admin", "is_admin"),
    column("created", "created_at"),
]
Name = Annotated[str, typer.Argument(help="The user's name.")]


@app.command()
def create(
    name: Name,
    email: Annotated[str | None, typer.Option(help="The user's email address.")] = None,
    admin: Annotated[bool, typer.Option("--admin", help="Make the user an admin.")] = False,
    output: Output = Format.TABLE,
) -> None:
    """Create a user."""
    with connect() as kh:
        user = kh.users.create(
            name=name, email=email if email is not None else NOT_GIVEN, is_admin=admin
        )
    say(f"Created user {user.name}{' (admin)' if user.is_admin else ''}.")
    show(user, output)


@app.command("list")
def list_(
    limit: Annotated[int | None, typer.Option(help="At most this many.", min=1)] = None,
    output: Output = Format.TABLE,
) -> None:
    """List users."""
    with connect() as kh:
        found = collect(kh.users.iter(limit=min(limit or 200, 200)), "Listing users", limit)
    show_list(found, output, COLUMNS, empty="No users.")


@app.command("show")
def show_(name: Name, output: Output = Format.TABLE) -> None:
    """One user."""
    with connect() as kh:
        show(kh.users.get(user=name), output)


@app.command()
def update(
    name: Name,
    email: Annotated[str | None, typer.Option(help="A new email address.")] = None,
    admin: Annotated[
        bool | None, typer.Option("--admin/--no-admin", help="Grant or remove admin rights.")
    ] = None,
    output: Output = Format.TABLE,
) -> None:
    """Change a user's email or admin rights (the last admin stays an admin)."""
    with connect() as kh:
        user = kh.users.update(
            user=name,
            email=email if email is not None else NOT_GIVEN,
            is_admin=admin if admin is not None else NOT_GIVEN,
        )
    show(user, output)


@app.command()
def delete(name: Name, yes: Yes = False) -> None:
    """Delete a user with their keys and private secrets."""
    confirm(f"Delete user {name}, their API keys and their private secrets?", yes)
    with connect() as kh:
        kh.users.delete(user=name)
    say(f"Deleted user {name}.")
