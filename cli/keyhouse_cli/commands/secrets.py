"""``keyhouse secrets``: put (text or a file), get (to stdout or a file), list, show, delete."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Literal

import typer

from keyhouse_cli.commands._shared import (
    Limit,
    Yes,
    confirm,
    given,
    list_all,
    read_stdin,
    write_private,
)
from keyhouse_cli.errors import REFUSED, CliError
from keyhouse_cli.output import Format, Output, column, say, show
from keyhouse_cli.session import connect
from keyhouse_client import Keyhouse, NotFoundError, PreconditionFailedError, models
from keyhouse_client.resources.secrets import value_bytes

app = typer.Typer(help="Secrets: put (text or a file), get, list, show, delete.")

COLUMNS = [
    column("name", "name"),
    column("type", "type"),
    column("visibility", "visibility"),
    column("project", "project"),
    column("version", "version"),
    column("owner", "owner"),
    column("updated", "updated_at"),
]
Name = Annotated[str, typer.Argument(help="The secret's name, e.g. team/db-password.")]
Project = Annotated[
    str | None,
    typer.Option(help="The project the secret is shared with (omit for your private secrets)."),
]


def _find(kh: Keyhouse, name: str, project: str | None) -> models.SecretPublic | None:
    try:
        return kh.secrets.get_by_name(name=name, project=project)
    except NotFoundError:
        return None


@app.command()
def put(
    name: Name,
    value: Annotated[
        str | None,
        typer.Argument(help="The value (better: pipe it in on stdin, or use --file)."),
    ] = None,
    file: Annotated[
        Path | None,
        typer.Option(help="Store this file's bytes (a file secret; base64 is handled for you)."),
    ] = None,
    project: Project = None,
    description: Annotated[str | None, typer.Option(help="What the secret is for.")] = None,
    if_version: Annotated[
        int | None,
        typer.Option(
            "--if-version",
            min=1,
            help="Write only if the secret is still at this version (as `secrets show` "
            "said); without it, at the version read just before writing.",
        ),
    ] = None,
    output: Output = Format.TABLE,
) -> None:
    """Create a secret, or give an existing one a new value (its version increments).

    The value comes from VALUE, from --file, or from stdin when neither is given.
    With --project the secret is shared with that project; without, it is private.
    A new value is a compare-and-set: if someone else changed the secret meanwhile,
    nothing is written and the error names the version it is at now.
    """
    if value is not None and file is not None:
        raise CliError("give VALUE or --file, not both")
    text = value if value is not None or file is not None else read_stdin("the secret's value")
    if text == "":
        raise CliError("value: a secret's value cannot be empty")
    shared = given(project)
    with connect() as kh:
        existing = _find(kh, name, project)
        if existing is None:
            if if_version is not None:
                raise CliError(
                    f"secret {_where(name, project)} does not exist, so it is not at version "
                    f"{if_version} (--if-version): nothing was written",
                    REFUSED,
                )
            described = given(description)
            if file is not None:
                secret = kh.secrets.create_from_file(
                    name, file, project=shared, description=described
                )
            else:
                assert text is not None
                secret = kh.secrets.create(
                    name=name, value=text, project=shared, description=described
                )
            say(f"Created secret {secret.name} ({secret.visibility}, version {secret.version}).")
        else:
            secret = _replace(kh, existing, text, file, if_version or existing.version, project)
            if description is not None:
                secret = kh.secrets.update(secret_id=existing.id, description=description)
            say(f"Updated secret {secret.name} to version {secret.version}.")
    show(secret, output)


def _where(name: str, project: str | None) -> str:
    return f"{name} of project {project}" if project else name


def _replace(
    kh: Keyhouse,
    existing: models.SecretPublic,
    text: str | None,
    file: Path | None,
    expected: int,
    project: str | None,
) -> models.SecretPublic:
    """Write the new value only if the secret is still at version ``expected``.

    Without it, a value written by someone else between our read and our write
    would be replaced unseen (a lost update).
    """
    try:
        if file is not None:
            return kh.secrets.put_file(secret_id=existing.id, path=file, expected_version=expected)
        assert text is not None
        return kh.secrets.put_value(
            secret_id=existing.id, value=text, type="text", expected_version=expected
        )
    except PreconditionFailedError as changed:
        now = changed.current_version
        raise CliError(
            f"secret {_where(existing.name, project)} is at version {now}, not {expected}: "
            "it was changed meanwhile and nothing was written; check it "
            f"(keyhouse secrets show) and run again, or pass --if-version {now} to replace it",
            REFUSED,
        ) from None


@app.command()
def get(
    name: Name,
    project: Project = None,
    output_file: Annotated[
        str | None,
        typer.Option(
            help="Write the value's bytes here (mode 0600; a file secret decoded from "
            "base64); '-' for stdout."
        ),
    ] = None,
    output: Output = Format.TABLE,
) -> None:
    """Print a secret's value (a file secret's as base64), or write its bytes to a file. Audited."""
    with connect() as kh:
        found = kh.secrets.get_value_by_name(name=name, project=project)
    if output_file == "-":
        sys.stdout.buffer.write(value_bytes(found))
        sys.stdout.flush()
        return
    if output_file is not None:
        data = value_bytes(found)
        write_private(Path(output_file), data)
        say(
            f"Wrote {len(data):,} bytes of {found.name} (version {found.version}) to {output_file}."
        )
        return
    if output is Format.JSON:
        show(found, output, reveal=True)  # the value was asked for
        return
    if found.type == "file":
        say("(a file secret, shown as base64: --output-file writes its bytes)")
    sys.stdout.write(found.value.get_secret_value() + "\n")


@app.command("list")
def list_(
    project: Annotated[str | None, typer.Option(help="Only this project's secrets.")] = None,
    visibility: Annotated[
        Literal["private", "project"] | None, typer.Option(help="private or project.")
    ] = None,
    prefix: Annotated[str | None, typer.Option(help="Only names starting so.")] = None,
    limit: Limit = None,
    output: Output = Format.TABLE,
) -> None:
    """List the secrets you may read: names and metadata, never values."""
    list_all(
        lambda kh, page: kh.secrets.iter(
            project=project, visibility=visibility, name_prefix=prefix, limit=page
        ),
        "Listing secrets",
        limit,
        output,
        COLUMNS,
        "No secrets.",
    )


@app.command("show")
def show_(name: Name, project: Project = None, output: Output = Format.TABLE) -> None:
    """A secret's metadata (never its value)."""
    with connect() as kh:
        show(kh.secrets.get_by_name(name=name, project=project), output)


@app.command()
def delete(name: Name, project: Project = None, yes: Yes = False) -> None:
    """Delete a secret and its value."""
    confirm(f"Delete secret {_where(name, project)}?", yes)
    with connect() as kh:
        secret = kh.secrets.get_by_name(name=name, project=project)
        kh.secrets.delete(secret_id=secret.id)
    say(f"Deleted secret {secret.name}.")
