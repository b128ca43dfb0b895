"""``keyhouse keys``: create and roll (the key shown once), list, show, revoke, delete, verify."""

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

app = typer.Typer(
    help="API keys: create and roll (the key shown once), list, show, revoke, delete, verify."
)

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
Status = Literal["active", "rolled", "revoked", "expired"]


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
    status: Annotated[
        Status | None, typer.Option(help="active, rolled, revoked or expired.")
    ] = None,
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


_OVERLAP_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def _overlap(text: str) -> int:
    """``24h``, ``30m``, ``90s``, ``2d`` or plain seconds, in whole seconds."""
    number, unit = (text[:-1], text[-1].lower()) if text[-1:].isalpha() else (text, "s")
    try:
        amount = float(number)
    except ValueError:
        amount = -1.0
    if unit not in _OVERLAP_UNITS or not 0 <= amount < float("inf"):
        raise CliError(
            f"--overlap: '{text}' is not a duration (24h, 30m, 90s or 2d; 0 ends the old key now)"
        )
    return round(amount * _OVERLAP_UNITS[unit])


@app.command()
def roll(
    key_id: KeyId,
    overlap: Annotated[
        str,
        typer.Option(
            help="How long the old key keeps working: 24h, 30m, 90s, 2d; 0 ends it now. "
            "Never past its own expiry."
        ),
    ] = "24h",
    scope: Annotated[
        list[str] | None,
        typer.Option("--scope", "-s", help="New scopes for the new key (default: the old key's)."),
    ] = None,
    project: Annotated[
        str | None,
        typer.Option(help="Restrict the new key to this project (default: as the old key)."),
    ] = None,
    expires_in_days: Annotated[
        int | None,
        typer.Option(help="The new key's lifetime in days (default: the old key's, from now)."),
    ] = None,
    expires_at: Annotated[
        str | None, typer.Option(help="The new key's expiry, ISO 8601 with a zone.")
    ] = None,
    key_file: Annotated[
        Path | None,
        typer.Option(help="Write the new key to this file (mode 0600) instead of printing it."),
    ] = None,
    store_in_secret: Annotated[
        str | None,
        typer.Option(
            help="The secret that holds the old key: the new key becomes its next version "
            "(same secret, same arn) instead of being printed."
        ),
    ] = None,
    secret_project: Annotated[
        str | None,
        typer.Option(help="The project that secret is shared with (default: a private one)."),
    ] = None,
    yes: Yes = False,
    output: Output = Format.TABLE,
) -> None:
    """Roll an API key: a new key takes its place (shown once); the old one works for the overlap.

    The new key keeps the old one's name, owner, scopes, project and lifetime unless
    told otherwise. The old key is listed as rolled until the overlap ends.
    """
    if key_file is not None and store_in_secret is not None:
        raise CliError("give --key-file or --store-in-secret, not both")
    if secret_project is not None and store_in_secret is None:
        raise CliError("--secret-project needs --store-in-secret")
    seconds = _overlap(overlap)
    moment = _moment(expires_at, "--expires-at") if expires_at else None
    if seconds == 0:
        confirm(f"Roll API key {key_id} with no overlap? The old key stops working now.", yes)
    with connect() as kh:
        secret_id = None
        if store_in_secret is not None:
            secret_id = kh.secrets.get_by_name(name=store_in_secret, project=secret_project).id
        rolled = kh.api_keys.roll(
            key_id=key_id,
            overlap_seconds=seconds,
            scopes=given(scope),
            project=given(project),
            expires_in_days=given(expires_in_days),
            expires_at=given(moment),
            store_in_secret_id=given(secret_id),
        )
    old = rolled.replaces
    done = (
        f"Rolled API key {rolled.name}: the new key has id {rolled.id} (expires "
        f"{rolled.expires_at:%Y-%m-%d}); the old key {old.id} works until "
        f"{old.expires_at:%Y-%m-%d %H:%MZ}."
    )
    public = rolled.model_copy(update={"key": None})
    if rolled.secret is not None:
        say(f"{done} The new key is version {rolled.secret.version} of {rolled.secret.arn}.")
        show(public, output)
        return
    if rolled.key is None:  # the service returns the key whenever it kept it nowhere
        raise CliError(
            f"the service kept the new key {rolled.id} nowhere and returned none", REFUSED
        )
    if key_file is not None:
        write_private(key_file, (rolled.key.get_secret_value() + "\n").encode())
        say(f"{done} The new key is written to {key_file} (0600).")
        show(public, output)
        return
    if output is Format.JSON:
        show(rolled, output, reveal=True)  # the new key is in it: the one time it is shown
        return
    say(f"{done} The new key is shown once, now:")
    sys.stdout.write(rolled.key.get_secret_value() + "\n")


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
