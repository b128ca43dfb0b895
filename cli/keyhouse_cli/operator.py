"""The service's operator commands (``init``, ``server``, ...), mounted only when installed.

They come from ``keyhouse.cli`` and need the ``server`` extra. They are loaded on
first use, so client commands never import the server; without the extra, each
one says which extra it needs.
"""

from __future__ import annotations

import importlib
from typing import Any

import typer
from rich.markup import escape

from keyhouse_cli.errors import USAGE

# The operator commands keyhouse.cli defines (shown as hints when the extra is missing).
KNOWN = ("init", "server", "openapi", "admin", "backup", "master-key")
PANEL = "Service: runs where the service runs (needs the server extra)"
EXTRA = "keyhouse[server]"

_loaded: dict[str, Any] = {}


def _load() -> Any:
    """The operator commands' group, or the name of the module that is missing."""
    if "group" not in _loaded:
        try:
            module = importlib.import_module("keyhouse.cli")
        except ModuleNotFoundError as missing:
            if missing.name is not None and missing.name.split(".")[0] == "keyhouse":
                raise
            _loaded["group"] = None
            _loaded["missing"] = missing.name
        else:
            _loaded["group"] = typer.main.get_command(module.app)
    return _loaded["group"]


def names(ctx: Any) -> list[str]:
    """The operator commands' names."""
    group = _load()
    return list(KNOWN) if group is None else list(group.list_commands(ctx))


def command(ctx: Any, name: str) -> Any | None:
    """The operator command ``name``, a stand-in naming the missing extra, or None."""
    group = _load()
    if group is not None:
        found = group.get_command(ctx, name)
        if found is not None:
            found.rich_help_panel = PANEL
        return found
    if name not in KNOWN:
        return None
    return _stand_in(name, str(_loaded.get("missing")))


def _stand_in(name: str, missing: str) -> Any:
    stand_in = typer.Typer()

    @stand_in.command(
        name=name,
        help=f"Needs the server extra: pip install '{escape(EXTRA)}'.",
        context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
        add_help_option=False,
        rich_help_panel=PANEL,
    )
    def refuse() -> None:
        typer.echo(
            f"error: `keyhouse {name}` runs the service and needs the server extra "
            f"(missing module '{missing}'): pip install '{EXTRA}'",
            err=True,
        )
        raise typer.Exit(USAGE)

    return typer.main.get_command(stand_in)
