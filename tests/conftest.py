"""Session-wide real components: a PostgreSQL server and key services on SQLite and PostgreSQL.

Every test that takes the ``service`` fixture runs once against each backend.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine, create_engine

from tests.support.actors import Actor, client, make_user
from tests.support.keyhouse_server import LOG_SCAN, KeyhouseServer, start_server
from tests.support.postgres import PostgresServer, start_postgres


@pytest.fixture(scope="session", autouse=True)
def no_secret_in_any_log() -> Iterator[None]:
    """After every test: no line any key service logged holds a key, master key or value.

    Set up first, so torn down last: every server of the session has stopped and
    been scanned by then (``KeyhouseServer.stop``).
    """
    yield
    assert LOG_SCAN.findings == [], (
        f"secret material in {len(LOG_SCAN.findings)} log line(s): {LOG_SCAN.findings[:10]}"
    )


@pytest.fixture(scope="session")
def workdir() -> Iterator[Path]:
    """A scratch directory for the session's servers."""
    path = Path(tempfile.mkdtemp(prefix="keyhouse-tests-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """A PostgreSQL server for the whole session."""
    server = start_postgres()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def sqlite_service(workdir: Path) -> Iterator[KeyhouseServer]:
    """The key service on an SQLite file."""
    directory = workdir / "sqlite"
    directory.mkdir()
    server = start_server("sqlite", f"sqlite:///{directory / 'keyhouse.db'}", directory)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def postgres_service(workdir: Path, postgres: PostgresServer) -> Iterator[KeyhouseServer]:
    """The key service on PostgreSQL."""
    server = start_server("postgres", postgres.create_database("keyhouse"), workdir / "postgres")
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", "postgres"])
def service(request: pytest.FixtureRequest) -> KeyhouseServer:
    """The key service, once per storage backend."""
    server: KeyhouseServer = request.getfixturevalue(f"{request.param}_service")
    return server


@pytest.fixture
def admin(service: KeyhouseServer) -> Iterator[httpx.Client]:
    """An HTTP client holding the bootstrap admin key."""
    with client(service.url, service.admin_key) as http:
        yield http


@pytest.fixture
def anonymous(service: KeyhouseServer) -> Iterator[httpx.Client]:
    """An HTTP client sending no key."""
    with client(service.url, None) as http:
        yield http


@pytest.fixture
def user(service: KeyhouseServer, admin: httpx.Client) -> Actor:
    """A fresh non-admin user with a key holding every non-admin scope."""
    return make_user(admin, service.url)


@pytest.fixture
def other_user(service: KeyhouseServer, admin: httpx.Client) -> Actor:
    """A second fresh non-admin user."""
    return make_user(admin, service.url)


@pytest.fixture
def db(service: KeyhouseServer) -> Iterator[Engine]:
    """A direct connection to the service's database, for checks the API cannot make."""
    engine = create_engine(service.database_url)
    yield engine
    engine.dispose()


# First, so that xdist (which renames grouped tests in its own hook) sees the groups.
@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Group tests for ``pytest -n`` (xdist's ``loadgroup``): a file stays on one worker.

    Many files run steps in order against one deployment (deploy, deploy again,
    destroy), so a file is the unit of distribution. Two folders go whole: the
    end-to-end tests share one pip install of the checkout (a session fixture,
    minutes long), and the client's coverage test checks what every operation
    test of its session exercised.
    """
    for item in items:
        path = item.nodeid.split("::", 1)[0]
        whole = next((top for top in _WHOLE_FOLDERS if path.startswith(top)), None)
        own = _OWN_INSTALL if path in _OWN_INSTALL_FILES else None
        item.add_marker(pytest.mark.xdist_group(own or whole or path))


_WHOLE_FOLDERS = ("tests/e2e/", "tests/client/")
# End-to-end files with a pip install of their own (keyhouse[cdktn]): another worker's, which
# they share.
_OWN_INSTALL_FILES = ("tests/e2e/test_own_app_cdktn.py", "tests/e2e/test_write_only_cdktn.py")
_OWN_INSTALL = "tests/e2e/cdktn"
