"""Install the provider where a plain ``terraform init`` finds it, offline.

The provider is this package, run by this environment's Python. What goes into
Terraform's filesystem-mirror layout is a launcher script:
``<mirror>/registry.terraform.io/keyhouse/keyhouse/<version>/<os>_<arch>/
terraform-provider-keyhouse_v<version>``. Without a CLI configuration Terraform
looks in its implied local mirror ``~/.terraform.d/plugins`` (the default here);
with one, list the directory in a ``filesystem_mirror`` block.

Terraform checksums the package directory (``<os>_<arch>/``) into the
dependency lock file, which teams commit. So the launcher is the same bytes on
every machine, whatever the paths: it names no interpreter. The interpreter is
written beside the package, in ``<os>_<arch>.python``, which Terraform neither
checksums nor copies. Terraform links ``.terraform/providers/...`` (and its plugin
cache) to the mirror's directory, so the launcher finds that file by resolving
its own directory.

Installing also compiles the provider's and the client's modules to bytecode, as
pip does for an installed wheel: Terraform starts the provider three or four times
per command, and an editable checkout run with ``PYTHONDONTWRITEBYTECODE`` would
otherwise compile the generated client (over 150 kB of source) at every start.
"""

from __future__ import annotations

import os
import platform
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

PYTHON_ENV = "KEYHOUSE_PROVIDER_PYTHON"
"""Names the interpreter when the launcher cannot find its ``.python`` file (a copied package)."""

LAUNCHER = f"""#!/bin/sh
# Written by `keyhouse provider install`: Terraform runs this to start the
# keyhouse provider (the Python package keyhouse_provider). It is the same on
# every machine, so a committed .terraform.lock.hcl verifies everywhere: the
# Python to run is named in the file <this directory>.python, outside the package.
here=$(cd "$(dirname "$0")" && pwd -P) || exit 1
python=${{{PYTHON_ENV}:-}}
if [ -z "$python" ] && [ -r "$here.python" ]; then
  IFS= read -r python < "$here.python"
fi
if [ -z "$python" ]; then
  echo "keyhouse provider: $here.python is missing: run 'keyhouse provider install'" \\
    "again, or set {PYTHON_ENV}" >&2
  exit 1
fi
exec "$python" -m keyhouse_provider "$@"
"""
"""The launcher's text: no path in it, so its checksum is the same for every install."""


def default_mirror() -> Path:
    """Terraform's implied local mirror: ``~/.terraform.d/plugins``."""
    return Path.home() / ".terraform.d" / "plugins"


def platform_name() -> str:
    """Terraform's name for this platform: ``linux_amd64``, ``darwin_arm64``..."""
    machine = platform.machine().lower()
    return f"{sys.platform.replace('win32', 'windows')}_{_ARCHITECTURES.get(machine, machine)}"


def package_directory(mirror: Path) -> Path:
    """The package Terraform checksums: ``<mirror>/<source>/<version>/<os>_<arch>``."""
    return mirror.joinpath(*SOURCE.split("/"), VERSION, platform_name())


def install(directory: Path | None = None, *, python: str | None = None) -> Path:
    """Write the launcher into the mirror at ``directory`` (default: the implied mirror).

    ``python`` is the interpreter that runs the provider (default: this one); it goes
    into ``<os>_<arch>.python`` beside the package. Returns the launcher's path.
    Installing again, anywhere, writes the same launcher: the same lock-file hash.
    """
    mirror = (directory or default_mirror()).expanduser().resolve()
    target = package_directory(mirror)
    target.mkdir(parents=True, exist_ok=True)
    _write(target.with_name(target.name + ".python"), f"{python or sys.executable}\n", 0o644)
    launcher = target / f"terraform-provider-keyhouse_v{VERSION}"
    _write(launcher, LAUNCHER, 0o755)
    if python is None or python == sys.executable:
        compile_bytecode()
    return launcher


def compile_bytecode() -> list[Path]:
    """Compile the packages the provider process imports from source trees of ours
    (third-party ones were compiled by pip); the folders compiled."""
    import compileall
    import importlib.util

    folders = []
    for package in ("keyhouse_provider", "keyhouse_client"):
        spec = importlib.util.find_spec(package)
        if spec is None or spec.origin is None:
            continue
        folder = Path(spec.origin).parent
        # A read-only install is left as it is: Python then compiles in memory.
        if os.access(folder, os.W_OK):
            compileall.compile_dir(folder, quiet=1)
            folders.append(folder)
    return folders


def _write(path: Path, text: str, mode: int) -> None:
    # Through a temporary file: a Terraform starting the provider meanwhile never
    # runs half a file.
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(text)
    temporary.chmod(mode)
    os.replace(temporary, path)
