"""The ``keyhouse`` command: the root, its options, and every command group."""

from __future__ import annotations

import os
import sys
from importlib.metadata import PackageNotFoundError, version
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from keyhouse_cli import operator
from keyhouse_cli.commands import (
    audit,
    keys,
    login,
    members,
    policies,
    projects,
    provider,
    roles,
    scopes,
    secrets,
    settings,
    users,
)
from keyhouse_cli.errors import REFUSED, USAGE, describe
from keyhouse_cli.session import choose_profile

INTERRUPTED = 130  # the shells' status for a process ended by SIGINT


class KeyhouseGroup(TyperGroup):
    """The root group: its own commands, then the service's operator commands, loaded late."""

    def list_commands(self, ctx: Any) -> list[str]:
        return [*super().list_commands(ctx), *operator.names(ctx)]

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        return super().get_command(ctx, cmd_name) or operator.command(ctx, cmd_name)


app = typer.Typer(
    cls=KeyhouseGroup,
    help="Keyhouse: API keys, secrets and access policies, from the terminal.\n\n"
    "Connects with a `keyhouse login` profile, or KEYHOUSE_URL and KEYHOUSE_API_KEY.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version() -> str:
    try:
        return version("keyhouse")
    except PackageNotFoundError:  # run from a checkout without installing
        return "unknown"


def _print_version(value: bool) -> None:
    if value:
        from keyhouse_client import __version__ as client_version

        typer.echo(f"keyhouse {_version()} (client for the Keyhouse API {client_version})")
        raise typer.Exit()


@app.callback()
def root(
    profile: Annotated[
        str | None,
        typer.Option(
            envvar="KEYHOUSE_PROFILE",
            help="The `keyhouse login` profile to use (default: KEYHOUSE_URL and "
            "KEYHOUSE_API_KEY if set, else the 'default' profile).",
        ),
    ] = None,
    show_version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_print_version, is_eager=True, help="Print the version."
        ),
    ] = False,
) -> None:
    """Keyhouse: API keys, secrets and access policies, from the terminal."""
    choose_profile(profile)


app.command()(login.login)
app.command()(login.logout)
app.command()(login.whoami)
app.add_typer(keys.app, name="keys")
app.add_typer(secrets.app, name="secrets")
app.add_typer(projects.app, name="projects")
app.add_typer(members.app, name="members")
app.add_typer(users.app, name="users")
app.add_typer(roles.app, name="roles")
app.add_typer(policies.app, name="policies")
app.add_typer(scopes.app, name="scopes")
app.command()(audit.audit)
app.add_typer(settings.app, name="settings")
app.add_typer(provider.app, name="provider")


def _usage_error(error: BaseException) -> str | None:
    # Typer's (click's) usage errors: one line instead of a usage box.
    formatter = getattr(error, "format_message", None)
    if callable(formatter) and isinstance(getattr(error, "exit_code", None), int):
        context = getattr(error, "ctx", None)
        where = f" (see `{context.command_path} --help`)" if context is not None else ""
        return f"{formatter()}{where}"
    return None


def main() -> None:
    """Run the command; every failure ends as one line on stderr, never a traceback."""
    try:
        code = app(standalone_mode=False)
    except typer.Abort:
        typer.echo("error: aborted", err=True)
        sys.exit(REFUSED)
    except KeyboardInterrupt:
        typer.echo("error: interrupted", err=True)
        sys.exit(INTERRUPTED)
    except Exception as error:
        known = describe(error)
        if known is not None:
            message, status = known
            typer.echo(f"error: {message}", err=True)
            sys.exit(status)
        usage = _usage_error(error)
        if usage is not None:
            typer.echo(f"error: {usage}", err=True)
            sys.exit(USAGE)
        if os.environ.get("KEYHOUSE_DEBUG"):
            raise
        typer.echo(
            f"error: unexpected {type(error).__name__}: {error} (KEYHOUSE_DEBUG=1 shows where)",
            err=True,
        )
        sys.exit(REFUSED)
    if code == INTERRUPTED:  # typer turns Ctrl-C inside a command into a silent Exit(130)
        typer.echo("error: interrupted", err=True)
    sys.exit(code if isinstance(code, int) else 0)
