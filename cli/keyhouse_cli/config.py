"""Where the command finds the service and its API key: the environment, or a profile file.

Profiles live in one TOML file, private to its owner (mode 0600), written by
``keyhouse login``::

    [profiles.default]
    url = "http://127.0.0.1:8787"
    api_key = "kh_..."
"""

from __future__ import annotations

import json
import os
import stat
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from keyhouse_cli.errors import CliError

DEFAULT_PROFILE = "default"
HEADER = "# Written by `keyhouse login`. It holds API keys: keep it private (mode 0600).\n"


@dataclass(frozen=True)
class Profile:
    """A service and the API key to reach it with."""

    name: str
    url: str
    api_key: str = field(repr=False)


@dataclass(frozen=True)
class Target:
    """What a command connects to, and where that came from (for messages)."""

    url: str
    api_key: str = field(repr=False)
    source: str


def config_path() -> Path:
    """The profile file: ``KEYHOUSE_CONFIG``, else ``$XDG_CONFIG_HOME/keyhouse/config.toml``."""
    explicit = os.environ.get("KEYHOUSE_CONFIG")
    if explicit:
        return Path(explicit).expanduser()
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "keyhouse" / "config.toml"


def load_profiles(path: Path) -> dict[str, Profile]:
    """Every profile in ``path`` (none when the file does not exist)."""
    try:
        text = path.read_text()
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise CliError(f"cannot read the profile file {path}: {exc.strerror}") from None
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CliError(f"the profile file {path} is not valid TOML: {exc}") from None
    profiles: dict[str, Profile] = {}
    for name, entry in (document.get("profiles") or {}).items():
        url, key = entry.get("url"), entry.get("api_key")
        if not isinstance(url, str) or not isinstance(key, str):
            raise CliError(f"profile '{name}' in {path} needs a url and an api_key (strings)")
        profiles[name] = Profile(name, url, key)
    return profiles


def _quoted(value: str) -> str:
    # A JSON string is a TOML basic string for everything a URL or a key holds.
    return json.dumps(value, ensure_ascii=True)


def write_profiles(path: Path, profiles: dict[str, Profile]) -> None:
    """Replace ``path`` with ``profiles``, mode 0600 from the first byte, atomically."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    lines = [HEADER]
    for profile in profiles.values():
        lines.append(
            f"\n[profiles.{_quoted(profile.name)}]\n"
            f"url = {_quoted(profile.url)}\n"
            f"api_key = {_quoted(profile.api_key)}\n"
        )
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(descriptor, "w") as handle:
            handle.write("".join(lines))
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def exposed(path: Path) -> int | None:
    """The file's mode when others may read or write it, else None."""
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        return None
    return mode if mode & 0o077 else None


def resolve(profile: str | None) -> Target:
    """Where to connect.

    A profile named with ``--profile`` (or ``KEYHOUSE_PROFILE``) is used alone.
    Otherwise ``KEYHOUSE_URL`` and ``KEYHOUSE_API_KEY``, when either is set;
    otherwise the ``default`` profile.
    """
    path = config_path()
    if profile is None:
        url, key = os.environ.get("KEYHOUSE_URL"), os.environ.get("KEYHOUSE_API_KEY")
        if url or key:
            if not url:
                raise CliError("KEYHOUSE_API_KEY is set but KEYHOUSE_URL is not: set both")
            if not key:
                raise CliError("KEYHOUSE_URL is set but KEYHOUSE_API_KEY is not: set both")
            return Target(url, key, "KEYHOUSE_URL and KEYHOUSE_API_KEY")
        found = load_profiles(path).get(DEFAULT_PROFILE)
        if found is None:
            raise CliError(
                "not logged in: run `keyhouse login --url URL`, or set KEYHOUSE_URL and "
                "KEYHOUSE_API_KEY"
            )
        return Target(found.url, found.api_key, f"profile '{found.name}' in {path}")
    profiles = load_profiles(path)
    if profile not in profiles:
        known = ", ".join(sorted(profiles)) or "none"
        raise CliError(
            f"no profile '{profile}' in {path} (profiles: {known}); "
            f"`keyhouse login --profile {profile} --url URL` makes it"
        )
    chosen = profiles[profile]
    return Target(chosen.url, chosen.api_key, f"profile '{chosen.name}' in {path}")
