"""Validation of policy documents: every problem, with a JSON pointer to it."""

from __future__ import annotations

import json
from typing import Any

import pytest

from keyhouse.iam.document import (
    MAX_ACTION_CHARS,
    MAX_DOCUMENT_CHARS,
    MAX_ENTRIES,
    MAX_PATTERN_CHARS,
    MAX_STATEMENTS,
    MAX_SUGGESTIONS,
    normalize,
    validate,
)


def doc(*statements: dict[str, Any], **top: Any) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements), **top}


def allow(**fields: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": "secrets:GetSecretValue", "Resource": "*", **fields}


ERRORS = [
    pytest.param("{not json", "", "malformed JSON", id="malformed-json"),
    pytest.param([1, 2], "", "must be a JSON object", id="not-an-object"),
    pytest.param({"Statement": [allow()]}, "/Version", "Version must be", id="no-version"),
    pytest.param(doc(allow(), Extra=1), "/Extra", "unknown key 'Extra'", id="unknown-top-key"),
    pytest.param(
        {"Version": "2012-10-17"}, "/Statement", "Statement is required", id="no-statement"
    ),
    pytest.param(
        doc(allow(Bogus=1)), "/Statement/0/Bogus", "unknown key 'Bogus'", id="unknown-key"
    ),
    pytest.param(
        doc(allow(Effect="Permit")), "/Statement/0/Effect", "'Allow' or 'Deny'", id="effect"
    ),
    pytest.param(
        doc(allow(Action="secrets:GetSecretValu")),
        "/Statement/0/Action",
        "did you mean secrets:GetSecretValue",
        id="unknown-action",
    ),
    pytest.param(
        doc(allow(Action=["keys:CreateKey", "vault:Read"])),
        "/Statement/0/Action/1",
        "unknown service; services: audit, iam, keys",
        id="unknown-service",
    ),
    pytest.param(
        doc(allow(Action="GetSecretValue")),
        "/Statement/0/Action",
        "<service>:<Action>",
        id="no-service",
    ),
    pytest.param(
        doc(allow(Resource="arn:aws:iam::1:role/x")),
        "/Statement/0/Resource",
        "not a khrn",
        id="aws-arn",
    ),
    pytest.param(
        doc(allow(Resource="khrn:bucket:x")),
        "/Statement/0/Resource",
        "unknown resource type; types: apikey",
        id="unknown-type",
    ),
    pytest.param(
        doc(allow(Resource="khrn:role")),
        "/Statement/0/Resource",
        "names no role",
        id="khrn-no-name",
    ),
    pytest.param(
        doc(allow(Condition={"StringEqualz": {"keyhouse:Project": "x"}})),
        "/Statement/0/Condition/StringEqualz",
        "unknown condition operator 'StringEqualz'",
        id="unknown-operator",
    ),
    pytest.param(
        doc(allow(Condition={"StringEquals": {"keyhouse:Projekt": "x"}})),
        "/Statement/0/Condition/StringEquals/keyhouse:Projekt",
        "did you mean keyhouse:Project",
        id="unknown-context-key",
    ),
    pytest.param(
        doc(allow(Condition={"SomeValue:StringEquals": {"keyhouse:KeyScopes": "x"}})),
        "/Statement/0/Condition/SomeValue:StringEquals",
        "unknown set qualifier",
        id="unknown-qualifier",
    ),
    pytest.param(
        doc(allow(Condition={"IpAddress": {"keyhouse:SourceIp": "10.0.0.300/8"}})),
        "/Statement/0/Condition/IpAddress/keyhouse:SourceIp",
        "IP address or CIDR",
        id="bad-cidr",
    ),
    pytest.param(
        doc(allow(Condition={"DateLessThan": {"keyhouse:CurrentTime": "tomorrow"}})),
        "/Statement/0/Condition/DateLessThan/keyhouse:CurrentTime",
        "ISO 8601",
        id="bad-date",
    ),
    pytest.param(
        doc(allow(Condition={"Bool": {"keyhouse:SourceIp": "yes"}})),
        "/Statement/0/Condition/Bool/keyhouse:SourceIp",
        "'true' or 'false'",
        id="bad-bool",
    ),
    pytest.param(
        doc({"Effect": "Allow", "Resource": "*"}),
        "/Statement/0",
        "exactly one of Action and NotAction",
        id="no-action",
    ),
    pytest.param(
        doc(allow(NotResource="*")),
        "/Statement/0",
        "exactly one of Resource and NotResource",
        id="both-resources",
    ),
    pytest.param(
        doc(allow(Action=[])), "/Statement/0/Action", "non-empty list", id="empty-actions"
    ),
]


@pytest.mark.parametrize(("document", "pointer", "message"), ERRORS)
def test_errors_are_located(document: Any, pointer: str, message: str) -> None:
    report = validate(document)
    assert not report.valid
    assert report.document is None
    found = {(f.pointer, f.message) for f in report.errors}
    assert any(p == pointer and message in m for p, m in found), found


WARNINGS = [
    pytest.param(
        doc({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}),
        "/Statement/0",
        "allows every other action",
        id="allow-notaction-everything",
    ),
    pytest.param(
        doc({"Effect": "Deny", "Action": "*", "NotResource": "*"}),
        "/Statement/0",
        "can never match",
        id="never-matches",
    ),
    pytest.param(
        doc(allow(Action="secrets:Frobnicate*")),
        "/Statement/0/Action",
        "matches no action",
        id="wildcard-matching-nothing",
    ),
]


@pytest.mark.parametrize(("document", "pointer", "message"), WARNINGS)
def test_warnings_do_not_invalidate(document: Any, pointer: str, message: str) -> None:
    report = validate(document)
    assert report.valid
    assert any(w.pointer == pointer and message in w.message for w in report.warnings)


def test_every_error_is_reported_not_just_the_first() -> None:
    report = validate(doc(allow(Effect="Maybe"), allow(Action="nope:Nope", Resource="khrn:x:y")))
    pointers = {f.pointer for f in report.errors}
    assert {"/Statement/0/Effect", "/Statement/1/Action", "/Statement/1/Resource"} <= pointers


def test_single_statement_object_and_string_values_are_accepted() -> None:
    single = {"Version": "2012-10-17", "Statement": allow(Sid="One")}
    report = validate(json.dumps(single))
    assert report.valid
    assert report.document is not None
    assert report.document.statements[0].sid == "One"


def test_normalize_makes_lists() -> None:
    raw = {
        "Version": "2012-10-17",
        "Statement": {
            "Effect": "Allow",
            "Action": "keys:ListKeys",
            "Resource": "*",
            "Condition": {"StringEquals": {"keyhouse:Project": "fs"}},
        },
    }
    assert normalize(raw) == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": ["keys:ListKeys"],
                "Resource": ["*"],
                "Condition": {"StringEquals": {"keyhouse:Project": ["fs"]}},
            }
        ],
    }


LIMITS = [
    pytest.param(
        doc(allow(Sid="x" * MAX_DOCUMENT_CHARS)), "", str(MAX_DOCUMENT_CHARS), id="document-size"
    ),
    pytest.param(
        json.dumps(doc(allow(Sid="x" * MAX_DOCUMENT_CHARS))),
        "",
        str(MAX_DOCUMENT_CHARS),
        id="document-size-as-text",
    ),
    pytest.param(
        doc(*[allow()] * (MAX_STATEMENTS + 1)), "/Statement", str(MAX_STATEMENTS), id="statements"
    ),
    pytest.param(
        doc(allow(Action=["secrets:GetSecret"] * (MAX_ENTRIES + 1))),
        "/Statement/0/Action",
        str(MAX_ENTRIES),
        id="actions",
    ),
    pytest.param(
        doc(allow(Resource=["khrn:role:r"] * (MAX_ENTRIES + 1))),
        "/Statement/0/Resource",
        str(MAX_ENTRIES),
        id="resources",
    ),
    pytest.param(
        doc(allow(Action=["secrets:GetSecret", "secrets:" + "*" * MAX_ACTION_CHARS])),
        "/Statement/0/Action/1",
        str(MAX_ACTION_CHARS),
        id="action-length",
    ),
    pytest.param(
        doc(
            {
                "Effect": "Allow",
                "Action": "*",
                "NotResource": "khrn:role:" + "r" * MAX_PATTERN_CHARS,
            }
        ),
        "/Statement/0/NotResource",
        str(MAX_PATTERN_CHARS),
        id="resource-length",
    ),
    pytest.param(
        doc(allow(Condition={"StringLike": {"keyhouse:PrincipalName": ["a"] * (MAX_ENTRIES + 1)}})),
        "/Statement/0/Condition/StringLike/keyhouse:PrincipalName",
        str(MAX_ENTRIES),
        id="condition-values",
    ),
    pytest.param(
        doc(allow(Condition={"StringLike": {"keyhouse:PrincipalName": "a" * 1025}})),
        "/Statement/0/Condition/StringLike/keyhouse:PrincipalName",
        str(MAX_PATTERN_CHARS),
        id="condition-value-length",
    ),
]


@pytest.mark.parametrize(("document", "pointer", "limit"), LIMITS)
def test_each_limit_is_an_error_naming_it(document: Any, pointer: str, limit: str) -> None:
    report = validate(document)
    assert not report.valid
    assert [f.pointer for f in report.limits] == [pointer]
    assert limit in report.limits[0].message
    assert report.limits[0] in report.errors


def test_the_limits_themselves_are_accepted() -> None:
    statement = allow(
        Action=["secrets:" + "?" * (MAX_ACTION_CHARS - len("secrets:"))] * 10,
        Resource=["khrn:role:" + "r" * (MAX_PATTERN_CHARS - len("khrn:role:"))] * 10,
    )
    report = validate(doc(statement))
    assert report.limits == []
    assert len(json.dumps(doc(*[allow()] * MAX_STATEMENTS))) <= MAX_DOCUMENT_CHARS
    assert validate(doc(*[allow()] * MAX_STATEMENTS)).valid


def test_rejected_values_are_not_repeated_in_messages() -> None:
    secretish = "s3cr3t-" + "q" * 12
    report = validate(
        doc(
            allow(
                Action=f"secrets:{secretish}",
                Resource=f"khrn:{secretish}:x",
                Condition={
                    "IpAddress": {"keyhouse:SourceIp": secretish},
                    "DateLessThan": {"keyhouse:CurrentTime": secretish},
                    "Bool": {"keyhouse:KeyId": secretish},
                },
            ),
            allow(Action=f"{secretish}:Read"),
            allow(Action=secretish),
            allow(Resource=secretish),
        )
    )
    assert len({f.pointer for f in report.errors}) >= 7, report.errors
    assert not any(secretish in f.message for f in report.errors)


def test_suggestions_are_bounded() -> None:
    many = [allow(Action=f"secrets:GetSecretValu{'e' * i}x") for i in range(MAX_SUGGESTIONS + 5)]
    report = validate(doc(*many))
    hinted = [f for f in report.errors if "did you mean" in f.message]
    assert len(hinted) == MAX_SUGGESTIONS
    assert len(report.errors) == MAX_SUGGESTIONS + 5
    assert all("GET /api/v1/iam/actions" in f.message for f in report.errors if f not in hinted)
