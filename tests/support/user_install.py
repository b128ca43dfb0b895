"""Keyhouse installed as a user installs it: ``pip install <checkout>[cdk,provider]`` into a
virtualenv of its own, at a path unrelated to this checkout and its ``.venv``."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import venv
from dataclasses import dataclass
from pathlib import Path

from scripts.cdktf_cli import CDKTF, ROOT

_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")

__all__ = [
    "CDKTF",
    "ROOT",
    "UserInstall",
    "make_user_install",
    "npx",
    "run_as_user",
    "terrain_app",
    "terrain_shell",
    "user_environment",
    "user_shell",
]


@dataclass(frozen=True)
class UserInstall:
    """A virtualenv with keyhouse (not editable) installed from this checkout."""

    root: Path

    @property
    def python(self) -> Path:
        """Its interpreter."""
        return self.root / "bin" / "python"

    @property
    def keyhouse(self) -> Path:
        """Its ``keyhouse`` command."""
        return self.root / "bin" / "keyhouse"


def make_user_install(root: Path, extras: str = "cdk,provider") -> UserInstall:
    """Create ``root`` as a virtualenv and pip-install this checkout into it (a minute or two).

    ``extras`` empty: a plain install, without extras.
    """
    venv.create(root, with_pip=True)
    install = UserInstall(root)
    result = subprocess.run(
        [
            str(install.python),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            f"{ROOT}[{extras}]" if extras else str(ROOT),
        ],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"pip install into {root} failed:\n{result.stdout}{result.stderr}")
    return install


def user_environment(home: Path, **extra: str) -> dict[str, str]:
    """A user's shell: a HOME of their own, none of this session's Keyhouse or Terraform settings.

    ``PATH`` keeps the system's tools (node, terraform) but not this checkout's ``.venv``.
    """
    venv_bin = str(Path(sys.executable).parent)
    path = os.pathsep.join(p for p in os.environ.get("PATH", "").split(os.pathsep) if p != venv_bin)
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("KEYHOUSE_", "TF_", "CDKTF_", "JSII_", "VIRTUAL_ENV"))
        and k not in ("CHECKPOINT_DISABLE", "PYTHONPATH")
    }
    home.mkdir(parents=True, exist_ok=True)
    env.update(PATH=path, HOME=str(home), FORCE_COLOR="0")
    env.update(extra)
    return env


def user_shell(
    install: UserInstall, home: Path, url: str, api_key: str, **extra: str
) -> dict[str, str]:
    """A user's shell set up as the README says: the service's URL and key, no checkpoint calls,
    and the provider installed by ``keyhouse provider install`` into ``home``'s implied mirror."""
    env = user_environment(
        home, KEYHOUSE_URL=url, KEYHOUSE_API_KEY=api_key, CHECKPOINT_DISABLE="1", **extra
    )
    installed = subprocess.run(
        [str(install.keyhouse), "provider", "install"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if installed.returncode != 0:
        raise RuntimeError(f"keyhouse provider install failed:\n{installed.stderr}")
    return env


def run_as_user(argv: list[str], cwd: Path, env: dict[str, str]) -> str:
    """Run ``argv`` in ``cwd`` as the user's shell would; its output without terminal colours,
    once it succeeded (else the test fails, showing the output's end)."""
    result = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    output = _ANSI.sub("", result.stdout + result.stderr)
    assert result.returncode == 0, f"{' '.join(argv)} failed:\n{output[-5000:]}"
    return output


def terrain_app(folder: Path, install: UserInstall) -> Path:
    """A new app folder for CDK Terrain: ``install`` as its ``.venv``, and this checkout's
    ``node_modules`` (the cdktn CLI and Node 22, installed from ``package-lock.json``:
    installing them again would download the Node binary while the test runs)."""
    folder.mkdir()
    (folder / ".venv").symlink_to(install.root, target_is_directory=True)
    (folder / "node_modules").symlink_to(ROOT / "node_modules", target_is_directory=True)
    return folder


def terrain_shell(install: UserInstall, home: Path, url: str, api_key: str) -> dict[str, str]:
    """``user_shell`` for npm: npm itself, in a HOME it has not seen, would ask the registry
    for a newer npm."""
    return user_shell(install, home, url, api_key, npm_config_update_notifier="false")


def npx(app: Path, env: dict[str, str], *args: str) -> str:
    """``npx --no-install <args>`` in ``app``: ``node_modules/.bin`` first on ``PATH``."""
    return run_as_user(["npx", "--no-install", *args], app, env)
