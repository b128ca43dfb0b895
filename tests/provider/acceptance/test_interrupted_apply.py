"""An apply killed with ``kill -9`` halfway, then run again, ends with exactly the keys
it declares: each create carries an idempotency key derived from the resource, so
the service answers the repeated ones with what it created the first time."""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path

from sqlalchemy import create_engine, text

from tests.provider.harness.slow_proxy import slow_proxy
from tests.provider.harness.terraform import TERRAFORM, Toolchain, Workspace
from tests.support.actors import unique
from tests.support.keyhouse_server import KeyhouseServer

COUNT = 50
CONFIG = """
resource "keyhouse_role" "r" {{
  name = "{s}"
}}
resource "keyhouse_api_key" "k" {{
  count      = {count}
  name       = "{s}-${{count.index}}"
  owner_role = keyhouse_role.r.name
  scopes     = ["job"]
}}
"""


def _keys(database_url: str, role: str) -> list[str]:
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                text(
                    "SELECT k.name FROM api_keys k JOIN principals p ON p.id = k.owner_id "
                    "WHERE p.kind = 'role' AND p.name = :role"
                ),
                {"role": role},
            )
            return [row[0] for row in rows]
    finally:
        engine.dispose()


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError, IndexError):
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def _alive(pid: int) -> bool:
    try:
        return "State:\tZ" not in Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False


def test_a_killed_apply_run_again_makes_each_key_once(
    service: KeyhouseServer, toolchain: Toolchain, tmp_path: Path
) -> None:
    role = unique("killed")
    workspace = Workspace(toolchain, tmp_path / "work", service.url, service.admin_key)
    workspace.write(CONFIG.format(s=role, count=COUNT))
    providers: list[int] = []
    # Answers to creates come late, so that the kill finds keys the service made and
    # terraform has not heard of (whatever terraform has saved of its state by then).
    with slow_proxy(service.url, delay=0.4) as url:
        process = subprocess.Popen(
            [TERRAFORM, "apply", "-auto-approve", "-no-color", "-parallelism=4"],
            cwd=workspace.directory,
            env={**workspace.env, "KEYHOUSE_URL": url},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            while process.poll() is None and len(_keys(service.database_url, role)) < COUNT // 4:
                providers = _children(process.pid) or providers
                time.sleep(0.02)
        finally:
            process.send_signal(signal.SIGKILL)
            process.wait()
    made = len(_keys(service.database_url, role))
    assert COUNT // 4 <= made < COUNT, f"killed after {made} keys"
    deadline = time.monotonic() + 30  # the providers notice that terraform is gone
    while any(_alive(pid) for pid in providers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert providers, "no provider process was seen"
    assert not any(_alive(pid) for pid in providers), "a provider outlived terraform"

    recorded = [a for a in workspace.state() if a.startswith("keyhouse_api_key.")]
    # Keys the service made that the state does not know of:
    assert len(recorded) < made, f"the state holds {len(recorded)} of the {made} keys"

    workspace.apply()
    names = _keys(service.database_url, role)
    assert sorted(names) == sorted(f"{role}-{i}" for i in range(COUNT))
    assert len(workspace.state()) == COUNT + 1
    workspace.assert_no_changes()
    workspace.destroy()
    assert _keys(service.database_url, role) == []
