"""``keyhouse provider install``: put the Terraform provider where ``terraform init`` finds it."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Annotated

import typer

from keyhouse_cli.errors import CliError
from keyhouse_cli.output import say

app = typer.Typer(help="The Terraform provider keyhouse/keyhouse.", no_args_is_help=True)


@app.command("install")
def install(
    directory: Annotated[
        Path | None,
        typer.Option(
            "--dir",
            help="Filesystem mirror to install into (default: Terraform's implied local "
            "mirror, ~/.terraform.d/plugins).",
        ),
    ] = None,
) -> None:
    """Install the provider so that a plain `terraform init` finds it, offline."""
    if importlib.util.find_spec("tf") is None:
        raise CliError(
            "the Terraform provider needs the provider extra (missing module 'tf'): "
            "pip install 'keyhouse[provider]'"
        )
    from keyhouse_provider import SOURCE, VERSION
    from keyhouse_provider.install import install as install_launcher

    launcher = install_launcher(directory)
    say(f"Installed {SOURCE} {VERSION}: {launcher}")
    if directory is not None:
        mirror = launcher.parents[5]
        say(
            "List the mirror in your Terraform CLI configuration (TF_CLI_CONFIG_FILE):\n"
            "provider_installation {\n"
            f'  filesystem_mirror {{\n    path    = "{mirror}"\n'
            '    include = ["keyhouse/keyhouse"]\n  }\n'
            '  direct {\n    exclude = ["keyhouse/keyhouse"]\n  }\n}',
            markup=False,
        )
    print(launcher)
