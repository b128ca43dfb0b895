"""SQLite commits are synced to disk unless the operator chooses otherwise."""

from __future__ import annotations

import base64
import os
from pathlib import Path

import pytest
from pydantic import ValidationError

from keyhouse.core.config import Settings
from keyhouse.core.state import AppState

FULL, NORMAL = 2, 1  # what PRAGMA synchronous reads back


def _synchronous(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, **env: str) -> list[int]:
    monkeypatch.setenv("KEYHOUSE_DATABASE_URL", f"sqlite:///{tmp_path / 'durable.db'}")
    monkeypatch.setenv("KEYHOUSE_MASTER_KEY", base64.b64encode(os.urandom(32)).decode())
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    state = AppState.from_settings(Settings())
    try:
        levels = []
        for engine in (state.engine, state.read_engine):
            with engine.connect() as connection:
                levels.append(int(connection.exec_driver_sql("PRAGMA synchronous").scalar_one()))
        return levels
    finally:
        state.close()


def test_every_commit_is_synced_by_default(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # GIVEN no setting WHEN the service opens its SQLite file THEN writer and readers sync fully
    assert _synchronous(monkeypatch, tmp_path) == [FULL, FULL]


def test_an_operator_may_trade_machine_crash_durability_for_faster_commits(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    levels = _synchronous(monkeypatch, tmp_path, KEYHOUSE_SQLITE_SYNCHRONOUS="normal")
    assert levels == [NORMAL, NORMAL]


def test_an_unknown_level_is_refused_naming_the_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KEYHOUSE_SQLITE_SYNCHRONOUS", "off")
    with pytest.raises(ValidationError) as refused:
        Settings()
    assert "sqlite_synchronous" in str(refused.value)
    assert "'full' or 'normal'" in str(refused.value)
