"""Every file the service creates is private to its user (mode 0600)."""

from __future__ import annotations

import stat

from tests.support.actors import client, expect, unique
from tests.support.keyhouse_server import KeyhouseServer


def test_the_database_its_wal_and_the_keys_are_0600(sqlite_service: KeyhouseServer) -> None:
    # A write, while the service keeps connections open: the WAL and its index exist.
    with client(sqlite_service.url, sqlite_service.admin_key) as admin:
        expect(admin.post("/api/v1/roles", json={"name": unique("modes")}), 201)
    directory = sqlite_service.directory
    # server.log is the test harness's own file; everything else the service wrote.
    made = {p.name: p for p in directory.iterdir() if p.name != "server.log"}
    assert {"keyhouse.db", "keyhouse.db-wal", "keyhouse.db-shm", "master.key"} <= set(made)
    modes = {name: stat.S_IMODE(path.stat().st_mode) for name, path in made.items()}
    assert modes == dict.fromkeys(made, 0o600), {n: oct(m) for n, m in modes.items()}
