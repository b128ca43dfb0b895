"""The service keeps its published contract: schemathesis over the live OpenAPI document.

``st run`` drives every operation with generated requests (the examples,
coverage and fuzzing phases, positive and negative), then chains of operations
(the stateful phase), once as the admin and once as an ordinary user, with
every check schemathesis runs by default. None may fail and none may answer 5xx.

The run sends one credential, the principal's ``x-api-key`` (schemathesis.toml
below), and never revokes, deletes or changes the key it runs with, nor its
user (tests/contract/hooks.py): a run that locked itself out would test
nothing but 401s.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.contract.conftest import CASES, Principal
from tests.support.keyhouse_server import KeyhouseServer

ROOT = Path(__file__).resolve().parents[2]
ST = Path(sys.executable).parent / "st"
# Generated cases per operation and phase: a few thousand cases in all.
MAX_EXAMPLES = int(os.environ.get("KEYHOUSE_CONTRACT_EXAMPLES", "5"))
SEED = int(os.environ.get("KEYHOUSE_CONTRACT_SEED", "20261202"))
TIMEOUT_SECONDS = 600

CONFIG = f"""
seed = {SEED}

# One credential: the x-api-key scheme of the document, never Authorization too.
[auth.openapi.ApiKeyHeader]
api_key = "${{KEYHOUSE_CONTRACT_KEY}}"

[generation]
max-examples = {MAX_EXAMPLES}
database = "none"

[output.sanitization]
enabled = true
"""


@dataclass
class Run:
    """One ``st run``, started, then finished."""

    principal: Principal
    directory: Path
    process: subprocess.Popen[bytes]
    began: float
    seconds: float = 0.0

    @property
    def output(self) -> str:
        return (self.directory / "output.txt").read_text(errors="replace")

    def report(self) -> dict[str, Any]:
        body: dict[str, Any] = json.loads((self.directory / "report.json").read_text())
        return body


def start(server: KeyhouseServer, principal: Principal, directory: Path) -> Run:
    """``st run`` over the live document as ``principal``, in the background."""
    directory.mkdir(parents=True, exist_ok=True)
    config = directory / "schemathesis.toml"
    config.write_text(CONFIG)
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "SCHEMATHESIS_HOOKS": "tests.contract.hooks",
        "KEYHOUSE_CONTRACT_URL": server.url,
        "KEYHOUSE_CONTRACT_KEY": principal.key,
        "KEYHOUSE_CONTRACT_KEY_ID": principal.key_id,
        "KEYHOUSE_CONTRACT_USER": principal.user,
    }
    with (directory / "output.txt").open("wb") as output:
        process = subprocess.Popen(
            [
                str(ST),
                "--no-color",
                "--config-file",
                str(config),
                "run",
                f"{server.url}/openapi.json",
                "--workers",
                "1",
                "--report",
                "json",
                "--report-json-path",
                str(directory / "report.json"),
            ],
            env=env,
            cwd=directory,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    return Run(principal, directory, process, time.monotonic())


@pytest.fixture(scope="module")
def runs(
    contract_service: KeyhouseServer,
    contract_admin: Principal,
    contract_user: Principal,
    tmp_path_factory: pytest.TempPathFactory,
) -> dict[str, Run]:
    """Both runs, side by side (each on one worker), once they have finished."""
    directory = tmp_path_factory.mktemp("schemathesis")
    started = [
        start(contract_service, principal, directory / principal.label)
        for principal in (contract_admin, contract_user)
    ]
    for run in started:
        try:
            run.process.wait(timeout=TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            run.process.kill()
            run.process.wait()
        run.seconds = time.monotonic() - run.began
    return {run.principal.label: run for run in started}


@pytest.mark.parametrize("who", ["admin", "user"])
def test_the_service_keeps_its_contract(who: str, runs: dict[str, Run]) -> None:
    run = runs[who]
    assert run.process.returncode == 0, (
        f"schemathesis as the {who} found failures ({run.seconds:.0f} s):\n" + run.output[-20000:]
    )
    report = run.report()
    cases = report["test_cases"]
    CASES[who] += cases["generated"]
    assert cases["with_failures"] == cases["errored"] == 0
    assert report["operations"]["tested"] == report["operations"]["total"]
    phases = report["phases"]
    assert all(phases[name]["status"] == "success" for name in ("coverage", "fuzzing", "stateful"))
