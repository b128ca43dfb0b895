"""Driving ``keyhouse`` through its entry point, as a user's shell does, against a live service.

``cli(...)`` runs the installed ``keyhouse`` script in a subprocess with a
profile file of its own (``KEYHOUSE_CONFIG`` in the test's directory) and the
session's SQLite service in ``KEYHOUSE_URL`` / ``KEYHOUSE_API_KEY`` (the
admin's key, unless a test gives another).
"""

from __future__ import annotations

import fcntl
import json
import os
import select
import signal
import subprocess
import sys
import termios
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.support.keyhouse_server import KeyhouseServer

KEYHOUSE = Path(sys.executable).with_name("keyhouse")
"""The console script ``pip install`` made for the ``keyhouse`` entry point."""


@dataclass(frozen=True)
class Result:
    """What one run printed, and how it ended. ``stdout`` may hold a key: never in the repr."""

    args: tuple[str, ...]
    returncode: int
    raw: bytes = field(repr=False)
    stderr: str
    terminal: str = field(default="", repr=False)
    """What appeared on the controlling terminal (``at_terminal`` runs): prompts, echoes."""

    @property
    def stdout(self) -> str:
        """stdout as text."""
        return self.raw.decode(errors="replace")

    def json(self) -> Any:
        """stdout as JSON (``--output json``)."""
        return json.loads(self.stdout)

    def fails(self, status: int) -> str:
        """The one error line, after checking the exit status: never a traceback."""
        __tracebackhide__ = True
        assert self.returncode == status, f"{self.args}: exit {self.returncode}: {self.stderr}"
        assert "Traceback" not in self.stderr
        lines = self.stderr.strip().splitlines()
        assert len(lines) == 1, f"expected one error line, got: {self.stderr}"
        assert lines[0].startswith("error: ")
        return lines[0]


@dataclass
class Cli:
    """Runs ``keyhouse`` with an environment of its own."""

    directory: Path
    env: dict[str, str] = field(repr=False)
    executable: Path = KEYHOUSE

    @property
    def config(self) -> Path:
        """The profile file this runner's ``keyhouse`` reads and writes."""
        return self.directory / "config.toml"

    def __call__(
        self, *args: str, stdin: str | bytes | None = None, ok: bool = True, **env: str | None
    ) -> Result:
        """Run ``keyhouse ARGS``; with ``ok`` (the default) it must succeed.

        Keyword arguments set (or, given None, unset) environment variables.
        """
        __tracebackhide__ = True
        completed = subprocess.run(
            [str(self.executable), *args],
            input=stdin.encode() if isinstance(stdin, str) else (stdin or b""),
            capture_output=True,
            cwd=self.directory,
            env=self._environment(env),
            check=False,
            timeout=120,
        )
        result = Result(args, completed.returncode, completed.stdout, completed.stderr.decode())
        if ok:
            assert result.returncode == 0, f"{args}: exit {result.returncode}: {result.stderr}"
        return result

    def _environment(self, env: dict[str, str | None]) -> dict[str, str]:
        environment = {**self.env}
        for name, value in env.items():
            if value is None:
                environment.pop(name, None)
            else:
                environment[name] = value
        return environment

    def at_terminal(
        self,
        *args: str,
        typed: str = "",
        replies: Sequence[tuple[str, str]] = (),
        stderr_too: bool = False,
        **env: str | None,
    ) -> Result:
        """Run ``keyhouse ARGS`` with a pseudo-terminal as stdin and controlling terminal.

        ``typed`` is typed at once (read by ordinary prompts); each ``(prompt, reply)``
        of ``replies`` is typed once ``prompt`` has appeared on the terminal (hidden
        prompts flush what was typed before them). stdout stays a pipe, and so does
        stderr unless ``stderr_too`` (then what it wrote is in ``terminal``).
        """
        __tracebackhide__ = True
        primary, secondary = os.openpty()

        def attach() -> None:  # in the child: the pty becomes its controlling terminal
            os.setsid()
            fcntl.ioctl(0, termios.TIOCSCTTY, 0)

        shown = bytearray()
        process = subprocess.Popen(
            [str(self.executable), *args],
            stdin=secondary,
            stdout=subprocess.PIPE,
            stderr=secondary if stderr_too else subprocess.PIPE,
            cwd=self.directory,
            env=self._environment(env),
            preexec_fn=attach,
        )
        os.close(secondary)
        os.write(primary, typed.encode())
        pending = list(replies)

        def converse() -> None:
            while process.poll() is None:
                ready, _, _ = select.select([primary], [], [], 0.1)
                if not ready:
                    continue
                try:
                    shown.extend(os.read(primary, 4096))
                except OSError:  # the child closed the terminal
                    return
                if pending and pending[0][0].encode() in shown:
                    os.write(primary, pending.pop(0)[1].encode())

        talker = threading.Thread(target=converse, daemon=True)
        talker.start()
        try:
            stdout, stderr = process.communicate(timeout=120)
        finally:
            talker.join(timeout=5)
            os.close(primary)
        return Result(args, process.returncode, stdout, (stderr or b"").decode(), shown.decode())

    def interrupted_while_reading_stdin(self, *args: str) -> Result:
        """Run ``keyhouse ARGS``, and press Ctrl-C (SIGINT) once it waits for stdin."""
        __tracebackhide__ = True
        process = subprocess.Popen(
            [str(self.executable), *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=self.directory,
            env=self.env,
        )
        deadline = time.monotonic() + 60
        wchan = Path(f"/proc/{process.pid}/wchan")
        while "pipe" not in wchan.read_text():  # the kernel says where it sleeps
            assert process.poll() is None, process.communicate()[1].decode()
            assert time.monotonic() < deadline, "keyhouse never waited for stdin"
            time.sleep(0.05)
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=60)
        return Result(args, process.returncode, stdout, stderr.decode())

    def as_key(self, key: str) -> Cli:
        """The same runner, sending ``key`` instead."""
        return Cli(self.directory, {**self.env, "KEYHOUSE_API_KEY": key}, self.executable)


def clean_env(directory: Path) -> dict[str, str]:
    """The environment without any KEYHOUSE_ setting, and a profile file in ``directory``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KEYHOUSE_")}
    env["KEYHOUSE_CONFIG"] = str(directory / "config.toml")
    env["COLUMNS"] = "200"
    return env


@pytest.fixture
def cli(sqlite_service: KeyhouseServer, tmp_path: Path) -> Cli:
    """``keyhouse`` as the session service's admin."""
    env = clean_env(tmp_path)
    env.update(KEYHOUSE_URL=sqlite_service.url, KEYHOUSE_API_KEY=sqlite_service.admin_key)
    return Cli(tmp_path, env)
