"""How many calls Terraform may make to the provider at once.

Terraform walks the graph with ``-parallelism`` workers (10 unless told) and never
tells the provider. ``tf``'s server answers with 10 threads, so a larger
``-parallelism`` bought nothing. The provider is started by Terraform itself, so
Terraform's command line is its parent's; ``TF_CLI_ARGS`` and
``TF_CLI_ARGS_<command>`` add to it.
"""

from __future__ import annotations

import os
import re
import shlex
from collections.abc import Mapping, Sequence
from pathlib import Path

DEFAULT_PARALLELISM = 10
"""Terraform's own default."""

SPARE_WORKERS = 4
"""Threads beyond the walk's, for calls that come beside it (stop, schema, configure)."""

_FLAG = re.compile(r"^--?parallelism=(\d+)$")


def parallelism(arguments: Sequence[str], environment: Mapping[str, str]) -> int:
    """The ``-parallelism`` Terraform runs with, from its arguments and environment."""
    command = next((a for a in arguments[1:] if not a.startswith("-")), "")
    extra = shlex.split(environment.get("TF_CLI_ARGS", ""))
    if command:
        extra += shlex.split(environment.get(f"TF_CLI_ARGS_{command}", ""))
    found = DEFAULT_PARALLELISM
    for argument in [*arguments, *extra]:  # the last one given wins, as in Terraform
        match = _FLAG.match(argument)
        if match:
            found = max(1, int(match.group(1)))
    return found


def parent_arguments(pid: int | None = None) -> list[str]:
    """The parent process's command line (Linux; empty where it cannot be read)."""
    try:
        raw = Path(f"/proc/{pid or os.getppid()}/cmdline").read_bytes()
    except OSError:
        return []
    return [part.decode(errors="replace") for part in raw.split(b"\0") if part]


def workers() -> int:
    """Threads for the gRPC server: Terraform's parallelism and a few spare."""
    return parallelism(parent_arguments(), os.environ) + SPARE_WORKERS
