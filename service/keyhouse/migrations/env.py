"""Alembic environment: runs on the connection handed over by the service or CLI."""

from alembic import context
from sqlalchemy import Connection, create_engine

from keyhouse.models import Base

config = context.config


def _migrate(connection: Connection) -> None:
    # SQLite alters tables by copying them: batch mode does that.
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _migrate(connection)
        return
    url = config.get_main_option("sqlalchemy.url")
    assert url is not None, "sqlalchemy.url is not configured"
    with create_engine(url).begin() as connection:
        _migrate(connection)


run_migrations()
