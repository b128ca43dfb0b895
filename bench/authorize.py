"""Benchmark: decisions per second of the authorization function.

A principal holds 20 attached policies of 10 statements each, with wildcards
in actions and resources and conditions on the request context, plus its
managed policies. In one run this measures:

* uncached: ``CompiledPolicies.evaluate`` (the policies compiled, no decision cache);
* cached: ``Authorizer.decide`` answering from its decision cache;
* the floor: a plain dictionary look-up of the precomputed answer.

Goal: >= 50,000 uncached decisions/s, and a cached decision within 3x the floor.

    .venv/bin/python bench/authorize.py [--decisions 200000]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

from sqlalchemy.orm import Session

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from keyhouse.domain.auth import Caller  # noqa: E402
from keyhouse.iam.authorizer import (  # noqa: E402
    Authorizer,
    PrincipalPolicies,
    policy_sources,
)
from keyhouse.iam.engine import CompiledPolicies  # noqa: E402

SERVICES = {
    "secrets": ["GetSecret", "GetSecretValue", "PutSecretValue", "CreateSecret", "DeleteSecret"],
    "keys": ["CreateKey", "RevokeKey", "DeleteKey", "ListKeys"],
    "projects": ["AddMember", "GetProject", "ListMembers"],
    "iam": ["PassRole", "GetPolicy"],
}
PROJECTS = [f"proj{i}" for i in range(10)]


def statement(rng: random.Random, index: int) -> dict[str, Any]:
    service = rng.choice(list(SERVICES))
    action = rng.choice(
        [f"{service}:*", f"{service}:Get*", f"{service}:{rng.choice(SERVICES[service])}"]
    )
    project = rng.choice(PROJECTS)
    resource = rng.choice(
        [
            f"khrn:secret:project/{project}/*",
            f"khrn:secret:project/{project}/team-?/*",
            f"khrn:project:{project}",
            f"khrn:role:svc-{rng.randint(0, 20)}",
            "khrn:apikey:*",
        ]
    )
    condition = rng.choice(
        [
            {"StringEquals": {"keyhouse:Project": project}},
            {"IpAddress": {"keyhouse:SourceIp": ["10.0.0.0/8", "192.168.0.0/16"]}},
            {"ForAnyValue:StringEquals": {"keyhouse:KeyScopes": ["secrets", "job"]}},
            {"StringLike": {"keyhouse:PrincipalName": "svc-*"}},
        ]
    )
    return {
        "Sid": f"S{index}",
        "Effect": "Deny" if rng.random() < 0.1 else "Allow",
        "Action": [action, f"{service}:List*"],
        "Resource": [resource, f"khrn:secret:project/{project}/shared/*"],
        "Condition": condition,
    }


def requests(rng: random.Random, count: int) -> list[tuple[str, str]]:
    result = []
    for _ in range(count):
        service = rng.choice(list(SERVICES))
        action = f"{service}:{rng.choice(SERVICES[service])}"
        project = rng.choice(PROJECTS)
        resource = rng.choice(
            [
                f"khrn:secret:project/{project}/team-{rng.randint(0, 9)}/token",
                f"khrn:secret:project/{project}/shared/db",
                f"khrn:project:{project}",
                f"khrn:role:svc-{rng.randint(0, 20)}",
                f"khrn:apikey:k{rng.randint(0, 99)}",
            ]
        )
        result.append((action, resource))
    return result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--decisions", type=int, default=200_000)
    args = parser.parse_args()
    rng = random.Random(7)
    attached = [
        (
            f"policy-{p}",
            {"Version": "2012-10-17", "Statement": [statement(rng, s) for s in range(10)]},
        )
        for p in range(20)
    ]
    memberships = {PROJECTS[0]: "member", PROJECTS[1]: "viewer"}
    sources = policy_sources("role", "svc-1", False, attached, memberships)
    compiled = CompiledPolicies(sources)
    context: dict[str, Any] = {
        "keyhouse:SourceIp": "10.1.2.3",
        "keyhouse:PrincipalName": "svc-1",
        "keyhouse:PrincipalType": "role",
        "keyhouse:KeyId": "k1",
        "keyhouse:KeyScopes": ("job", "secrets"),
        "keyhouse:Project": PROJECTS[3],
    }
    work = requests(rng, 1000)
    answers = {(a, r): compiled.evaluate(a, r, context) for a, r in work}
    caller = Caller(
        principal_id="p1",
        principal_kind="role",
        principal_name="svc-1",
        is_admin=False,
        key_id="k1",
        key_name="k",
        key_prefix="kh_k1",
        scopes=frozenset({"job", "secrets"}),
        project_id=None,
        project_name=None,
        expires_at=datetime.now(UTC) + timedelta(days=1),
        generation=1,
        source_ip="10.1.2.3",
    )
    authorizer = Authorizer()
    authorizer._policies[caller.principal_id] = PrincipalPolicies(1, compiled, memberships)
    session = cast(Session, None)  # never touched: the policies are already held
    # Once per request, as the service does: the context's values other than the time.
    fingerprint = tuple(context.values())

    def context_of() -> dict[str, Any]:
        return context

    for action, resource in work:  # fill the decision cache
        authorizer.decide(session, caller, action, resource, fingerprint, context_of)
    n = args.decisions

    steps: dict[str, Callable[[tuple[str, str]], object]] = {
        "floor: dict look-up of a precomputed answer": lambda r: answers[r],
        "uncached: compiled policies, no decision cache": (
            lambda r: compiled.evaluate(r[0], r[1], context)
        ),
        "cached: Authorizer.decide from its cache": (
            lambda r: authorizer.decide(session, caller, r[0], r[1], fingerprint, context_of)
        ),
    }
    # The three take turns in rounds, so that the machine's noise falls on all of them.
    spent = dict.fromkeys(steps, 0.0)
    rounds = 20
    per_round = n // rounds
    for _ in range(rounds):
        for label, step in steps.items():
            started = time.perf_counter()
            for i in range(per_round):
                step(work[i % 1000])
            spent[label] += time.perf_counter() - started
    rates = {label: per_round * rounds / seconds for label, seconds in spent.items()}
    print(f"{len(sources)} policies, {sum(len(s.document.statements) for s in sources)} statements")
    for label, rate in rates.items():
        print(f"  {label:<48}{rate:>12,.0f} decisions/s")
    floor, uncached, cached = rates.values()
    verdict = "met" if uncached >= 50_000 else "NOT met"
    print(f"  uncached: {uncached:,.0f}/s (goal >= 50,000: {verdict})")
    ratio = floor / cached
    verdict = "met" if ratio <= 3 else "NOT met"
    print(f"  cached: {ratio:.2f}x the floor's time (goal <= 3x: {verdict})")


if __name__ == "__main__":
    main()
