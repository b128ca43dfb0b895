"""``keyhouse policies``: create from a file, validate, attach, simulate (deciding statements)."""

from __future__ import annotations

import json

from tests.cli.conftest import Cli
from tests.support.actors import unique


def test_create_validate_attach_simulate_detach_delete(cli: Cli) -> None:
    role, policy = unique("reporting"), unique("read-report")
    resource = f"khrn:secret:project/{unique('p')}/report/token"
    document = {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "ReadReport", "Effect": "Allow", "Action": "secrets:GetSecretValue",
             "Resource": resource}
        ],
    }  # fmt: skip
    (cli.directory / "policy.json").write_text(json.dumps(document))
    assert "Valid." in cli("policies", "validate", "policy.json").stderr
    cli("roles", "create", role)
    made = cli("policies", "create", policy, "-f", "policy.json", "-o", "json").json()
    assert made["version"] == 1
    cli("policies", "attach", policy, f"role/{role}")
    assert f"role/{role}" in cli("policies", "attachments", policy).stdout

    allowed = cli(
        "policies", "simulate", "--principal", f"role/{role}",
        "--action", "secrets:GetSecretValue", "--resource", resource,
    ).stdout  # fmt: skip
    assert allowed.startswith("allowed: secrets:GetSecretValue")
    assert policy in allowed
    assert "ReadReport" in allowed  # the statement that decided
    denied = cli(
        "policies", "simulate", "--principal", f"role/{role}", "-o", "json",
        "--action", "secrets:PutSecretValue", "--resource", resource,
    ).json()  # fmt: skip
    assert (denied["decision"], denied["statements"]) == ("implicit_deny", [])

    held = cli("policies", "delete", policy, ok=False).fails(1)
    assert f"khrn:role:{role}" in held  # not deleted while attached: the holders are named
    cli("policies", "detach", policy, f"role/{role}")
    cli("policies", "delete", policy)
    assert "does not exist" in cli("policies", "show", policy, ok=False).fails(1)


def test_an_invalid_document_is_located_and_refused(cli: Cli) -> None:
    bad = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "secrets:Nope"}]}
    checked = cli("policies", "validate", "-", "-o", "json", stdin=json.dumps(bad), ok=False)
    assert checked.returncode == 1
    pointers = {finding["pointer"] for finding in checked.json()["errors"]}
    assert "/Statement/0/Action" in pointers
    name = unique("broken")
    refused = cli("policies", "create", name, "-f", "-", stdin=json.dumps(bad), ok=False).fails(1)
    assert "Statement/0" in refused
    not_json = cli("policies", "create", name, "-f", "-", stdin="{nope", ok=False).fails(2)
    assert "not JSON (line 1, column 2" in not_json
    assert "does not exist" in cli("policies", "show", name, ok=False).fails(1)
