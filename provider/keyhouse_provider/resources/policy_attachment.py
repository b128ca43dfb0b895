"""``keyhouse_policy_attachment``: a customer policy in force for one user or role."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from keyhouse_provider.base import KeyhouseResource
from keyhouse_provider.framework.base import Context, ProviderError
from keyhouse_provider.framework.schema import Attr, Schema
from keyhouse_provider.framework.state import State
from keyhouse_provider.framework.tfcompat import Unknown
from keyhouse_provider.framework.types import STRING
from keyhouse_provider.resources._common import (
    bad_import_id,
    created_at,
    gone_ok,
    or_none,
    timestamp,
)

if TYPE_CHECKING:
    from keyhouse_client import models

POLICY_PREFIX = "khrn:policy:"


class PolicyAttachment(KeyhouseResource):
    """``keyhouse_policy_attachment``."""

    name = "policy_attachment"

    schema = Schema(
        description=(
            "Attaches a customer policy (`keyhouse_iam_policy`) to a user or a role; it is in "
            "force from the service's next request. An attachment removed outside Terraform "
            "is planned anew. Needs an admin's key."
        ),
        attributes=(
            Attr(
                "id",
                STRING,
                "`<policy name>/user/<name>` or `<policy name>/role/<name>`. Also the import ID.",
                computed=True,
                stable=True,
            ),
            Attr(
                "policy_arn",
                STRING,
                "The policy's `arn` (`khrn:policy:<name>`). Changing it creates a new attachment.",
                required=True,
                replace=True,
            ),
            Attr(
                "user",
                STRING,
                "The user to attach the policy to (exactly one of `user` and `role`).",
                optional=True,
                replace=True,
            ),
            Attr(
                "role",
                STRING,
                "The role (`keyhouse_role`) to attach the policy to.",
                optional=True,
                replace=True,
            ),
            Attr(
                "principal_arn",
                STRING,
                "The user's or role's Keyhouse Resource Name.",
                computed=True,
                stable=True,
            ),
            created_at("attachment"),
        ),
    )

    body_paths = {"principal_name": ["role"]}

    def validate(self, ctx: Context, config: State) -> None:
        """A policy arn; exactly one principal."""
        arn = config["policy_arn"]
        if isinstance(arn, str) and (not arn.startswith(POLICY_PREFIX) or arn == POLICY_PREFIX):
            ctx.error(
                "Invalid policy_arn",
                f"policy_arn must be a policy's arn, {POLICY_PREFIX}<name> "
                "(keyhouse_iam_policy.<name>.arn).",
                ["policy_arn"],
            )
        if (config["user"] is None) == (config["role"] is None):
            ctx.error("Give user or role", "Set exactly one of user and role.", ["role"])

    def create(self, ctx: Context, planned: State) -> State:
        """``POST /iam/policies/{policy}/attachments``, once per resource instance."""
        iam = self.connection.client.iam
        policy, kind, principal = _parts(planned)
        body = {"policy": policy, "principal_kind": kind, "principal_name": principal}
        attachment = self.connection.create_once(
            self.type_name(),
            body,
            lambda key: iam.with_response.attach_policy(**body, idempotency_key=key),
            alive=lambda found: self._find(policy, kind, principal) is not None,
            identify=lambda found: found.created_at.isoformat(),
        )
        return _state(attachment)

    def read(self, ctx: Context, current: State) -> State | None:
        """The attachment among the policy's; gone when it (or the policy) is."""
        found = self._find(*_parts(current))
        return None if found is None else _state(found)

    def update(self, ctx: Context, prior: State, planned: State) -> State:
        """Nothing changes in place: every argument makes a new attachment."""
        raise ProviderError("keyhouse_policy_attachment has no attribute that changes in place")

    def delete(self, ctx: Context, prior: State) -> None:
        """``DELETE /iam/policies/{policy}/attachments/{kind}/{name}``."""
        policy, kind, principal = _parts(prior)
        gone_ok(
            lambda: self.connection.client.iam.detach_policy(
                policy=policy, principal_kind=kind, principal_name=principal
            )
        )

    def import_state(self, ctx: Context, import_id: str) -> State | None:
        """Import by ``<policy name>/user/<name>`` or ``<policy name>/role/<name>``."""
        parts = import_id.split("/")
        if len(parts) != 3 or parts[1] not in ("user", "role") or not parts[0] or not parts[2]:
            raise bad_import_id(
                self.type_name(),
                import_id,
                "<policy name>/user/<name> or <policy name>/role/<name>",
            )
        policy, kind, principal = parts
        return {
            "id": import_id,
            "policy_arn": POLICY_PREFIX + policy,
            "user": principal if kind == "user" else None,
            "role": principal if kind == "role" else None,
        }

    def _find(self, policy: str, kind: str, principal: str) -> models.AttachmentPublic | None:
        iam = self.connection.client.iam
        attachments = or_none(lambda: list(iam.iter_attachments(policy=policy, limit=200)))
        for attachment in attachments or ():
            if attachment.principal_kind == kind and attachment.principal_name == principal:
                return attachment
        return None


def _parts(state: State) -> tuple[str, Literal["user", "role"], Any]:
    arn = state["policy_arn"]
    policy = arn.removeprefix(POLICY_PREFIX) if isinstance(arn, str) and arn is not Unknown else arn
    if state["user"] is not None:
        return policy, "user", state["user"]
    return policy, "role", state["role"]


def _state(attachment: models.AttachmentPublic) -> State:
    kind = attachment.principal_kind
    return {
        "id": f"{attachment.policy}/{kind}/{attachment.principal_name}",
        "policy_arn": POLICY_PREFIX + attachment.policy,
        "user": attachment.principal_name if kind == "user" else None,
        "role": attachment.principal_name if kind == "role" else None,
        "principal_arn": attachment.principal_arn,
        "created_at": timestamp(attachment.created_at),
    }
