"""Fixtures for end-to-end tests run as a user would: a Keyhouse installed outside this checkout."""

from __future__ import annotations

import pytest

from tests.support.user_install import UserInstall, make_user_install


@pytest.fixture(scope="session")
def user_install(tmp_path_factory: pytest.TempPathFactory) -> UserInstall:
    """``pip install <checkout>[cdk,provider]`` into a fresh virtualenv (once per session)."""
    return make_user_install(tmp_path_factory.mktemp("user") / "venv")


@pytest.fixture(scope="session")
def terrain_install(tmp_path_factory: pytest.TempPathFactory) -> UserInstall:
    """``pip install <checkout>[cdktn,provider]``: CDK Terrain, without cdktf."""
    return make_user_install(tmp_path_factory.mktemp("terrain-user") / "venv", "cdktn,provider")
