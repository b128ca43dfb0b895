"""The connection every client command shares: chosen by ``--profile`` or the environment."""

from __future__ import annotations

from keyhouse_cli.config import Target, config_path, exposed, resolve
from keyhouse_cli.output import say
from keyhouse_client import Keyhouse, RetryPolicy

_chosen: dict[str, str | None] = {"profile": None}

# Someone is waiting at the terminal: a service that is down is said so within seconds.
RETRY = RetryPolicy(max_retries=2, max_elapsed=10.0)


def choose_profile(name: str | None) -> None:
    """Remember the ``--profile`` given to ``keyhouse`` (None: the environment or the default)."""
    _chosen["profile"] = name


def chosen_profile() -> str | None:
    """The profile given with ``--profile`` or ``KEYHOUSE_PROFILE``, if any."""
    return _chosen["profile"]


def target() -> Target:
    """Where this run connects."""
    return resolve(_chosen["profile"])


def connect() -> Keyhouse:
    """A client for this run's service and key (close it, or use it in ``with``)."""
    chosen = target()
    if chosen.source.startswith("profile"):
        path = config_path()
        mode = exposed(path)
        if mode is not None:
            say(f"[yellow]warning:[/] {path} is open to others (mode {mode:o}): chmod 600 it")
    return Keyhouse(base_url=chosen.url, api_key=chosen.api_key, retry=RETRY)
