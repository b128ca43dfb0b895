"""``keyhouse login``, ``logout`` and ``whoami``: which service, which key, who that is."""

from __future__ import annotations

import getpass
import sys
from typing import Annotated

import typer

from keyhouse_cli.config import (
    DEFAULT_PROFILE,
    Profile,
    config_path,
    load_profiles,
    write_profiles,
)
from keyhouse_cli.errors import CliError
from keyhouse_cli.output import Format, Output, say, show
from keyhouse_cli.session import RETRY, chosen_profile, connect
from keyhouse_client import Keyhouse


def _read_key(from_stdin: bool) -> str:
    if from_stdin or not sys.stdin.isatty():
        key = sys.stdin.readline().strip()
    else:
        # On the terminal itself, echo off: neither stdout (kept for results) nor the screen.
        key = getpass.getpass("API key: ").strip()
    if not key:
        raise CliError("no API key given: type it at the prompt, or pipe it in with --key-stdin")
    return key


def login(
    url: Annotated[str, typer.Option(help="The service's URL, e.g. http://127.0.0.1:8787.")],
    profile: Annotated[
        str | None,
        typer.Option(help="Save as this profile (default: keyhouse --profile, or 'default')."),
    ] = None,
    key_stdin: Annotated[
        bool, typer.Option(help="Read the API key from stdin instead of prompting for it.")
    ] = False,
    output: Output = Format.TABLE,
) -> None:
    """Check an API key against the service, then save both as a profile (file mode 0600).

    The key is asked for at a hidden prompt (or read from stdin), never taken as an
    argument, so that it stays out of shell history and process lists.
    """
    name = profile or chosen_profile() or DEFAULT_PROFILE
    key = _read_key(key_stdin)
    with Keyhouse(base_url=url, api_key=key, retry=RETRY) as kh:
        me = kh.keys.whoami()
    path = config_path()
    profiles = load_profiles(path)
    profiles[name] = Profile(name, url.rstrip("/"), key)
    write_profiles(path, profiles)
    say(
        f"Logged in to {url} as {me.principal.kind}/{me.principal.name} (key id {me.key.id}); "
        f"profile '{name}' saved in {path} (mode 0600)."
    )
    show(me, output)


def logout(
    profile: Annotated[
        str | None, typer.Option(help="The profile to forget (default: keyhouse --profile).")
    ] = None,
) -> None:
    """Forget a saved profile and its key (the key itself stays valid: revoke it to end it)."""
    name = profile or chosen_profile() or DEFAULT_PROFILE
    path = config_path()
    profiles = load_profiles(path)
    if name not in profiles:
        raise CliError(f"no profile '{name}' in {path}")
    del profiles[name]
    write_profiles(path, profiles)
    say(f"Removed profile '{name}' from {path}.")


def whoami(output: Output = Format.TABLE) -> None:
    """Who the API key belongs to, its scopes and expiry: test a key."""
    with connect() as kh:
        show(kh.keys.whoami(), output)
