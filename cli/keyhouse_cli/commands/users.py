"""``keyhouse users``: people (admins manage them)."""

from __future__ import annotations

from typing import Annotated

import typer

from keyhouse_cli.commands._shared import Limit, Yes, confirm_and_run, given, list_all
from keyhouse_cli.output import Format, Output, column, say, show
from keyhouse_cli.session import connect

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
        user = kh.users.create(name=name, email=given(email), is_admin=admin)
    say(f"Created user {user.name}{' (admin)' if user.is_admin else ''}.")
    show(user, output)


@app.command("list")
def list_(limit: Limit = None, output: Output = Format.TABLE) -> None:
    """List users."""
    list_all(
        lambda kh, page: kh.users.iter(limit=page), "Listing users", limit, output, COLUMNS,
        "No users.",
    )  # fmt: skip


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
        show(kh.users.update(user=name, email=given(email), is_admin=given(admin)), output)


@app.command()
def delete(name: Name, yes: Yes = False) -> None:
    """Delete a user with their keys and private secrets."""
    confirm_and_run(
        f"Delete user {name}, their API keys and their private secrets?",
        yes,
        lambda kh: kh.users.delete(user=name),
        f"Deleted user {name}.",
    )
