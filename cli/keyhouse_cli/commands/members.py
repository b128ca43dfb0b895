"""``keyhouse members``: who collaborates on a project, with which role."""

from __future__ import annotations

from typing import Annotated, Literal

import typer

from keyhouse_cli.commands._shared import Yes, confirm_and_run, list_all, principal
from keyhouse_cli.output import Format, Output, column, say, show
from keyhouse_cli.session import connect

app = typer.Typer(help="Project members: list, add, update, remove.")

COLUMNS = [
    column("kind", "principal_kind"),
    column("name", "principal_name"),
    column("role", "role"),
    column("since", "created_at"),
]
Project = Annotated[str, typer.Argument(help="The project.")]
Member = Annotated[str, typer.Argument(help="user/<name> or role/<name> (a bare name is a user).")]
ProjectRole = Literal["owner", "member", "viewer"]


@app.command("list")
def list_(project: Project, output: Output = Format.TABLE) -> None:
    """List a project's members."""
    list_all(
        lambda kh, page: kh.projects.iter_members(project=project, limit=page),
        "Listing members",
        None,
        output,
        COLUMNS,
        f"Project {project} has no members.",
    )


@app.command()
def add(
    project: Project,
    member: Member,
    role: Annotated[ProjectRole, typer.Option(help="owner, member or viewer.")] = "member",
    output: Output = Format.TABLE,
) -> None:
    """Add a user or a role to a project (owners and admins)."""
    kind, name = principal(member, "MEMBER")
    with connect() as kh:
        added = kh.projects.add_member(
            project=project, principal_kind=kind, principal_name=name, role=role
        )
    say(f"Added {kind}/{name} to {project} as {role}.")
    show(added, output)


@app.command()
def update(
    project: Project,
    member: Member,
    role: Annotated[ProjectRole, typer.Option(help="owner, member or viewer.")],
    output: Output = Format.TABLE,
) -> None:
    """Change a member's role (a project always keeps an owner)."""
    kind, name = principal(member, "MEMBER")
    with connect() as kh:
        changed = kh.projects.update_member(
            project=project, principal_kind=kind, principal_name=name, role=role
        )
    show(changed, output)


@app.command()
def remove(project: Project, member: Member, yes: Yes = False) -> None:
    """Remove a member from a project (a project always keeps an owner)."""
    kind, name = principal(member, "MEMBER")
    confirm_and_run(
        f"Remove {kind}/{name} from project {project}?",
        yes,
        lambda kh: kh.projects.remove_member(
            project=project, principal_kind=kind, principal_name=name
        ),
        f"Removed {kind}/{name} from {project}.",
    )
