"""``data.keyhouse_iam_policy_document``: a policy document built locally, as stable JSON.

No call to the service: the same configuration gives the same bytes, on every
machine and every run, so a policy that uses it never shows a spurious change.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from keyhouse_provider.base import KeyhouseDataSource
from keyhouse_provider.framework.base import Context
from keyhouse_provider.framework.schema import Attr, NestedBlock, Schema
from keyhouse_provider.framework.state import State
from keyhouse_provider.framework.tfcompat import Unknown
from keyhouse_provider.framework.types import STRING, ListOf, SetOf

VERSION = "2012-10-17"

CONDITION = NestedBlock(
    "condition",
    "list",
    "A condition on the request's context; all of a statement's conditions must hold.",
    (
        Attr(
            "test",
            STRING,
            "The operator: `StringEquals`, `StringNotEquals`, `StringLike`, `StringNotLike`, "
            "`DateLessThan`, `DateGreaterThan`, `IpAddress`, `NotIpAddress` or `Bool`, "
            "optionally qualified (`ForAnyValue:StringLike`).",
            required=True,
        ),
        Attr(
            "variable",
            STRING,
            "The context key, e.g. `keyhouse:SourceIp`, `keyhouse:Project`, `keyhouse:KeyScopes`.",
            required=True,
        ),
        Attr("values", ListOf(STRING), "The values; any of them may match.", required=True),
    ),
)

STATEMENT = NestedBlock(
    "statement",
    "list",
    "A statement, in order. Each needs `actions` or `not_actions`, and `resources` or "
    "`not_resources`.",
    (
        Attr("sid", STRING, "The statement's id (`Sid`).", optional=True),
        Attr(
            "effect",
            STRING,
            "`Allow` (default) or `Deny`; an explicit Deny always wins.",
            optional=True,
        ),
        Attr(
            "actions",
            SetOf(STRING),
            "Actions such as `secrets:GetSecretValue`; `*` and `?` wildcards.",
            optional=True,
        ),
        Attr("not_actions", SetOf(STRING), "Every action except these.", optional=True),
        Attr(
            "resources",
            SetOf(STRING),
            "Keyhouse Resource Names such as `khrn:secret:project/<project>/<name>` or a "
            "secret's `arn`; wildcards allowed.",
            optional=True,
        ),
        Attr("not_resources", SetOf(STRING), "Every resource except these.", optional=True),
    ),
    blocks=(CONDITION,),
)

_PAIRS = (("actions", "not_actions", "Action"), ("resources", "not_resources", "Resource"))


class IamPolicyDocument(KeyhouseDataSource):
    """``data.keyhouse_iam_policy_document``."""

    name = "iam_policy_document"

    schema = Schema(
        description=(
            "Builds a Keyhouse IAM policy document (the familiar JSON form) from statement "
            "blocks, locally and without calling the service. `json` is byte-for-byte stable: "
            "statements in order, action and resource sets sorted, conditions sorted by "
            "operator and key, a single value written as a string."
        ),
        attributes=(
            Attr("id", STRING, "A hash of `json`.", computed=True),
            Attr(
                "version",
                STRING,
                f"The policy language version. Default `{VERSION}`, the only one.",
                optional=True,
            ),
            Attr("json", STRING, "The policy document as JSON.", computed=True),
        ),
        blocks=(STATEMENT,),
    )

    def validate(self, ctx: Context, config: State) -> None:
        """Effects, and one of each pair (actions or not_actions...) per statement."""
        if config["version"] not in (None, Unknown, VERSION):
            ctx.error("Unsupported version", f'version must be "{VERSION}".', ["version"])
        statements = config["statement"]
        if statements is Unknown:
            return
        for index, statement in enumerate(statements or ()):
            at: list[Any] = ["statement", (index,)]
            if statement["effect"] not in (None, Unknown, "Allow", "Deny"):
                ctx.error("Invalid effect", 'effect must be "Allow" or "Deny".', [*at, "effect"])
            for positive, negative, _ in _PAIRS:
                given = [statement[positive] is not None, statement[negative] is not None]
                if given.count(True) != 1:
                    ctx.error(
                        f"Give {positive} or {negative}",
                        f"Each statement needs exactly one of {positive} and {negative}.",
                        [*at, positive],
                    )

    def read(self, ctx: Context, config: State) -> State:
        """Assemble the document."""
        text = render(config["version"] or VERSION, config["statement"] or [])
        return {
            "id": hashlib.sha256(text.encode()).hexdigest()[:32],
            "version": config["version"],
            "json": text,
            "statement": config["statement"] or [],
        }


def _one_or_many(values: list[str]) -> str | list[str]:
    return values[0] if len(values) == 1 else values


def _statement(block: State) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if block["sid"]:
        out["Sid"] = block["sid"]
    out["Effect"] = block["effect"] or "Allow"
    for positive, negative, key in _PAIRS:
        for name, json_key in ((positive, key), (negative, f"Not{key}")):
            if block[name] is not None:
                out[json_key] = _one_or_many(sorted(set(block[name])))
    conditions: dict[str, dict[str, list[str]]] = {}
    for condition in block["condition"] or ():
        values = conditions.setdefault(condition["test"], {}).setdefault(condition["variable"], [])
        values.extend(v for v in condition["values"] if v not in values)
    if conditions:
        out["Condition"] = {
            test: {key: _one_or_many(conditions[test][key]) for key in sorted(conditions[test])}
            for test in sorted(conditions)
        }
    return out


def render(version: str, statements: list[State]) -> str:
    """The document's JSON: fixed key order, two-space indent, no trailing newline."""
    document = {"Version": version, "Statement": [_statement(s) for s in statements]}
    return json.dumps(document, indent=2, ensure_ascii=False)
