"""``keyhouse_iam_policy``: a customer policy document, validated by the service at plan time."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from keyhouse_provider.base import KeyhouseResource
from keyhouse_provider.framework.base import Context, PlanContext
from keyhouse_provider.framework.schema import Attr, Schema
from keyhouse_provider.framework.state import State
from keyhouse_provider.framework.tfcompat import Unknown
from keyhouse_provider.framework.types import NUMBER, STRING
from keyhouse_provider.resources._common import arn, created_at, gone_ok, or_none, timestamp

if TYPE_CHECKING:
    from keyhouse_client import models

_LISTS = ("Action", "NotAction", "Resource", "NotResource")


class IamPolicy(KeyhouseResource):
    """``keyhouse_iam_policy``."""

    name = "iam_policy"

    schema = Schema(
        description=(
            "A Keyhouse customer policy: a document of Allow and Deny statements over actions "
            "and Keyhouse Resource Names, in force for every user and role it is attached to "
            "(`keyhouse_policy_attachment`). Plans send the document to the service's "
            "validator and fail on its errors, pointing into the document. A document "
            "changed outside Terraform is set back. Managing policies needs an admin's key."
        ),
        attributes=(
            Attr(
                "id",
                STRING,
                "The policy's name: the service addresses policies by name. Also the import ID.",
                computed=True,
                stable=True,
            ),
            Attr(
                "name",
                STRING,
                "The policy's name. Changing it creates a new policy.",
                required=True,
                replace=True,
            ),
            Attr("description", STRING, "What the policy is for.", optional=True),
            Attr(
                "policy",
                STRING,
                "The document as JSON, e.g. `data.keyhouse_iam_policy_document.x.json` or "
                "`jsonencode({...})`. Spelling that does not change its meaning (a single value "
                "or a list of one, key order, white space) is not a change. Changes in place "
                "(a new version of the policy).",
                required=True,
            ),
            Attr(
                "version",
                NUMBER,
                "Increases with every change of the document.",
                computed=True,
                follows=("policy",),
            ),
            arn("policy"),
            created_at("policy"),
        ),
    )

    def validate(self, ctx: Context, config: State) -> None:
        """The document is JSON (what it says is the service's to judge, at plan time)."""
        text = config["policy"]
        if isinstance(text, str) and _parse(text) is None:
            ctx.error(
                "policy is not JSON",
                "Write it with jsonencode() or a policy document data source.",
                ["policy"],
            )

    def plan(self, ctx: PlanContext, prior: State | None, planned: State, config: State) -> None:
        """Validate the document with the service; keep the prior spelling of the same meaning."""
        text = planned["policy"]
        if not isinstance(text, str):
            return
        if prior is not None and same_policy(prior["policy"], text):
            planned["policy"] = prior["policy"]
            return
        document = _parse(text)
        if document is None or not self.configured:
            return
        report = self.connection.client.iam.validate_policy(document=document)
        for finding in report.errors:
            ctx.error(
                "Invalid policy document",
                f"{finding.message} (at {finding.pointer or '/'})",
                ["policy"],
            )
        for finding in report.warnings:
            ctx.warning(
                "Policy document warning",
                f"{finding.message} (at {finding.pointer or '/'})",
                ["policy"],
            )

    def create(self, ctx: Context, planned: State) -> State:
        """``POST /iam/policies``, once per resource instance."""
        iam = self.connection.client.iam
        body = {
            "name": planned["name"],
            "description": planned["description"],
            "document": json.loads(planned["policy"]),
        }
        policy = self.connection.create_once(
            self.type_name(),
            body,
            lambda key: iam.with_response.create_policy(**body, idempotency_key=key),
            alive=lambda found: or_none(lambda: iam.get_policy(policy=found.name)) is not None,
            identify=lambda found: found.id,
        )
        return _state(policy, planned["policy"])

    def read(self, ctx: Context, current: State) -> State | None:
        """``GET /iam/policies/{name}``; the document compared by meaning."""
        policy = or_none(lambda: self.connection.client.iam.get_policy(policy=current["id"]))
        return None if policy is None else _state(policy, current["policy"])

    def update(self, ctx: Context, prior: State, planned: State) -> State:
        """``PATCH /iam/policies/{name}``: description and document."""
        changes: dict[str, Any] = {}
        if planned["description"] != prior["description"]:
            changes["description"] = planned["description"]
        if planned["policy"] != prior["policy"]:
            changes["document"] = json.loads(planned["policy"])
        iam = self.connection.client.iam
        policy = (
            iam.update_policy(policy=prior["id"], **changes)
            if changes
            else iam.get_policy(policy=prior["id"])
        )
        return _state(policy, planned["policy"])

    def delete(self, ctx: Context, prior: State) -> None:
        """``DELETE /iam/policies/{name}`` (the service refuses while it is attached)."""
        gone_ok(lambda: self.connection.client.iam.delete_policy(policy=prior["id"]))

    def import_state(self, ctx: Context, import_id: str) -> State | None:
        """Import by the policy's name."""
        return {"id": import_id}


def _parse(text: str) -> dict[str, Any] | None:
    try:
        document = json.loads(text)
    except ValueError:
        return None
    return document if isinstance(document, dict) else None


def canonical(document: Any) -> Any:
    """A document in one spelling: statements a list, single values lists (the service's)."""
    if not isinstance(document, dict) or "Statement" not in document:
        return document
    statements = document["Statement"]
    out = []
    for statement in statements if isinstance(statements, list) else [statements]:
        if not isinstance(statement, dict):
            return document
        item = dict(statement)
        for key in _LISTS:
            if isinstance(item.get(key), str):
                item[key] = [item[key]]
        if isinstance(item.get("Condition"), dict):
            item["Condition"] = {
                op: {k: [v] if isinstance(v, str) else v for k, v in tests.items()}
                if isinstance(tests, dict)
                else tests
                for op, tests in item["Condition"].items()
            }
        out.append(item)
    return {**document, "Statement": out}


def same_policy(a: Any, b: Any) -> bool:
    """Whether two JSON texts are the same policy."""
    if not isinstance(a, str) or not isinstance(b, str):
        return False
    left, right = _parse(a), _parse(b)
    return left is not None and canonical(left) == canonical(right)


def _state(policy: models.PolicyPublic, previous: Any) -> State:
    stored = json.dumps(policy.document, indent=2)
    keep = previous is not Unknown and same_policy(previous, stored)
    return {
        "id": policy.name,
        "name": policy.name,
        "description": policy.description,
        "policy": previous if keep else stored,
        "version": policy.version,
        "arn": policy.arn,
        "created_at": timestamp(policy.created_at),
    }
