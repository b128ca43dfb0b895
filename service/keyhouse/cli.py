"""The ``keyhouse`` command: ``init``, ``server``, ``openapi``, ``backup``, ``master-key``,
``provider install``."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from keyhouse.core.config import Settings
from keyhouse.core.crypto import MasterKeyError
from keyhouse.core.state import AppState
from keyhouse.domain.bootstrap import Bootstrapped, bootstrap

app = typer.Typer(
    help="Keyhouse: API keys, secrets and access policies as code.", no_args_is_help=True
)
err = Console(stderr=True, soft_wrap=True)


def _prepare(settings: Settings) -> AppState:
    from keyhouse.core.db import upgrade_schema

    try:
        state = AppState.from_settings(settings)
    except MasterKeyError as exc:
        err.print(f"[red]error:[/] {exc}")
        raise typer.Exit(2) from None
    upgrade_schema(state.engine)
    try:
        state.load_key_material()
    except MasterKeyError as exc:
        err.print(f"[red]error:[/] {exc}")
        raise typer.Exit(2) from None
    return state


def _bootstrap(state: AppState, admin_name: str) -> Bootstrapped | None:
    with state.sessions() as session, session.begin():
        return bootstrap(session, state.digester, admin_name)


def _announce(done: Bootstrapped, key_file: Path | None) -> None:
    if key_file is not None:
        descriptor = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(done.key + "\n")
        err.print(
            f"Created admin user [bold]{done.admin_name}[/]; its API key (id {done.key_id}) "
            f"was written to {key_file} (mode 0600)."
        )
        return
    err.print(
        f"Created admin user [bold]{done.admin_name}[/] and its API key (id {done.key_id}). "
        "It is shown once, now; store it in a safe place:"
    )
    print(done.key, flush=True)


KeyFile = Annotated[
    Path | None,
    typer.Option(help="Write the admin key to this file (mode 0600) instead of printing it."),
]


@app.command()
def init(
    admin: Annotated[str | None, typer.Option(help="Name of the admin user.")] = None,
    key_file: KeyFile = None,
) -> None:
    """Create the schema, the admin user and one admin API key on an empty database."""
    settings = Settings()
    state = _prepare(settings)
    try:
        done = _bootstrap(state, admin or settings.admin_name)
    finally:
        state.close()
    if done is None:
        err.print("Already initialized: users exist, so no new admin key was made.")
        raise typer.Exit(1)
    _announce(done, key_file)


@app.command()
def server(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8787,
    key_file: KeyFile = None,
    access_log: Annotated[bool, typer.Option(help="Log one line per request.")] = True,
) -> None:
    """Run the key service: migrate, bootstrap an empty database, then serve.

    SIGTERM (or Ctrl-C) stops accepting connections, lets in-flight requests
    finish (up to KEYHOUSE_SHUTDOWN_GRACE_SECONDS) and writes batched
    last-used times before the process exits.
    """
    import uvicorn

    from keyhouse.core.http_server import protocol_with_header_timeout
    from keyhouse.core.logs import configure_logging
    from keyhouse.main import create_app

    settings = Settings()
    log_config = configure_logging(settings.log_format)
    state = _prepare(settings)
    try:
        done = _bootstrap(state, settings.admin_name)
    finally:
        state.close()
    if done is not None:
        _announce(done, key_file)
    uvicorn.run(
        create_app(settings, log_requests=access_log),
        host=host,
        port=port,
        # The app writes its own request lines (structured, with the request id).
        access_log=False,
        log_config=log_config,
        http=protocol_with_header_timeout(settings.header_timeout_seconds),
        timeout_keep_alive=settings.keep_alive_seconds,
        timeout_graceful_shutdown=settings.shutdown_grace_seconds,
    )


@app.command()
def openapi(
    output: Annotated[Path | None, typer.Option(help="Write here instead of stdout.")] = None,
) -> None:
    """Print the service's OpenAPI document (committed as client/openapi.json)."""
    from keyhouse.main import create_app

    document = json.dumps(create_app(Settings()).openapi(), indent=2, sort_keys=False) + "\n"
    if output is None:
        sys.stdout.write(document)
    else:
        output.write_text(document)


@app.command()
def backup(
    destination: Annotated[Path, typer.Argument(help="The file to write (mode 0600).")],
) -> None:
    """Write a consistent snapshot of the live SQLite database (the service may keep running).

    The master key is not in the snapshot and must be kept apart from it:
    without the key no secret in the backup can be read, and with both
    together every secret can.
    """
    from keyhouse.maintenance.backup import BackupError, backup_sqlite

    settings = Settings()
    try:
        done = backup_sqlite(
            settings.database_url,
            destination,
            progress=lambda copied, total: err.print(f"  {copied}/{total} pages", end="\r"),
        )
    except BackupError as exc:
        err.print(f"[red]error:[/] {exc}")
        raise typer.Exit(2) from None
    err.print(
        f"Backed up {done.pages} pages ({done.bytes} bytes) to {done.path}.\n"
        "The master key is NOT in it: keep the key (KEYHOUSE_MASTER_KEY or "
        f"{settings.master_key_file}) apart from the backup; restoring needs both."
    )


master_key_app = typer.Typer(help="The master key that wraps every data key.", no_args_is_help=True)
app.add_typer(master_key_app, name="master-key")


@master_key_app.command("rotate")
def master_key_rotate() -> None:
    """Re-wrap every data key under a new master key, while the service runs.

    The key file ends up holding only the new key; API keys keep working.
    """
    from keyhouse.maintenance.master_key import rotate_master_key

    settings = Settings()
    state = _prepare(settings)
    try:
        done = rotate_master_key(settings, state, progress=lambda line: err.print(line))
    except MasterKeyError as exc:
        err.print(f"[red]error:[/] {exc}")
        raise typer.Exit(2) from None
    finally:
        state.close()
    err.print(
        f"Rotated to master key version {done.new_version}: {done.secrets} secret(s) and "
        f"{done.idempotency_records} stored response(s) re-wrapped. Back up "
        f"{settings.master_key_file} now (apart from the database); the old key is no longer "
        "needed for this database (older backups still need it)."
    )


provider_app = typer.Typer(help="The Terraform provider keyhouse/keyhouse.", no_args_is_help=True)
app.add_typer(provider_app, name="provider")


@provider_app.command("install")
def provider_install(
    directory: Annotated[
        Path | None,
        typer.Option(
            "--dir",
            help="Filesystem mirror to install into (default: Terraform's implied local "
            "mirror, ~/.terraform.d/plugins).",
        ),
    ] = None,
) -> None:
    """Install the provider so that a plain `terraform init` finds it, offline."""
    import importlib.util

    # Imported here: the service's commands do not load the provider.
    from keyhouse_provider import SOURCE, VERSION
    from keyhouse_provider.install import install

    if importlib.util.find_spec("tf") is None:
        err.print("[red]error:[/] the provider needs the 'tf' package: install keyhouse[provider]")
        raise typer.Exit(2)
    launcher = install(directory)
    err.print(f"Installed {SOURCE} {VERSION}: {launcher}")
    if directory is not None:
        mirror = launcher.parents[5]
        err.print(
            "List the mirror in your Terraform CLI configuration (TF_CLI_CONFIG_FILE):\n"
            "provider_installation {\n"
            f'  filesystem_mirror {{\n    path    = "{mirror}"\n'
            '    include = ["keyhouse/keyhouse"]\n  }\n'
            '  direct {\n    exclude = ["keyhouse/keyhouse"]\n  }\n}',
            markup=False,
        )
    print(launcher)


if __name__ == "__main__":
    app()
