"""Install the provider where a plain ``terraform init`` finds it, offline.

The provider is this package, run by this environment's Python. What goes into
Terraform's filesystem-mirror layout is a launcher script:
``<mirror>/registry.terraform.io/keyhouse/keyhouse/<version>/<os>_<arch>/
terraform-provider-keyhouse_v<version>``. Without a CLI configuration Terraform
looks in its implied local mirror ``~/.terraform.d/plugins`` (the default here);
with one, list the directory in a ``filesystem_mirror`` block.
"""

from __future__ import annotations

import os
import platform
import shlex
import sys
from pathlib import Path

from keyhouse_provider import SOURCE, VERSION

_ARCHITECTURES = {
    "x86_64": "amd64",
    "amd64": "amd64",
    "aarch64": "arm64",
    "arm64": "arm64",
    "i386": "386",
    "i686": "386",
    "armv7l": "arm",
}


def default_mirror() -> Path:
    """Terraform's implied local mirror: ``~/.terraform.d/plugins``."""
    return Path.home() / ".terraform.d" / "plugins"


def platform_name() -> str:
    """Terraform's name for this platform: ``linux_amd64``, ``darwin_arm64``..."""
    machine = platform.machine().lower()
    return f"{sys.platform.replace('win32', 'windows')}_{_ARCHITECTURES.get(machine, machine)}"


def launcher_text(python: str | None = None) -> str:
    """The launcher: run this package with this environment's Python."""
    interpreter = shlex.quote(python or sys.executable)
    return (
        "#!/bin/sh\n"
        "# Written by `keyhouse provider install`: Terraform runs this to start the\n"
        "# keyhouse provider (Python package keyhouse_provider).\n"
        f'exec {interpreter} -m keyhouse_provider "$@"\n'
    )


def install(directory: Path | None = None, *, python: str | None = None) -> Path:
    """Write the launcher into the mirror at ``directory`` (default: the implied mirror).

    Returns the launcher's path. Installing again rewrites it (same content, same
    lock-file hash, as long as the Python interpreter is the same).
    """
    mirror = (directory or default_mirror()).expanduser().resolve()
    target = mirror.joinpath(*SOURCE.split("/"), VERSION, platform_name())
    target.mkdir(parents=True, exist_ok=True)
    launcher = target / f"terraform-provider-keyhouse_v{VERSION}"
    temporary = launcher.with_name(launcher.name + ".tmp")
    temporary.write_text(launcher_text(python))
    temporary.chmod(0o755)
    os.replace(temporary, launcher)
    return launcher
