"""Alembic migrations build exactly the models' schema on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, func, inspect, select, text

from keyhouse.core.db import alembic_config, upgrade_schema
from keyhouse.domain.catalog import BUILTIN_SCOPES, DEFAULT_KEY_LIFETIME_DAYS
from keyhouse.models import Base, Scope, ServiceSettings
from tests.support.postgres import PostgresServer


@pytest.fixture(params=["sqlite", "postgres"])
def empty_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'migrate.db'}"
    else:
        postgres: PostgresServer = request.getfixturevalue("postgres")
        url = postgres.create_database(f"migrate_{uuid.uuid4().hex[:8]}")
    engine = create_engine(url)
    yield engine
    engine.dispose()


def test_upgrade_builds_the_models_schema(empty_engine: Engine) -> None:
    upgrade_schema(empty_engine)
    with empty_engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert diff == []


def test_upgrade_seeds_the_catalog_and_settings(empty_engine: Engine) -> None:
    upgrade_schema(empty_engine)
    with empty_engine.connect() as connection:
        names = set(connection.scalars(select(Scope.name)))
        default = connection.scalar(select(ServiceSettings.default_key_lifetime_days))
    assert names == set(BUILTIN_SCOPES)
    assert default == DEFAULT_KEY_LIFETIME_DAYS


def test_upgrade_twice_changes_nothing(empty_engine: Engine) -> None:
    upgrade_schema(empty_engine)
    upgrade_schema(empty_engine)
    with empty_engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(Scope)) == len(BUILTIN_SCOPES)


def test_downgrade_removes_every_table(empty_engine: Engine) -> None:
    upgrade_schema(empty_engine)
    config = alembic_config(empty_engine.url.render_as_string(hide_password=False))
    with empty_engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "base")
    assert set(inspect(empty_engine).get_table_names()) <= {"alembic_version"}


def test_secrets_keep_their_type_when_the_column_is_renamed(empty_engine: Engine) -> None:
    config = alembic_config(empty_engine.url.render_as_string(hide_password=False))
    with empty_engine.begin() as connection:
        config.attributes["connection"] = connection
        # The revision just before the rename, wherever the chain puts it.
        before = ScriptDirectory.from_config(config).get_revision("i13_secret_type").down_revision
        assert isinstance(before, str)
        command.upgrade(config, before)
        connection.execute(
            text(
                "INSERT INTO secrets (id, name, namespace, visibility, kind, version, "
                "wrapped_key, ciphertext, created_at, updated_at) VALUES ('s1', 'a/b', "
                "'principal:x', 'private', 'file', 1, :blob, :blob, :now, :now)"
            ),
            {"blob": b"\x00", "now": datetime.now(UTC)},
        )
    upgrade_schema(empty_engine)
    with empty_engine.connect() as connection:
        assert connection.execute(text("SELECT type FROM secrets")).scalar() == "file"
