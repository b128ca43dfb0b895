"""Properties of evaluation, over generated policies and requests (hypothesis)."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from keyhouse.iam.document import validate
from keyhouse.iam.engine import CompiledPolicies, PolicySource

ACTIONS = [
    "secrets:GetSecretValue",
    "secrets:PutSecretValue",
    "secrets:*",
    "secrets:Get*",
    "keys:CreateKey",
    "keys:*",
    "iam:PassRole",
    "*",
]
RESOURCES = [
    "*",
    "khrn:secret:project/fs/*",
    "khrn:secret:project/fs/token",
    "khrn:secret:project/hr/*",
    "khrn:role:dbx",
    "khrn:role:*",
    "khrn:apikey:*",
]
REQUEST_ACTIONS = [
    "secrets:GetSecretValue",
    "secrets:PutSecretValue",
    "keys:CreateKey",
    "iam:PassRole",
]
REQUEST_RESOURCES = [
    "khrn:secret:project/fs/token",
    "khrn:secret:project/hr/pay",
    "khrn:role:dbx",
    "khrn:apikey:abc",
]
CONDITIONS = [
    None,
    {"StringEquals": {"keyhouse:Project": "fs"}},
    {"IpAddress": {"keyhouse:SourceIp": "10.0.0.0/8"}},
    {"ForAnyValue:StringEquals": {"keyhouse:KeyScopes": ["job", "secrets"]}},
]
CONTEXTS = [
    {},
    {"keyhouse:Project": "fs", "keyhouse:SourceIp": "10.1.1.1", "keyhouse:KeyScopes": ["job"]},
    {"keyhouse:Project": "hr", "keyhouse:SourceIp": "8.8.8.8", "keyhouse:KeyScopes": ["keys"]},
]


@st.composite
def statements(draw: st.DrawFn, effect: str | None = None) -> dict[str, Any]:
    result: dict[str, Any] = {
        "Effect": effect or draw(st.sampled_from(["Allow", "Deny"])),
        "NotAction" if draw(st.booleans()) and draw(st.booleans()) else "Action": draw(
            st.lists(st.sampled_from(ACTIONS), min_size=1, max_size=3)
        ),
        "Resource": draw(st.lists(st.sampled_from(RESOURCES), min_size=1, max_size=3)),
    }
    condition = draw(st.sampled_from(CONDITIONS))
    if condition is not None:
        result["Condition"] = condition
    return result


def compile_(items: list[dict[str, Any]]) -> CompiledPolicies:
    report = validate({"Version": "2012-10-17", "Statement": items})
    assert report.document is not None, report.errors
    return CompiledPolicies([PolicySource("p", "khrn:policy:p", report.document)])


def decisions(items: list[dict[str, Any]]) -> dict[tuple[str, str, int], str]:
    compiled = compile_(items)
    return {
        (action, resource, i): compiled.evaluate(action, resource, context).outcome
        for action in REQUEST_ACTIONS
        for resource in REQUEST_RESOURCES
        for i, context in enumerate(CONTEXTS)
    }


RANK = {"explicit_deny": 0, "implicit_deny": 1, "allowed": 2}
FAST = settings(max_examples=150, deadline=None)


@FAST
@given(st.lists(statements(), min_size=1, max_size=6), statements(effect="Deny"))
def test_adding_a_deny_never_grants_more(items: list[dict[str, Any]], deny: dict[str, Any]) -> None:
    before, after = decisions(items), decisions([*items, deny])
    for request, outcome in after.items():
        assert not (outcome == "allowed" and before[request] != "allowed"), request


@FAST
@given(st.lists(statements(), min_size=1, max_size=6), statements(effect="Allow"))
def test_adding_an_allow_never_takes_access_away(
    items: list[dict[str, Any]], allow: dict[str, Any]
) -> None:
    before, after = decisions(items), decisions([*items, allow])
    for request, outcome in before.items():
        if outcome == "allowed":
            assert after[request] == "allowed", request


@FAST
@given(st.lists(statements(), min_size=1, max_size=6), st.randoms())
def test_statement_order_does_not_matter(items: list[dict[str, Any]], rng: Any) -> None:
    shuffled = list(items)
    rng.shuffle(shuffled)
    assert decisions(items) == decisions(shuffled)
