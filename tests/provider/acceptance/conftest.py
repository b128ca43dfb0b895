"""Acceptance fixtures: the provider installed in a temporary mirror, one shared init,
and working directories against the session's key services."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from keyhouse_client import Keyhouse
from keyhouse_provider.install import install
from tests.provider.harness.terraform import Toolchain, Workspace, init_toolchain
from tests.support.keyhouse_server import KeyhouseServer


@pytest.fixture(scope="session")
def toolchain(tmp_path_factory: pytest.TempPathFactory) -> Toolchain:
    """The provider in a filesystem mirror, and a data directory initialised from it."""
    root = tmp_path_factory.mktemp("terraform")
    mirror = root / "mirror"
    install(mirror)
    return init_toolchain(root, mirror)


@pytest.fixture
def workspace(toolchain: Toolchain, sqlite_service: KeyhouseServer, tmp_path: Path) -> Workspace:
    """A working directory against the SQLite service, as its admin."""
    return Workspace(toolchain, tmp_path / "work", sqlite_service.url, sqlite_service.admin_key)


@pytest.fixture
def new_workspace(
    toolchain: Toolchain, sqlite_service: KeyhouseServer, tmp_path: Path
) -> Callable[[str], Workspace]:
    """More working directories against the SQLite service."""

    def make(name: str) -> Workspace:
        return Workspace(toolchain, tmp_path / name, sqlite_service.url, sqlite_service.admin_key)

    return make


@pytest.fixture
def kh(sqlite_service: KeyhouseServer) -> Iterator[Keyhouse]:
    """The admin's client, for checks and for changes made outside Terraform."""
    with Keyhouse(base_url=sqlite_service.url, api_key=sqlite_service.admin_key) as client:
        yield client
