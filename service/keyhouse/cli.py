"""The service's operator commands: ``init``, ``server``, ``openapi``, ``backup``,
``master-key rotate``, ``admin recover``.

They act on the database and the master key directly, so they need the
``server`` extra. The ``keyhouse`` command (``keyhouse_cli``) mounts them
beside the client commands; ``python -m keyhouse.cli`` runs them alone.
"""

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
from keyhouse.domain.bootstrap import Bootstrapped, bootstrap, recover

app = typer.Typer(
    help="Keyhouse: API keys, secrets and access policies as code.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
err = Console(stderr=True, soft_wrap=True)

DataDir = Annotated[
    Path | None,
    typer.Option(
        "--data-dir",
        envvar="KEYHOUSE_HOME",
        help="Data directory: the database (keyhouse.db), master key (master.key) and the "
        "first admin key (admin.key) default to files in it. KEYHOUSE_DATABASE_URL and "
        "KEYHOUSE_MASTER_KEY(_FILE) still win.",
    ),
]
KeyFile = Annotated[
    Path | None,
    typer.Option(
        help="Write the admin key to this file (mode 0600) instead of printing it "
        "(default with a data directory: <data-dir>/admin.key)."
    ),
]


def settings_for(data_dir: Path | None) -> Settings:
    """The service's settings, with ``data_dir`` (created private) as its home if given."""
    if data_dir is None:
        return Settings()
    data_dir.mkdir(parents=True, exist_ok=True)
    data_dir.chmod(0o700)
    return Settings(home=data_dir)


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


def _key_file(key_file: Path | None, data_dir: Path | None) -> Path | None:
    if key_file is None and data_dir is not None:
        return data_dir / "admin.key"
    return key_file


def _write_private(path: Path, text: str) -> None:
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(descriptor, 0o600)  # an existing file keeps its mode otherwise
    with os.fdopen(descriptor, "w") as handle:
        handle.write(text)


def _announce(done: Bootstrapped, key_file: Path | None, what: str) -> None:
    """Say what was made (``what``), then hand over the key: into ``key_file``, or on stdout."""
    if key_file is not None:
        _write_private(key_file, done.key + "\n")
        err.print(f"{what} (key id {done.key_id}); the key was written to {key_file} (mode 0600).")
        return
    err.print(f"{what} (key id {done.key_id}). It is shown once, now; store it in a safe place:")
    print(done.key, flush=True)


@app.command()
def init(
    admin: Annotated[str | None, typer.Option(help="Name of the admin user.")] = None,
    key_file: KeyFile = None,
    data_dir: DataDir = None,
) -> None:
    """Create the schema, the admin user and one admin API key on an empty database.

    On a database that already has users it only brings the schema up to date and
    exits 0 saying so (a container entrypoint may run it on every start).
    """
    settings = settings_for(data_dir)
    state = _prepare(settings)
    try:
        done = _bootstrap(state, admin or settings.admin_name)
    finally:
        state.close()
    if done is None:
        err.print(
            "Already initialized: the schema is up to date and users exist, so no new admin "
            "key was made (`keyhouse admin recover` makes one)."
        )
        return
    _announce(
        done,
        _key_file(key_file, data_dir),
        f"Created admin user [bold]{done.admin_name}[/] and its API key",
    )


@app.command()
def server(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[
        int, typer.Option(envvar="KEYHOUSE_PORT", help="Port to listen on.", min=1, max=65535)
    ] = 8787,
    key_file: KeyFile = None,
    data_dir: DataDir = None,
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

    settings = settings_for(data_dir)
    log_config = configure_logging(settings.log_format)
    state = _prepare(settings)
    try:
        done = _bootstrap(state, settings.admin_name)
    finally:
        state.close()
    if done is not None:
        _announce(
            done,
            _key_file(key_file, data_dir),
            f"Created admin user [bold]{done.admin_name}[/] and its API key",
        )
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
    data_dir: DataDir = None,
) -> None:
    """Write a consistent snapshot of the live SQLite database (the service may keep running).

    The master key is not in the snapshot and must be kept apart from it:
    without the key no secret in the backup can be read, and with both
    together every secret can.
    """
    from keyhouse.maintenance.backup import BackupError, backup_sqlite

    settings = settings_for(data_dir)
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
def master_key_rotate(data_dir: DataDir = None) -> None:
    """Re-wrap every data key under a new master key, while the service runs.

    The key file ends up holding only the new key; API keys keep working.
    """
    from keyhouse.maintenance.master_key import rotate_master_key

    settings = settings_for(data_dir)
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


admin_app = typer.Typer(
    help="Operator work on the service's own database (run where the service runs).",
    no_args_is_help=True,
)
app.add_typer(admin_app, name="admin")


@admin_app.command("recover")
def admin_recover(
    user: Annotated[
        str | None,
        typer.Option(help="The user to give the key (made an admin, or created, if need be)."),
    ] = None,
    key_file: Annotated[
        Path | None,
        typer.Option(help="Write the key to this file (mode 0600) instead of printing it."),
    ] = None,
    data_dir: DataDir = None,
) -> None:
    """Mint a new admin API key from the database and the master key: the way back in.

    For when every admin key is lost, revoked or expired. Anyone who can run this
    holds the database and the master key already; it is recorded in the audit log.
    """
    settings = settings_for(data_dir)
    state = _prepare(settings)
    try:
        with state.sessions() as session, session.begin():
            done = recover(session, state.digester, user or settings.admin_name)
    finally:
        state.close()
    _announce(done, key_file, f"Made a new admin API key for [bold]{done.admin_name}[/]")


if __name__ == "__main__":
    app()
