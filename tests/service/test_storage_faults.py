"""SQLite on a read-only or a full disk, under traffic: 503/507 naming storage meanwhile,
never a 500 or a dropped connection, and recovery without a restart once the fault is gone.

Faults are real: the directory and its files lose their write bits (the service
runs without root's permission override, see ``obeying_file_modes``), and a
small tmpfs is filled up (mounting needs root, as in CI; elsewhere that test
cannot set up its disk and says so).
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.actors import client
from tests.support.keyhouse_server import (
    KeyhouseServer,
    obeying_file_modes,
    start_server,
    start_server_under,
)
from tests.support.traffic import Outcome, Traffic, assert_clean_degradation


def _set_writable(directory: Path, writable: bool) -> None:
    for path in [directory, *directory.iterdir()]:
        mode = path.stat().st_mode
        path.chmod(mode | 0o200 if writable else mode & ~0o222)


def _burst(service: KeyhouseServer, count: int) -> None:
    """``count`` concurrent writes: more than the pool keeps, so new connections open."""

    def one() -> None:
        with client(service.url, service.admin_key) as http:
            http.post("/api/v1/iam/policies:validate", json={"document": {}})
            http.post(
                "/api/v1/secrets", json={"name": f"burst/{os.urandom(6).hex()}", "value": "v"}
            )

    threads = [threading.Thread(target=one) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def _all_succeed_after(outcomes: list[Outcome], moment: float) -> None:
    late = [o for o in outcomes if o.started >= moment]
    assert late, "no request after the fault was removed"
    failed = [o for o in late if o.status != 200]
    assert not failed, f"{len(failed)} of {len(late)} requests failed after recovery: {failed[:2]}"


@pytest.fixture
def sqlite_dir(tmp_path: Path) -> Iterator[Path]:
    directory = tmp_path / "data"
    directory.mkdir()
    yield directory
    _set_writable(directory, True)


def test_a_read_only_directory_answers_503_and_recovers_without_restart(
    sqlite_dir: Path,
) -> None:
    service = start_server_under(
        obeying_file_modes(), "sqlite", f"sqlite:///{sqlite_dir / 'keyhouse.db'}", sqlite_dir
    )
    try:
        # GIVEN steady reads (audited) and writes
        traffic = Traffic(service.url, service.admin_key).start()
        time.sleep(0.5)

        # WHEN the directory and its files become read-only, while new connections open
        _set_writable(sqlite_dir, False)
        _burst(service, 30)
        time.sleep(1.0)
        ready_during = httpx.post(
            f"{service.url}/api/v1/secrets",
            json={"name": "during/fault", "value": "v"},
            headers={"x-api-key": service.admin_key},
        )
        _set_writable(sqlite_dir, True)
        fixed_at = time.monotonic()
        time.sleep(2.0)
        outcomes = traffic.stop()

        # THEN writes meanwhile were 503s naming storage, never 500s, no dropped connection
        assert ready_during.status_code == 503
        problem = ready_during.json()
        assert problem["storage"] == "SQLite: the database file is read-only"
        assert "storage" in problem["detail"]
        assert_clean_degradation(outcomes, {503})
        # and every request from half a second after the fix succeeded, without a restart
        _all_succeed_after(outcomes, fixed_at + 0.5)
        assert httpx.get(f"{service.url}/readyz").status_code == 200
        log = service.log()
        assert 0 < log.count("storage fault: SQLite: the database file is read-only") <= 2
        assert "storage recovered" in log
        assert "Traceback" not in log
    finally:
        service.stop()


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    mount_point = tmp_path / "disk"
    mount_point.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=6m", "tmpfs", str(mount_point)], capture_output=True
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs for a full disk here (needs root): {mounted.stderr!r}")
    yield mount_point
    subprocess.run(["umount", "-l", str(mount_point)], check=False)


def _fill(directory: Path) -> Path:
    filler = directory / "filler"
    # Unbuffered: a buffered file would try its last block again on close, and that
    # ENOSPC escaped the loop's except (seen once in CI).
    with filler.open("wb", buffering=0) as handle:
        try:
            while True:
                handle.write(b"\0" * 65536)
        except OSError:
            pass
    return filler


def test_a_full_disk_answers_507_and_recovers_when_space_returns(small_disk: Path) -> None:
    service = start_server("sqlite", f"sqlite:///{small_disk / 'keyhouse.db'}", small_disk)
    try:
        # GIVEN steady traffic of large values
        traffic = Traffic(service.url, service.admin_key, value_size=8000).start()
        time.sleep(0.3)

        # WHEN the disk fills up
        filler = _fill(small_disk)
        deadline = time.monotonic() + 10
        while not any(o.status == 507 for o in list(traffic.outcomes)):
            assert time.monotonic() < deadline, "the full disk never reached the service"
            time.sleep(0.1)
        time.sleep(0.5)
        filler.unlink()
        freed_at = time.monotonic()
        time.sleep(2.0)
        outcomes = traffic.stop()

        # THEN the answers meanwhile were 507 (or 503) naming storage, never 500
        assert_clean_degradation(outcomes, {503, 507})
        full = [o for o in outcomes if o.status == 507]
        assert "SQLite: the disk is full" in full[0].body
        # and the service works again once there is space, without a restart
        _all_succeed_after(outcomes, freed_at + 0.5)
        assert "Traceback" not in service.log()
    finally:
        service.stop()
