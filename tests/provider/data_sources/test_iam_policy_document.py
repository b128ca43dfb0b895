"""``data.keyhouse_iam_policy_document``: built locally, byte-stable."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from keyhouse_provider.data_sources.iam_policy_document import render
from tests.provider.harness.inprocess import Harness

T = "keyhouse_iam_policy_document"


def _statement(**values: object) -> dict[str, object]:
    base: dict[str, object] = {
        "sid": None,
        "effect": None,
        "actions": None,
        "not_actions": None,
        "resources": None,
        "not_resources": None,
        "condition": [],
    }
    base.update(values)
    return base


EXPECTED = """{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "ReadToken",
      "Effect": "Allow",
      "Action": [
        "secrets:GetSecret",
        "secrets:GetSecretValue"
      ],
      "Resource": "khrn:secret:project/fs/token",
      "Condition": {
        "IpAddress": {
          "keyhouse:SourceIp": [
            "10.0.0.0/8",
            "192.168.0.0/16"
          ]
        },
        "StringEquals": {
          "keyhouse:Project": "fs"
        }
      }
    },
    {
      "Effect": "Deny",
      "NotAction": "secrets:*",
      "Resource": "*"
    }
  ]
}"""


def test_builds_the_document_in_a_fixed_form(harness: Harness) -> None:
    config = {
        "statement": [
            _statement(
                sid="ReadToken",
                actions=["secrets:GetSecretValue", "secrets:GetSecret", "secrets:GetSecret"],
                resources=["khrn:secret:project/fs/token"],
                condition=[
                    {"test": "StringEquals", "variable": "keyhouse:Project", "values": ["fs"]},
                    {
                        "test": "IpAddress",
                        "variable": "keyhouse:SourceIp",
                        "values": ["10.0.0.0/8"],
                    },
                    {
                        "test": "IpAddress",
                        "variable": "keyhouse:SourceIp",
                        "values": ["192.168.0.0/16", "10.0.0.0/8"],
                    },
                ],
            ),
            _statement(effect="Deny", not_actions=["secrets:*"], resources=["*"]),
        ]
    }
    state, found = harness.data(T, config)
    assert not found
    assert state is not None
    assert state["json"] == EXPECTED
    again, _ = harness.data(T, config)
    assert again == state


def test_each_statement_needs_one_of_each_pair(harness: Harness) -> None:
    config = {
        "statement": [
            _statement(actions=["a:b"], not_actions=["c:d"], resources=["*"]),
            _statement(actions=["a:b"], effect="Maybe"),
        ]
    }
    _, found = harness.data(T, config)
    assert sorted((d.summary, d.path) for d in found) == [
        ("Give actions or not_actions", ("statement", 0, "actions")),
        ("Give resources or not_resources", ("statement", 1, "resources")),
        ("Invalid effect", ("statement", 1, "effect")),
    ]


names = st.lists(st.text(alphabet="abc:*", min_size=1, max_size=6), min_size=1, max_size=5)


@given(actions=names, resources=names)
def test_the_json_does_not_depend_on_set_order(actions: list[str], resources: list[str]) -> None:
    one = render("2012-10-17", [_statement(actions=actions, resources=resources)])
    other = render("2012-10-17", [_statement(actions=actions[::-1], resources=sorted(resources))])
    assert one == other
    statement = json.loads(one)["Statement"][0]
    listed = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
    assert listed == sorted(set(actions))
