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


def run_schemathesis(
    server: KeyhouseServer, principal: Principal, directory: Path
) -> dict[str, Any]:
    """``st run`` over the live document as ``principal``; its JSON report."""
    config = directory / "schemathesis.toml"
    config.write_text(CONFIG)
    report = directory / "report.json"
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "SCHEMATHESIS_HOOKS": "tests.contract.hooks",
        "KEYHOUSE_CONTRACT_URL": server.url,
        "KEYHOUSE_CONTRACT_KEY": principal.key,
        "KEYHOUSE_CONTRACT_KEY_ID": principal.key_id,
        "KEYHOUSE_CONTRACT_USER": principal.user,
    }
    began = time.monotonic()
    result = subprocess.run(
        [
            str(ST),
            "--no-color",
            "--config-file",
            str(config),
            "run",
            f"{server.url}/openapi.json",
            "--workers",
            "2",
            "--report",
            "json",
            "--report-json-path",
            str(report),
        ],
        env=env,
        cwd=directory,
        capture_output=True,
        text=True,
        timeout=600,
    )
    elapsed = time.monotonic() - began
    (directory / "output.txt").write_text(result.stdout + result.stderr)
    assert result.returncode == 0, (
        f"schemathesis as the {principal.label} found failures ({elapsed:.0f} s):\n"
        + result.stdout[-20000:]
    )
    report_body: dict[str, Any] = json.loads(report.read_text())
    return report_body


@pytest.mark.parametrize("who", ["contract_admin", "contract_user"])
def test_the_service_keeps_its_contract(
    who: str,
    request: pytest.FixtureRequest,
    contract_service: KeyhouseServer,
    tmp_path: Path,
) -> None:
    principal: Principal = request.getfixturevalue(who)
    report = run_schemathesis(contract_service, principal, tmp_path)
    cases = report["test_cases"]
    CASES[principal.label] += cases["generated"]
    assert cases["with_failures"] == cases["errored"] == 0
    assert report["operations"]["tested"] == report["operations"]["total"]
    assert all(
        phase["status"] != "skip" for name, phase in report["phases"].items() if name != "examples"
    )
