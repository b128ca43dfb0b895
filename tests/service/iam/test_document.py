"""Validation of policy documents: every problem, with a JSON pointer to it."""

from __future__ import annotations

import json
from typing import Any

import pytest

from keyhouse.iam.document import normalize, validate


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
        "unknown service 'vault'",
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
        "unknown resource type 'bucket'",
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
