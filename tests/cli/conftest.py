"""Driving ``keyhouse`` through its entry point, as a user's shell does, against a live service.

``cli(...)`` runs the installed ``keyhouse`` script in a subprocess with a
profile file of its own (``KEYHOUSE_CONFIG`` in the test's directory) and the
session's SQLite service in ``KEYHOUSE_URL`` / ``KEYHOUSE_API_KEY`` (the
admin's key, unless a test gives another).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
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
        environment = {**self.env}
        for name, value in env.items():
            if value is None:
                environment.pop(name, None)
            else:
                environment[name] = value
        completed = subprocess.run(
            [str(self.executable), *args],
            input=stdin.encode() if isinstance(stdin, str) else (stdin or b""),
            capture_output=True,
            cwd=self.directory,
            env=environment,
            check=False,
            timeout=120,
        )
        result = Result(args, completed.returncode, completed.stdout, completed.stderr.decode())
        if ok:
            assert result.returncode == 0, f"{args}: exit {result.returncode}: {result.stderr}"
        return result

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
