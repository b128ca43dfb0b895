"""Evaluation: wildcards, Deny over Allow, NotAction / NotResource, conditions and qualifiers."""

from __future__ import annotations

from typing import Any

import pytest

from keyhouse.iam.conditions import Context
from keyhouse.iam.document import validate
from keyhouse.iam.engine import CompiledPolicies, PolicySource

SECRET = "khrn:secret:project/fs/hopsworks/role/dbx/type/api-key"


def policies(*statements: dict[str, Any]) -> CompiledPolicies:
    report = validate({"Version": "2012-10-17", "Statement": list(statements)})
    assert report.document is not None, report.errors
    return CompiledPolicies([PolicySource("p", "khrn:policy:p", report.document)])


def statement(effect: str = "Allow", **fields: Any) -> dict[str, Any]:
    return {"Effect": effect, "Action": "*", "Resource": "*", **fields}


def outcome(
    compiled: CompiledPolicies, action: str, resource: str, context: Context | None = None
) -> str:
    return compiled.evaluate(action, resource, context or {}).outcome


WILDCARDS = [
    ("secrets:GetSecretValue", "secrets:GetSecretValue", True),
    ("secrets:*", "secrets:PutSecretValue", True),
    ("secrets:Get*", "secrets:GetSecretValue", True),
    ("secrets:Get*", "secrets:PutSecretValue", False),
    ("secrets:GetSecre?Value", "secrets:GetSecretValue", True),
    ("secrets:GetSecre?Value", "secrets:GetSecreValue", False),
    ("SECRETS:getsecretvalue", "secrets:GetSecretValue", True),  # actions: case-insensitive
    ("*", "iam:PassRole", True),
    ("keys:*", "secrets:GetSecretValue", False),
]


@pytest.mark.parametrize(("pattern", "action", "matches"), WILDCARDS)
def test_action_wildcards(pattern: str, action: str, matches: bool) -> None:
    compiled = policies(statement(Action=pattern))
    assert (outcome(compiled, action, SECRET) == "allowed") is matches


RESOURCES = [
    (SECRET, SECRET, True),
    ("khrn:secret:project/fs/*", SECRET, True),
    ("khrn:secret:project/FS/*", SECRET, False),  # resources: case-sensitive
    ("khrn:secret:project/f?/*", SECRET, True),
    ("khrn:secret:project/f?/*", "khrn:secret:project/fsx/a", False),
    ("khrn:role:*", SECRET, False),
    ("*", SECRET, True),
]


@pytest.mark.parametrize(("pattern", "resource", "matches"), RESOURCES)
def test_resource_wildcards(pattern: str, resource: str, matches: bool) -> None:
    compiled = policies(statement(Resource=pattern))
    assert (outcome(compiled, "secrets:GetSecretValue", resource) == "allowed") is matches


def test_explicit_deny_wins_over_any_allow() -> None:
    compiled = policies(
        statement(Action="secrets:*", Resource="khrn:secret:project/fs/*"),
        statement("Deny", Action="secrets:GetSecretValue", Resource=SECRET, Sid="NoToken"),
    )
    decision = compiled.evaluate("secrets:GetSecretValue", SECRET, {})
    assert decision.outcome == "explicit_deny"
    assert [d.sid for d in decision.statements] == ["NoToken"]
    assert outcome(compiled, "secrets:GetSecret", SECRET) == "allowed"


def test_nothing_allows_means_implicit_deny() -> None:
    compiled = policies(statement(Action="keys:*"))
    assert outcome(compiled, "secrets:GetSecretValue", SECRET) == "implicit_deny"


def test_not_action_and_not_resource() -> None:
    compiled = policies(
        {"Effect": "Allow", "NotAction": "iam:*", "NotResource": "khrn:secret:project/hr/*"}
    )
    assert outcome(compiled, "secrets:GetSecretValue", SECRET) == "allowed"
    assert outcome(compiled, "iam:CreatePolicy", SECRET) == "implicit_deny"
    assert (
        outcome(compiled, "secrets:GetSecretValue", "khrn:secret:project/hr/pay") == "implicit_deny"
    )


# Each row: operator, policy values, context value, whether the Allow applies.
CONDITIONS: list[tuple[str, str, Any, Any, bool]] = [
    ("StringEquals", "keyhouse:Project", "fs", "fs", True),
    ("StringEquals", "keyhouse:Project", ["hr", "fs"], "fs", True),
    ("StringEquals", "keyhouse:Project", "fs", "FS", False),
    ("StringEquals", "keyhouse:Project", "fs", None, False),
    ("StringNotEquals", "keyhouse:Project", "hr", "fs", True),
    ("StringNotEquals", "keyhouse:Project", "fs", "fs", False),
    ("StringNotEquals", "keyhouse:Project", "fs", None, True),
    ("StringLike", "keyhouse:PrincipalName", "dbx-*", "dbx-cluster", True),
    ("StringLike", "keyhouse:PrincipalName", "dbx-?", "dbx-cluster", False),
    ("StringNotLike", "keyhouse:PrincipalName", "test-*", "dbx-cluster", True),
    ("StringNotLike", "keyhouse:PrincipalName", "dbx-*", "dbx-cluster", False),
    (
        "DateLessThan",
        "keyhouse:CurrentTime",
        "2030-01-01T00:00:00Z",
        "2026-11-22T10:00:00+00:00",
        True,
    ),
    (
        "DateLessThan",
        "keyhouse:CurrentTime",
        "2020-01-01T00:00:00Z",
        "2026-11-22T10:00:00+00:00",
        False,
    ),
    (
        "DateGreaterThan",
        "keyhouse:CurrentTime",
        "2020-01-01T00:00:00Z",
        "2026-11-22T10:00:00+00:00",
        True,
    ),
    (
        "DateGreaterThan",
        "keyhouse:CurrentTime",
        "2030-01-01T00:00:00Z",
        "2026-11-22T10:00:00+00:00",
        False,
    ),
    ("IpAddress", "keyhouse:SourceIp", "10.0.0.0/8", "10.1.2.3", True),
    ("IpAddress", "keyhouse:SourceIp", ["192.168.0.0/16", "127.0.0.1"], "127.0.0.1", True),
    ("IpAddress", "keyhouse:SourceIp", "10.0.0.0/8", "11.0.0.1", False),
    ("IpAddress", "keyhouse:SourceIp", "10.0.0.0/8", None, False),
    ("NotIpAddress", "keyhouse:SourceIp", "10.0.0.0/8", "11.0.0.1", True),
    ("NotIpAddress", "keyhouse:SourceIp", "10.0.0.0/8", "10.0.0.1", False),
    ("IpAddress", "keyhouse:SourceIp", "2001:db8::/32", "2001:db8::1", True),
    ("Bool", "keyhouse:PrincipalType", "true", "true", True),
    ("Bool", "keyhouse:PrincipalType", "true", "false", False),
    ("StringEquals", "keyhouse:KeyScopes", "job", ("featurestore", "job"), True),
    ("StringEquals", "keyhouse:KeyScopes", "iam", ("featurestore", "job"), False),
    ("StringNotEquals", "keyhouse:KeyScopes", "iam", ("featurestore", "job"), True),
    ("StringNotEquals", "keyhouse:KeyScopes", "job", ("featurestore", "job"), False),
    ("ForAnyValue:StringEquals", "keyhouse:KeyScopes", ["job", "x"], ("featurestore", "job"), True),
    ("ForAnyValue:StringEquals", "keyhouse:KeyScopes", ["x"], ("featurestore", "job"), False),
    ("ForAnyValue:StringEquals", "keyhouse:KeyScopes", ["x"], (), False),
    (
        "ForAllValues:StringEquals",
        "keyhouse:KeyScopes",
        ["job", "featurestore"],
        ("featurestore", "job"),
        True,
    ),
    ("ForAllValues:StringEquals", "keyhouse:KeyScopes", ["job"], ("featurestore", "job"), False),
    ("ForAllValues:StringEquals", "keyhouse:KeyScopes", ["job"], (), True),
    ("ForAllValues:StringLike", "keyhouse:KeyScopes", ["*a*"], ("kafka", "featurestore"), True),
    ("ForAnyValue:StringNotEquals", "keyhouse:KeyScopes", ["job"], ("job", "kafka"), True),
    ("ForAllValues:StringNotEquals", "keyhouse:KeyScopes", ["iam"], ("job", "kafka"), True),
]


@pytest.mark.parametrize(("operator", "key", "wanted", "actual", "applies"), CONDITIONS)
def test_condition_operators(
    operator: str, key: str, wanted: Any, actual: Any, applies: bool
) -> None:
    compiled = policies(statement(Condition={operator: {key: wanted}}))
    context = {} if actual is None else {key: actual}
    assert (outcome(compiled, "keys:ListKeys", "khrn:apikey:*", context) == "allowed") is applies


def test_all_keys_and_all_operators_must_hold() -> None:
    compiled = policies(
        statement(
            Condition={
                "StringEquals": {"keyhouse:Project": "fs", "keyhouse:PrincipalType": "role"},
                "IpAddress": {"keyhouse:SourceIp": "10.0.0.0/8"},
            }
        )
    )
    good = {
        "keyhouse:Project": "fs",
        "keyhouse:PrincipalType": "role",
        "keyhouse:SourceIp": "10.9.9.9",
    }
    assert outcome(compiled, "keys:ListKeys", "*", good) == "allowed"
    for key, wrong in (
        ("keyhouse:Project", "hr"),
        ("keyhouse:PrincipalType", "user"),
        ("keyhouse:SourceIp", "8.8.8.8"),
    ):
        assert outcome(compiled, "keys:ListKeys", "*", {**good, key: wrong}) == "implicit_deny"


def test_deciding_statements_are_reported() -> None:
    compiled = policies(
        statement(Sid="A", Action="secrets:*"),
        statement(Sid="B", Action="secrets:Get*"),
        statement(Sid="C", Action="keys:*"),
    )
    decision = compiled.evaluate("secrets:GetSecretValue", SECRET, {})
    assert decision.outcome == "allowed"
    assert sorted(d.sid or "" for d in decision.statements) == ["A", "B"]
