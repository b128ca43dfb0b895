"""``keyhouse projects``: create, list, show, update, delete (members: ``keyhouse members``)."""

from __future__ import annotations

from typing import Annotated

import typer

from keyhouse_cli.commands._shared import Yes, confirm
from keyhouse_cli.output import Format, Output, collect, column, say, show, show_list
from keyhouse_cli.session import connect
from keyhouse_client import NOT_GIVEN

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
        project = kh.projects.create(
            name=name, description=description if description is not None else NOT_GIVEN
        )
    say(f"Created project {project.name}.")
    show(project, output)


@app.command("list")
def list_(
    limit: Annotated[int | None, typer.Option(help="At most this many.", min=1)] = None,
    output: Output = Format.TABLE,
) -> None:
    """List the projects you collaborate on (admins: every project)."""
    with connect() as kh:
        found = collect(kh.projects.iter(limit=min(limit or 200, 200)), "Listing projects", limit)
    show_list(found, output, COLUMNS, empty="No projects.")


@app.command("show")
def show_(name: Name, output: Output = Format.TABLE) -> None:
    """One project."""
    with connect() as kh:
        show(kh.projects.get(project=name), output)


@app.command()
def update(name: Name, description: Description = None, output: Output = Format.TABLE) -> None:
    """Change a project's description."""
    with connect() as kh:
        project = kh.projects.update(project=name, description=description)
    show(project, output)


@app.command()
def delete(name: Name, yes: Yes = False) -> None:
    """Delete a project (refused while it holds secrets or restricted keys)."""
    confirm(f"Delete project {name}?", yes)
    with connect() as kh:
        kh.projects.delete(project=name)
    say(f"Deleted project {name}.")
