"""``keyhouse settings``: the key lifetime policy (admins change it)."""

from __future__ import annotations

from typing import Annotated

import typer

from keyhouse_cli.commands._shared import given
from keyhouse_cli.errors import CliError
from keyhouse_cli.output import Format, Output, show
from keyhouse_cli.session import connect

app = typer.Typer(help="The key lifetime policy: show, set (admins).", invoke_without_command=True)


@app.callback()
def settings(ctx: typer.Context, output: Output = Format.TABLE) -> None:
    """The key lifetime policy: a key's default lifetime and the longest allowed."""
    if ctx.invoked_subcommand is None:
        with connect() as kh:
            show(kh.settings.get(), output)


@app.command("show")
def show_(output: Output = Format.TABLE) -> None:
    """Show the key lifetime policy."""
    with connect() as kh:
        show(kh.settings.get(), output)


@app.command("set")
def set_(
    default_key_lifetime_days: Annotated[
        int | None, typer.Option(help="Lifetime of a key made without an expiry.")
    ] = None,
    max_key_lifetime_days: Annotated[
        int | None, typer.Option(help="The longest lifetime a key may be given.")
    ] = None,
    output: Output = Format.TABLE,
) -> None:
    """Change the key lifetime policy (admins). The default may not exceed the maximum."""
    if default_key_lifetime_days is None and max_key_lifetime_days is None:
        raise CliError(
            "nothing to change: give --default-key-lifetime-days, --max-key-lifetime-days or both"
        )
    with connect() as kh:
        changed = kh.settings.update(
            default_key_lifetime_days=given(default_key_lifetime_days),
            max_key_lifetime_days=given(max_key_lifetime_days),
        )
    show(changed, output)
