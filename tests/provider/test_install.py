"""Installing the launcher, and what it starts."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from keyhouse_provider import SOURCE, VERSION
from keyhouse_provider.install import install, platform_name
from tests.cli.conftest import KEYHOUSE


def test_the_launcher_goes_into_the_mirror_layout(tmp_path: Path) -> None:
    launcher = install(tmp_path)
    expected = tmp_path.joinpath(
        "registry.terraform.io", "keyhouse", "keyhouse", VERSION, platform_name()
    )
    assert launcher == expected / f"terraform-provider-keyhouse_v{VERSION}"
    assert os.access(launcher, os.X_OK)
    text = launcher.read_text()
    assert text.startswith("#!/bin/sh\n")
    # The interpreter is named beside the package, not in it.
    assert sys.executable not in text
    pointer = launcher.parent.with_name(f"{platform_name()}.python")
    assert pointer.read_text() == f"{sys.executable}\n"
    assert install(tmp_path).read_text() == text  # again: the same bytes, the same lock hash


def test_installs_at_other_paths_for_other_pythons_write_the_same_package(tmp_path: Path) -> None:
    # GIVEN two mirrors at different paths, for two interpreters at different paths
    one = install(tmp_path / "one" / "mirror", python="/opt/one/.venv/bin/python")
    two = install(tmp_path / "elsewhere" / "two", python="/home/ci/venv/bin/python3")
    # THEN the packages Terraform checksums hold the same files, byte for byte
    assert sorted(p.name for p in one.parent.iterdir()) == [one.name]
    assert sorted(p.name for p in two.parent.iterdir()) == [two.name]
    assert one.read_bytes() == two.read_bytes()
    # AND each names its own interpreter outside the package
    assert one.parent.with_name(f"{platform_name()}.python").read_text().startswith("/opt/one/")
    assert two.parent.with_name(f"{platform_name()}.python").read_text().startswith("/home/ci/")


def test_by_default_it_is_terraforms_implied_local_mirror(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    launcher = install()
    assert launcher.is_relative_to(tmp_path / ".terraform.d" / "plugins" / "registry.terraform.io")


def test_the_cli_command_installs_and_says_where(tmp_path: Path) -> None:
    result = subprocess.run(
        [str(KEYHOUSE), "provider", "install", "--dir", str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    launcher = Path(result.stdout.strip())
    assert launcher.exists()
    assert launcher.is_relative_to(tmp_path)
    assert f"Installed {SOURCE} {VERSION}" in result.stderr
    assert f'path    = "{tmp_path}"' in result.stderr


def _start(launcher: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen([str(launcher)], stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def test_the_launcher_starts_the_provider_to_its_handshake(tmp_path: Path) -> None:
    process = _start(install(tmp_path))
    try:
        assert process.stdout is not None
        fields = process.stdout.readline().decode().strip().split("|")
    finally:
        process.kill()
        process.wait()
    assert fields[:3] == ["1", "6", "unix"]
    assert fields[4] == "grpc"
    assert len(fields[5]) > 50


def test_a_launcher_reached_through_a_link_finds_its_python(tmp_path: Path) -> None:
    # GIVEN the package linked from elsewhere, as terraform init links .terraform/providers
    launcher = install(tmp_path / "mirror")
    link = tmp_path / "work" / ".terraform" / "providers" / platform_name()
    link.parent.mkdir(parents=True)
    link.symlink_to(launcher.parent, target_is_directory=True)
    # WHEN Terraform starts it there THEN the provider comes up to its handshake
    process = _start(link / launcher.name)
    try:
        assert process.stdout is not None
        fields = process.stdout.readline().decode().strip().split("|")
    finally:
        process.kill()
        process.wait()
    assert fields[:2] == ["1", "6"]


def test_a_copied_launcher_without_its_python_says_what_to_do(tmp_path: Path) -> None:
    # GIVEN the launcher copied away from the file naming its interpreter
    launcher = install(tmp_path / "mirror")
    copy = tmp_path / "copy" / launcher.name
    copy.parent.mkdir()
    copy.write_bytes(launcher.read_bytes())
    copy.chmod(0o755)
    # WHEN it starts THEN it fails, naming the command that mends it and the override
    result = subprocess.run([str(copy)], capture_output=True, text=True, check=False)
    assert result.returncode == 1
    assert "run 'keyhouse provider install' again" in result.stderr
    assert "KEYHOUSE_PROVIDER_PYTHON" in result.stderr
    # AND KEYHOUSE_PROVIDER_PYTHON makes it work
    env = {**os.environ, "KEYHOUSE_PROVIDER_PYTHON": sys.executable}
    process = subprocess.Popen([str(copy)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    try:
        assert process.stdout is not None
        assert process.stdout.readline().decode().startswith("1|6|")
    finally:
        process.kill()
        process.wait()


def test_the_provider_leaves_when_terraform_is_gone(tmp_path: Path) -> None:
    """kill -9 of Terraform must not leave provider processes behind."""
    launcher = install(tmp_path)
    parent = subprocess.run(
        ["sh", "-c", f"'{launcher}' >/dev/null 2>&1 & echo $!; sleep 3"],
        capture_output=True,
        text=True,
        check=True,
    )
    pid = int(parent.stdout.strip())
    deadline = time.monotonic() + 20
    while _running(pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _running(pid)


def _running(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "State:\tZ" not in status


def test_installing_compiles_the_provider_and_the_client(tmp_path: Path) -> None:
    import importlib.util

    import keyhouse_client

    models = Path(keyhouse_client.__file__).parent / "models.py"
    cached = Path(importlib.util.cache_from_source(str(models)))
    cached.unlink(missing_ok=True)
    install(tmp_path)
    assert cached.exists()  # a start never compiles the client, whatever PYTHONDONTWRITEBYTECODE
    assert cached.stat().st_mtime >= models.stat().st_mtime
