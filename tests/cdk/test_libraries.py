"""Every stack synthesizes under CDKTF and under CDK Terrain, to the same Terraform JSON."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
STACKS = ["cluster-access", "api-keys", "model-keys", "project-secrets"]


def synthesize(library: str, outdir: Path) -> dict[str, Any]:
    """``python -m stacks`` with ``library`` chosen; each stack's JSON without metadata."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KEYHOUSE_", "CDKTF_"))}
    env.update(KEYHOUSE_CDK_LIBRARY=library, CDKTF_OUTDIR=str(outdir))
    check = "import keyhouse_cdk, runpy, sys; print(keyhouse_cdk.LIBRARY, file=sys.stderr); "
    result = subprocess.run(
        [sys.executable, "-c", check + "runpy.run_module('stacks', run_name='__main__')"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stderr.splitlines()[0] == library
    found = {}
    for stack in STACKS:
        document = json.loads((outdir / "stacks" / stack / "cdk.tf.json").read_text())
        found[stack] = strip_metadata(document)
        # AND under both, the stack's lock file is seeded for an offline first deploy
        assert (outdir / "stacks" / stack / ".terraform.lock.hcl").exists()
    return found


def strip_metadata(value: Any) -> Any:
    """The document without ``//`` entries, where each library names itself and its version."""
    if isinstance(value, dict):
        return {k: strip_metadata(v) for k, v in value.items() if k != "//"}
    if isinstance(value, list):
        return [strip_metadata(v) for v in value]
    return value


@pytest.mark.parametrize("library", ["cdktn"])
def test_every_stack_synthesizes_the_same_under_both_libraries(
    library: str, tmp_path: Path
) -> None:
    # GIVEN the stacks app WHEN it synthesizes under CDKTF and under CDK Terrain
    under_cdktf = synthesize("cdktf", tmp_path / "cdktf")
    under_other = synthesize(library, tmp_path / library)
    # THEN every stack is there, with the same resources, data sources, outputs and backend
    assert set(under_other) == set(STACKS)
    for stack in STACKS:
        assert under_other[stack] == under_cdktf[stack], stack
        assert under_cdktf[stack]["resource"]
