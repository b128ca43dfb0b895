"""Starting the real key service as a process, the way users run it."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tests.support.postgres import free_port


@dataclass
class KeyhouseServer:
    """A ``keyhouse server`` process on a loopback port."""

    backend: str
    database_url: str
    directory: Path
    port: int
    process: subprocess.Popen[bytes] = field(repr=False)
    admin_key: str = field(repr=False)
    log_path: Path
    env: dict[str, str] = field(default_factory=dict)

    @property
    def url(self) -> str:
        """Base URL of the service."""
        return f"http://127.0.0.1:{self.port}"

    def log(self) -> str:
        """Everything the server printed so far."""
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        """Stop the process (it flushes batched writes on the way out)."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def server_env(database_url: str, directory: Path, **extra: str) -> dict[str, str]:
    """The environment a test server runs with."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KEYHOUSE_")}
    env.update(
        KEYHOUSE_DATABASE_URL=database_url,
        KEYHOUSE_MASTER_KEY_FILE=str(directory / "master.key"),
        KEYHOUSE_LAST_USED_FLUSH_SECONDS="0.2",
    )
    env.update(extra)
    return env


def start_server(
    backend: str, database_url: str, directory: Path, **extra_env: str
) -> KeyhouseServer:
    """Start ``keyhouse server`` on a free port and wait until it answers ``/healthz``."""
    directory.mkdir(parents=True, exist_ok=True)
    port = free_port()
    key_file = directory / "admin.key"
    log_path = directory / "server.log"
    env = server_env(database_url, directory, **extra_env)
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "keyhouse.cli",
                "server",
                "--port",
                str(port),
                "--key-file",
                str(key_file),
                "--no-access-log",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=directory,
        )
    deadline = time.monotonic() + 60
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"keyhouse server exited early:\n{log_path.read_text()}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                break
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"keyhouse server did not start:\n{log_path.read_text()}")
        time.sleep(0.1)
    return KeyhouseServer(
        backend=backend,
        database_url=database_url,
        directory=directory,
        port=port,
        process=process,
        # Empty when the database already had users: no new admin key is made then.
        admin_key=key_file.read_text().strip() if key_file.exists() else "",
        log_path=log_path,
        env=env,
    )


@contextmanager
def sqlite_service(directory: Path) -> Iterator[KeyhouseServer]:
    """A key service of its own on an SQLite file in ``directory``, stopped on the way out."""
    server = start_server("sqlite", f"sqlite:///{directory / 'keyhouse.db'}", directory)
    try:
        yield server
    finally:
        server.stop()
