"""``keyhouse projects``: create, list, show, update, delete (members: ``keyhouse members``)."""

from __future__ import annotations

from typing import Annotated

import typer

from keyhouse_cli.commands._shared import Limit, Yes, confirm_and_run, given, list_all
from keyhouse_cli.output import Format, Output, column, say, show
from keyhouse_cli.session import connect

app = typer.Typer(help="Projects: create, list, show, update, delete.")

COLUMNS = [
    column("name", "name"),
    column("my role", "my_role"),
    column("description", "description"),
    column("created", "created_at"),
]
Name = Annotated[str, typer.Argument(help="The project's name.")]
Description = Annotated[str | None, typer.Option(help="What the project is for.")]


@app.command()
def create(name: Name, description: Description = None, output: Output = Format.TABLE) -> None:
    """Create a project; you become its owner."""
    with connect() as kh:
        project = kh.projects.create(name=name, description=given(description))
    say(f"Created project {project.name}.")
    show(project, output)


@app.command("list")
def list_(limit: Limit = None, output: Output = Format.TABLE) -> None:
    """List the projects you collaborate on (admins: every project)."""
    list_all(
        lambda kh, page: kh.projects.iter(limit=page),
        "Listing projects",
        limit,
        output,
        COLUMNS,
        "No projects.",
    )


@app.command("show")
def show_(name: Name, output: Output = Format.TABLE) -> None:
    """One project."""
    with connect() as kh:
        show(kh.projects.get(project=name), output)


@app.command()
def update(name: Name, description: Description = None, output: Output = Format.TABLE) -> None:
    """Change a project's description."""
    with connect() as kh:
        show(kh.projects.update(project=name, description=description), output)


@app.command()
def delete(name: Name, yes: Yes = False) -> None:
    """Delete a project (refused while it holds secrets or restricted keys)."""
    confirm_and_run(
        f"Delete project {name}?",
        yes,
        lambda kh: kh.projects.delete(project=name),
        f"Deleted project {name}.",
    )
