"""Starting the real key service as a process, the way users run it."""

from __future__ import annotations

import os
import re
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
    master_key_text: str = field(default="", repr=False)

    @property
    def url(self) -> str:
        """Base URL of the service."""
        return f"http://127.0.0.1:{self.port}"

    def log(self) -> str:
        """Everything the server printed so far."""
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        """Stop the process (it flushes batched writes on the way out); scan its log."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        scan_log(self)


# A string every secret value written by the load and fault tests contains.
SECRET_MARKER = "s3cr3t-M4RK3R"
_API_KEY = re.compile(r"kh_[a-z2-7]{16}_[0-9A-Za-z]{49}")


@dataclass
class LogScan:
    """What the scans of every stopped server's log found, over the whole test session."""

    lines: int = 0
    findings: list[str] = field(default_factory=list)


LOG_SCAN = LogScan()


def scan_log(server: KeyhouseServer) -> None:
    """Look through every line the server logged for API keys, master keys and the marker.

    Findings name the log and the line number, never what matched.
    """
    master = server.directory / "master.key"
    keys = [server.master_key_text] if server.master_key_text else []
    if master.exists():
        keys += [line.split(":")[-1] for line in master.read_text().split() if line]
    markers = [SECRET_MARKER, *(k for k in keys if len(k) >= 40)]
    if not server.log_path.exists():
        return
    for number, line in enumerate(server.log_path.read_text(errors="replace").splitlines(), 1):
        LOG_SCAN.lines += 1
        if _API_KEY.search(line) or any(marker in line for marker in markers):
            LOG_SCAN.findings.append(f"{server.log_path}:{number}")


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


def obeying_file_modes() -> list[str]:
    """A command prefix under which a process, even root's, obeys file permission bits.

    Root ignores them (CAP_DAC_OVERRIDE): a test that makes a directory
    read-only with chmod runs the service without those capabilities.
    """
    if os.geteuid() != 0:
        return []
    dropped = "-dac_override,-dac_read_search"
    return ["setpriv", f"--inh-caps={dropped}", f"--bounding-set={dropped}", "--"]


def start_server(
    backend: str, database_url: str, directory: Path, **extra_env: str
) -> KeyhouseServer:
    """Start ``keyhouse server`` on a free port and wait until it answers ``/healthz``."""
    return start_server_under([], backend, database_url, directory, **extra_env)


def start_server_under(
    prefix: list[str], backend: str, database_url: str, directory: Path, **extra_env: str
) -> KeyhouseServer:
    """``start_server`` with ``prefix`` before the command (e.g. ``obeying_file_modes()``)."""
    directory.mkdir(parents=True, exist_ok=True)
    port = free_port()
    key_file = directory / "admin.key"
    log_path = directory / "server.log"
    env = server_env(database_url, directory, **extra_env)
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [
                *prefix,
                sys.executable,
                "-m",
                "keyhouse.cli",
                "server",
                "--port",
                str(port),
                "--key-file",
                str(key_file),
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
        master_key_text=_master_key_text(directory),
    )


@contextmanager
def sqlite_service(directory: Path) -> Iterator[KeyhouseServer]:
    """A key service of its own on an SQLite file in ``directory``, stopped on the way out."""
    server = start_server("sqlite", f"sqlite:///{directory / 'keyhouse.db'}", directory)
    try:
        yield server
    finally:
        server.stop()


def _master_key_text(directory: Path) -> str:
    path = directory / "master.key"
    return path.read_text().strip().split(":")[-1] if path.exists() else ""
