"""``keyhouse keys``: API keys — create (shown once), list, show, revoke, delete, verify."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from typing import Annotated, Literal

import typer

from keyhouse_cli.commands._shared import (
    Limit,
    Yes,
    confirm,
    confirm_and_run,
    given,
    list_all,
    principal,
    read_stdin,
    write_private,
)
from keyhouse_cli.errors import REFUSED, CliError
from keyhouse_cli.output import Column, Format, Output, column, say, show
from keyhouse_cli.session import connect
from keyhouse_client import APIError, Keyhouse, models

app = typer.Typer(help="API keys: create (shown once), list, show, revoke, delete, verify.")

COLUMNS = [
    column("name", "name"),
    column("key id", "id"),
    Column("prefix", lambda key: f"{key.prefix}..."),
    column("scopes", "scopes"),
    column("created", "created_at"),
    column("expires", "expires_at"),
    column("last used", "last_used_at"),
    column("status", "status"),
]
Status = Literal["active", "revoked", "expired"]


def _store(
    kh: Keyhouse, created: models.ApiKeyCreated, name: str, project: str | None
) -> models.SecretPublic:
    """Keep the new key in a secret; if the service refuses the secret, delete the key again."""
    try:
        return kh.secrets.create(name=name, value=created.key, project=project)
    except APIError:
        kh.api_keys.delete(key_id=created.id)
        raise


def _moment(value: str, option: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise CliError(f"{option}: '{value}' is not an ISO 8601 time (2027-01-01T00:00Z)") from None
    if moment.tzinfo is None:
        raise CliError(f"{option}: '{value}' has no time zone (write 2027-01-01T00:00Z)")
    return moment


@app.command()
def create(
    name: Annotated[str, typer.Argument(help="The key's name, unique among its owner's keys.")],
    scope: Annotated[
        list[str],
        typer.Option("--scope", "-s", help="A scope from the catalog (repeat for more)."),
    ],
    project: Annotated[str | None, typer.Option(help="Restrict the key to this project.")] = None,
    owner: Annotated[
        str | None,
        typer.Option(help="Make it for user/<name> or role/<name> (admins; needs iam:PassRole)."),
    ] = None,
    expires_in_days: Annotated[
        int | None, typer.Option(help="Lifetime in days (default: the admin's default).")
    ] = None,
    expires_at: Annotated[
        str | None, typer.Option(help="Expiry as an ISO 8601 time with a zone: 2027-01-01T00:00Z.")
    ] = None,
    key_file: Annotated[
        Path | None,
        typer.Option(help="Write the key to this file (mode 0600) instead of printing it."),
    ] = None,
    store_in_secret: Annotated[
        str | None,
        typer.Option(help="Keep the key in this secret instead of printing it."),
    ] = None,
    secret_project: Annotated[
        str | None,
        typer.Option(help="The project to share that secret with (default: private)."),
    ] = None,
    output: Output = Format.TABLE,
) -> None:
    """Create an API key. The key is shown once: printed, written to a file, or kept in a secret."""
    if key_file is not None and store_in_secret is not None:
        raise CliError("give --key-file or --store-in-secret, not both")
    if secret_project is not None and store_in_secret is None:
        raise CliError("--secret-project needs --store-in-secret")
    kind, owner_name = principal(owner, "--owner") if owner else ("user", None)
    with connect() as kh:
        created = kh.api_keys.create(
            name=name,
            scopes=scope,
            project=given(project),
            owner_role=given(owner_name if kind == "role" else None),
            owner_user=given(owner_name if kind == "user" else None),
            expires_in_days=given(expires_in_days),
            expires_at=given(_moment(expires_at, "--expires-at") if expires_at else None),
        )
        public = models.ApiKeyPublic.model_validate(created.model_dump(exclude={"key"}))
        if store_in_secret is not None:
            secret = _store(kh, created, store_in_secret, secret_project)
            say(f"Created API key {created.name} (id {created.id}); kept in secret {secret.arn}.")
            show(public, output)
            return
    if key_file is not None:
        write_private(key_file, (created.key.get_secret_value() + "\n").encode())
        say(f"Created API key {created.name} (id {created.id}); written to {key_file} (0600).")
        show(public, output)
        return
    if output is Format.JSON:
        show(created, output, reveal=True)  # the key is in it: the one time it is shown
        return
    say(
        f"Created API key [bold]{created.name}[/] (id {created.id}, prefix {created.prefix}..., "
        f"expires {created.expires_at:%Y-%m-%d}). It is shown once, now:"
    )
    sys.stdout.write(created.key.get_secret_value() + "\n")


@app.command("list")
def list_(
    name: Annotated[str | None, typer.Option(help="Only keys with this name.")] = None,
    prefix: Annotated[str | None, typer.Option(help="Only keys whose prefix starts so.")] = None,
    status: Annotated[Status | None, typer.Option(help="active, revoked or expired.")] = None,
    limit: Limit = None,
    output: Output = Format.TABLE,
) -> None:
    """List the API keys you can see (admins: everyone's), newest first."""
    list_all(
        lambda kh, page: kh.api_keys.iter(name=name, prefix=prefix, status=status, limit=page),
        "Listing API keys",
        limit,
        output,
        COLUMNS,
        "No API keys.",
    )


KeyId = Annotated[str, typer.Argument(help="The Key ID (the part after kh_, shown in lists).")]


@app.command("show")
def show_(key_id: KeyId, output: Output = Format.TABLE) -> None:
    """One API key: owner, scopes, project, expiry, last use, status."""
    with connect() as kh:
        show(kh.api_keys.get(key_id=key_id), output)


@app.command()
def revoke(key_id: KeyId, yes: Yes = False, output: Output = Format.TABLE) -> None:
    """Revoke an API key: final; it stays listed as revoked."""
    confirm(f"Revoke API key {key_id}? This cannot be undone.", yes)
    with connect() as kh:
        revoked = kh.api_keys.revoke(key_id=key_id)
    say(f"Revoked API key {revoked.name} (id {revoked.id}).")
    show(revoked, output)


@app.command()
def delete(key_id: KeyId, yes: Yes = False) -> None:
    """Delete an API key (it no longer works, and is no longer listed)."""
    confirm_and_run(
        f"Delete API key {key_id}?",
        yes,
        lambda kh: kh.api_keys.delete(key_id=key_id),
        f"Deleted API key {key_id}.",
    )


@app.command()
def verify(
    scope: Annotated[
        list[str] | None, typer.Option("--scope", "-s", help="A scope the key must hold.")
    ] = None,
    project: Annotated[
        str | None, typer.Option(help="A project the key's owner must collaborate on.")
    ] = None,
    output: Output = Format.TABLE,
) -> None:
    """Check a key, read from stdin, as a downstream service would: exit 0 if valid, 1 if not.

    The key is read from stdin (`keyhouse keys verify < key.txt`), never taken as an
    argument, so that it stays out of shell history and process lists.
    """
    key = read_stdin("the key to verify").strip()
    with connect() as kh:
        answer = kh.keys.verify(key=key, scopes=scope or [], project=given(project))
    show(answer, output)
    if not answer.valid:
        raise typer.Exit(REFUSED)
