"""Benchmark: synthesizing generated L1 constructs against plain cdktf resources.

In one run, builds and synthesizes (``app.synth()``, JSON written to disk) a stack
of 1,000 generated L1 constructs (API keys with a ``store_in_secret`` block,
secrets, roles, projects and memberships in turn) and a stack of 1,000 plain
``cdktf.TerraformResource`` objects carrying the same attributes through
``add_override`` (the floor: what CDKTF costs without our classes). A third
stack, plain ``TerraformResource`` subclasses that hand cdktf a ready dict, shows
the least any Python construct can cost. The stacks take turns in rounds so
that the machine's noise falls on all; the first round warms up and is not
counted. Checks that the L1 and floor stacks synthesize the same resources, then
prints the times and the ratio. Goal: <= 1.2x.

    .venv/bin/python bench/synth.py [--constructs 1000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

# Before cdktf starts its Node process: quiet jsii's Node 20 banner (as keyhouse_cdk does).
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
os.environ.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")

import cdktf

from keyhouse_cdk.l1 import (
    ApiKey,
    ApiKeyStoreInSecret,
    KeyhouseProvider,
    Project,
    ProjectMember,
    Role,
    Secret,
)
from keyhouse_cdk.l1._support import METADATA

Spec = tuple[str, str, dict[str, Any]]
"""(terraform type, construct id, attributes as Terraform JSON)."""


def specs(count: int) -> list[Spec]:
    """``count`` resources of five kinds, with the attributes each is given."""
    found: list[Spec] = []
    for i in range(count):
        kind = i % 5
        if kind == 0:
            attributes = {
                "name": f"key-{i}",
                "scopes": ["featurestore", "project", "job", "kafka"],
                "owner_role": f"role-{i}",
                "project": "featurestore",
                "expires_in_days": 90,
                "store_in_secret": {
                    "name": f"hopsworks/role/role-{i}/type/api-key",
                    "project": "featurestore",
                    "visibility": "project",
                },
            }
            found.append(("keyhouse_api_key", f"key{i}", attributes))
        elif kind == 1:
            attributes = {
                "name": f"app/secret-{i}",
                "value": "${var.value}",
                "project": "featurestore",
                "type": "text",
            }
            found.append(("keyhouse_secret", f"secret{i}", attributes))
        elif kind == 2:
            found.append(("keyhouse_role", f"role{i}", {"name": f"role-{i}"}))
        elif kind == 3:
            attributes = {"name": f"project-{i}", "description": "benchmark"}
            found.append(("keyhouse_project", f"project{i}", attributes))
        else:
            attributes = {"project": "featurestore", "user": f"user-{i}", "role": "viewer"}
            found.append(("keyhouse_project_member", f"member{i}", attributes))
    return found


def add_l1(stack: cdktf.TerraformStack, spec: Spec) -> None:
    """The generated construct for ``spec``."""
    kind, id_, a = spec
    if kind == "keyhouse_api_key":
        block = a["store_in_secret"]
        ApiKey(
            stack,
            id_,
            name=a["name"],
            scopes=a["scopes"],
            owner_role=a["owner_role"],
            project=a["project"],
            expires_in_days=a["expires_in_days"],
            store_in_secret=ApiKeyStoreInSecret(
                name=block["name"], project=block["project"], visibility=block["visibility"]
            ),
        )
    elif kind == "keyhouse_secret":
        Secret(stack, id_, name=a["name"], value=a["value"], project=a["project"], type=a["type"])
    elif kind == "keyhouse_role":
        Role(stack, id_, name=a["name"])
    elif kind == "keyhouse_project":
        Project(stack, id_, name=a["name"], description=a["description"])
    else:
        ProjectMember(stack, id_, project=a["project"], user=a["user"], role=a["role"])


def add_plain(stack: cdktf.TerraformStack, spec: Spec) -> None:
    """A plain ``TerraformResource`` with the same attributes (the floor)."""
    kind, id_, attributes = spec
    resource = cdktf.TerraformResource(
        stack, id_, terraform_resource_type=kind, terraform_generator_metadata=METADATA
    )
    for name, value in attributes.items():
        resource.add_override(name, value)


class _Minimal(cdktf.TerraformResource):
    """A subclass that hands cdktf its attributes as one ready dict."""

    def __init__(self, scope: cdktf.TerraformStack, id_: str, kind: str, attributes: Any) -> None:
        super().__init__(
            scope, id_, terraform_resource_type=kind, terraform_generator_metadata=METADATA
        )
        self._attributes = attributes

    def _synthesize_attributes(self) -> Mapping[str, Any]:
        return self._attributes  # type: ignore[no-any-return]


def add_minimal(stack: cdktf.TerraformStack, spec: Spec) -> None:
    """The least a Python construct can do."""
    kind, id_, attributes = spec
    _Minimal(stack, id_, kind, attributes)


def synthesize(
    add: Callable[[cdktf.TerraformStack, Spec], None], resources: list[Spec], outdir: Path
) -> tuple[float, dict[str, Any]]:
    """Build a stack of ``resources`` with ``add`` and synthesize it; seconds and the JSON."""
    if outdir.exists():
        shutil.rmtree(outdir)
    started = time.perf_counter()
    app = cdktf.App(outdir=str(outdir))
    stack = cdktf.TerraformStack(app, "bench")
    KeyhouseProvider(stack, "keyhouse")
    for spec in resources:
        add(stack, spec)
    app.synth()
    elapsed = time.perf_counter() - started
    document: dict[str, Any] = json.loads((outdir / "stacks" / "bench" / "cdk.tf.json").read_text())
    return elapsed, document


def _resources(document: dict[str, Any]) -> dict[str, Any]:
    return {
        kind: {name: {k: v for k, v in body.items() if k != "//"} for name, body in items.items()}
        for kind, items in document["resource"].items()
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--constructs", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    resources = specs(args.constructs)
    kinds = {"l1": add_l1, "floor": add_plain, "minimal": add_minimal}
    totals = dict.fromkeys(kinds, 0.0)
    scratch = Path(tempfile.mkdtemp(prefix="keyhouse-bench-synth-"))
    try:
        documents = {}
        for round_ in range(args.rounds + 1):
            for name, add in kinds.items():
                elapsed, documents[name] = synthesize(add, resources, scratch / name)
                if round_ > 0:  # round 0 warms up jsii, Node's JIT and the imports
                    totals[name] += elapsed
        if _resources(documents["l1"]) != _resources(documents["floor"]):
            raise SystemExit("error: the L1 and floor stacks synthesize different resources")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    rounds = args.rounds
    print(f"synth of a stack of {args.constructs} resources, mean of {rounds} rounds")
    labels = {
        "l1": "generated L1 constructs",
        "floor": "plain TerraformResource + add_override (floor)",
        "minimal": "minimal TerraformResource subclass",
    }
    for name, label in labels.items():
        mean = totals[name] / rounds
        print(f"  {label:48} {mean:6.3f} s  {mean / args.constructs * 1e6:6.0f} us/construct")
    ratio = totals["l1"] / totals["floor"]
    verdict = "met" if ratio <= 1.2 else "NOT met"
    print(f"  ratio L1 / floor {ratio:35.3f}x   (goal <= 1.2x: {verdict})")
    print(f"  ratio L1 / minimal subclass {totals['l1'] / totals['minimal']:24.3f}x")


if __name__ == "__main__":
    main()
