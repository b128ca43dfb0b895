"""Grants: a policy allowing some actions on some resources, attached to one principal."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

import constructs

from keyhouse_cdk.l1 import (
    DataKeyhouseIamPolicyDocument,
    DataKeyhouseIamPolicyDocumentStatement,
    IamPolicy,
    PolicyAttachment,
    Role,
    User,
)
from keyhouse_cdk.l1._support import keep_signature
from keyhouse_cdk.principals import Grantee, Principal, principal_of
from keyhouse_cdk.props import check_identifier
from keyhouse_cdk.refs import depend_on_named

SECRET_READ_ACTIONS = ("secrets:GetSecret", "secrets:GetSecretValue")
"""Find a secret (its metadata) and read its value."""

SECRET_WRITE_ACTIONS = ("secrets:PutSecretValue", "secrets:UpdateSecret")
"""Write a new value (a new version) and change the description."""

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+|\.{2,}")


@keep_signature
class Grant(constructs.Construct):
    """An IAM policy with one Allow statement and its attachment to one principal.

    Attributes:
        principal: Who was granted.
        document: The policy document (a data source built by the provider, locally).
        policy: The ``keyhouse_iam_policy``; ``policy.arn`` names it.
        attachment: The ``keyhouse_policy_attachment`` that puts it in force.
    """

    def __init__(
        self,
        scope: constructs.Construct,
        id_: str,
        *,
        grantee: Grantee,
        actions: Sequence[str],
        resources: Sequence[str],
        sid: str | None = None,
        policy_name: str | None = None,
        description: str | None = None,
    ) -> None:
        """Allow ``grantee`` ``actions`` on ``resources``.

        Args:
            scope: Where the policy and attachment are defined.
            id_: The grant's id within ``scope``.
            grantee: The user or role.
            actions: Actions such as ``secrets:GetSecretValue``.
            resources: Keyhouse Resource Names (or ``arn`` tokens).
            sid: The statement's id. Default: none.
            policy_name: The policy's name, unique in the service. Default: derived from the
                grant's construct path (readable, with a short hash of the full path).
            description: The policy's description. Default: none.
        """
        super().__init__(scope, id_)
        self.principal: Principal = principal_of(grantee)[0]
        name = policy_name or default_policy_name(self)
        check_identifier(self.node.path, "policy_name", name)
        self.document = DataKeyhouseIamPolicyDocument(
            self,
            "Document",
            statement=[
                DataKeyhouseIamPolicyDocumentStatement(
                    sid=sid, effect="Allow", actions=list(actions), resources=list(resources)
                )
            ],
        )
        self.policy = IamPolicy(
            self, "Policy", name=name, policy=self.document.json, description=description
        )
        self.attachment = PolicyAttachment(
            self,
            "Attachment",
            policy_arn=self.policy.arn,
            role=self.principal.name if self.principal.kind == "role" else None,
            user=self.principal.name if self.principal.kind == "user" else None,
        )
        if isinstance(grantee, Principal):
            # A user or role named here may be defined in this stack: attach after it exists.
            depend_on_named(self.attachment, Role if grantee.kind == "role" else User, grantee.name)

    @property
    def policy_arn(self) -> str:
        """The policy's Keyhouse Resource Name (a token)."""
        return self.policy.arn


def default_policy_name(scope: constructs.IConstruct) -> str:
    """A policy name from the construct path: readable, unique, at most 64 characters.

    The path (stack, then construct ids) makes it unique in the app; the hash keeps
    two paths that read alike after cleaning apart.
    """
    path = scope.node.path
    digest = hashlib.sha256(path.encode()).hexdigest()[:8]
    readable = _UNSAFE.sub("-", path).strip("-._")[: 64 - len(digest) - 1].rstrip("-._")
    return f"{readable}-{digest}" if readable else digest
