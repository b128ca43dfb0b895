"""A plain ``pip install keyhouse`` at another path: the client and the command, no server.

The second install is made from this checkout into a fresh virtualenv, without
extras, as a user who only does client work would; it then works against the
session's live service. Each extra holds only its own component's dependencies.
"""

from __future__ import annotations

import subprocess
from importlib.metadata import requires
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from tests.cli.conftest import Cli, clean_env
from tests.support.keyhouse_server import KeyhouseServer
from tests.support.user_install import make_user_install

SERVER_ONLY = {"fastapi", "uvicorn", "sqlalchemy", "alembic", "psycopg", "cryptography"}


@pytest.fixture(scope="module")
def plain_install(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A virtualenv elsewhere holding ``pip install <checkout>``: no extras."""
    return make_user_install(tmp_path_factory.mktemp("plain-install") / "venv", extras="").root


def test_the_client_and_the_command_work_without_extras(
    plain_install: Path, sqlite_service: KeyhouseServer, tmp_path: Path
) -> None:
    python = plain_install / "bin" / "python"
    for module in sorted(SERVER_ONLY | {"tf", "cdktf"}):
        absent = subprocess.run([str(python), "-c", f"import {module}"], capture_output=True)
        assert absent.returncode != 0, f"{module} came with a plain install"
    env = clean_env(tmp_path)
    env.update(KEYHOUSE_URL=sqlite_service.url, KEYHOUSE_API_KEY=sqlite_service.admin_key)
    cli = Cli(tmp_path, env, plain_install / "bin" / "keyhouse")

    assert cli("--version").stdout.startswith("keyhouse 0.1.0")
    assert cli("whoami", "-o", "json").json()["is_admin"] is True
    cli("secrets", "put", "plain/install", stdin="it works")
    assert cli("secrets", "get", "plain/install").stdout == "it works\n"
    cli("secrets", "delete", "plain/install")
    client = subprocess.run(
        [str(python), "-c", "import keyhouse_client; print(keyhouse_client.Keyhouse)"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "Keyhouse" in client.stdout

    # Server work names the extra it needs; so does the Terraform provider.
    needs = {
        ("server",): "server",
        ("init",): "server",
        ("backup", "snapshot.db"): "server",
        ("master-key", "rotate"): "server",
        ("provider", "install"): "provider",
    }
    for args, extra in needs.items():
        line = cli(*args, ok=False).fails(2)
        assert f"pip install 'keyhouse[{extra}]'" in line


def test_each_extra_installs_only_its_component() -> None:
    extras: dict[str, set[str]] = {}
    base: set[str] = set()
    for line in requires("keyhouse") or []:
        requirement = Requirement(line)
        marker = str(requirement.marker or "")
        if "extra ==" in marker:
            extra = marker.split("extra ==")[1].strip().strip("\"'")
            extras.setdefault(extra, set()).add(requirement.name)
        else:
            base.add(requirement.name)
    assert {"httpx", "pydantic", "typer", "rich"} <= base
    assert not base & SERVER_ONLY
    assert extras["server"] >= SERVER_ONLY
    # Not the server: the provider is a client (grpcio and protobuf pin its protocol stubs).
    assert extras["provider"] == {"tf", "grpcio", "protobuf"}
    assert extras["cdk"] == {"cdktf", "constructs"}
    assert extras["cdktn"] == {"cdktn", "constructs"}
    components = extras["provider"] | extras["cdk"] | extras["cdktn"] | extras["codegen"]
    assert "keyhouse" not in components
