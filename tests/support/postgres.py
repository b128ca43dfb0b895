"""A throwaway PostgreSQL server started from the installed binaries, on loopback."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import psycopg


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _find(binary: str) -> str:
    found = shutil.which(binary)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{binary}"), reverse=True)
    if candidates:
        return candidates[0]
    raise RuntimeError(
        f"PostgreSQL's {binary} is not installed; .ci/run installs it with apt-get "
        "(package postgresql)"
    )


@dataclass
class PostgresServer:
    """A running PostgreSQL cluster in a temporary directory."""

    directory: Path
    port: int
    user: str = "kh"

    def url(self, database: str) -> str:
        """A SQLAlchemy URL for ``database`` on this server."""
        return f"postgresql+psycopg://{self.user}@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        """Create an empty database; its SQLAlchemy URL."""
        with psycopg.connect(
            f"host=127.0.0.1 port={self.port} user={self.user} dbname=postgres", autocommit=True
        ) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def _pg_ctl(self, *arguments: str) -> None:
        subprocess.run(
            _as_owner([_find("pg_ctl"), "-D", str(self.directory / "data"), *arguments]),
            check=True,
            capture_output=True,
        )

    def restart(self, mode: str) -> None:
        """``pg_ctl restart -m <mode>`` (fast: sessions ended cleanly; immediate: a crash)."""
        # With a log file, as at start: the server must not hold pg_ctl's output pipe.
        log = str(self.directory / "log")
        self._pg_ctl(
            "-m", mode, "-o", _options(self.port, self.directory), "-l", log, "-w", "restart"
        )

    def halt(self) -> None:
        """Stop the server, keeping its files (``start`` brings it back)."""
        self._pg_ctl("-m", "fast", "-w", "stop")

    def start(self) -> None:
        """Start a halted server; returns once it accepts connections."""
        self._pg_ctl(
            "-o",
            _options(self.port, self.directory),
            "-l",
            str(self.directory / "log"),
            "-w",
            "start",
        )

    def stop(self) -> None:
        """Stop the server and remove its files."""
        subprocess.run(
            _as_owner([_find("pg_ctl"), "-D", str(self.directory / "data"), "-m", "fast", "stop"]),
            check=False,
            capture_output=True,
        )
        shutil.rmtree(self.directory, ignore_errors=True)


def _options(port: int, directory: Path) -> str:
    return f"-p {port} -k {directory} -c listen_addresses=127.0.0.1 -c fsync=off"


def _as_owner(command: Sequence[str]) -> list[str]:
    # initdb and postgres refuse to run as root; run them as the postgres user then.
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *command]
    return list(command)


def start_postgres() -> PostgresServer:
    """Initialise and start a cluster on a free loopback port (trust auth, user ``kh``)."""
    directory = Path(tempfile.mkdtemp(prefix="keyhouse-pg-"))
    directory.chmod(0o755)
    if os.geteuid() == 0:
        shutil.chown(directory, "postgres", "postgres")
    data = directory / "data"
    subprocess.run(
        _as_owner([_find("initdb"), "-D", str(data), "-A", "trust", "-U", "kh", "-E", "UTF8"]),
        check=True,
        capture_output=True,
    )
    port = free_port()
    subprocess.run(
        _as_owner(
            [
                _find("pg_ctl"),
                "-D",
                str(data),
                "-o",
                _options(port, directory),
                "-l",
                str(directory / "log"),
                "-w",
                "start",
            ]
        ),
        check=True,
        capture_output=True,
    )
    server = PostgresServer(directory=directory, port=port)
    deadline = time.monotonic() + 30
    while True:
        try:
            psycopg.connect(f"host=127.0.0.1 port={port} user=kh dbname=postgres").close()
            return server
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                server.stop()
                raise
            time.sleep(0.1)
