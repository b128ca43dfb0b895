"""``ClusterApiKey``: seed 000 in one construct.

A compute cluster (Databricks, say) reaches the feature store with an API key that
its role reads from a secret at start-up. This construct makes that role, a key
owned by it with the downstream scopes, keeps the key in the project-shared secret
``hopsworks/role/<role>/type/api-key``, and lets the role read exactly that
secret: a policy allowing ``secrets:GetSecret`` and ``secrets:GetSecretValue`` on
the secret's arn, attached to the role. The role is deliberately not made a member
of the project: membership would let it read every secret the project shares.
"""

from __future__ import annotations

from collections.abc import Sequence

import constructs

from keyhouse_cdk import l1
from keyhouse_cdk.api_keys import ApiKey, Rotation, StoreIn
from keyhouse_cdk.grants import Grant
from keyhouse_cdk.l1._support import keep_signature
from keyhouse_cdk.principals import Grantee
from keyhouse_cdk.props import (
    PropError,
    check_identifier,
    check_lifetime,
    check_scopes,
    is_token,
)
from keyhouse_cdk.refs import ProjectRef, RoleRef, literal_name

CLUSTER_SCOPES: tuple[str, ...] = ("featurestore", "project", "job", "kafka")
"""The scopes seed 000 asks for: what the feature store's clients need."""


def secret_name_for(role: str) -> str:
    """Where a cluster role's key is kept: ``hopsworks/role/<role>/type/api-key``."""
    return f"hopsworks/role/{role}/type/api-key"


@keep_signature
class ClusterApiKey(constructs.Construct):
    """A cluster role, its API key in a project secret, and read access to exactly that secret.

    Attributes:
        role: The ``keyhouse_role`` (made here when ``role`` was a name).
        api_key: The key, owned by the role, restricted to the project.
        secret_name: The name of the secret holding the key.
        read_grant: The policy and attachment letting the role read the secret.
        pass_role_grants: Policies letting principals make keys for the role.
    """

    def __init__(
        self,
        scope: constructs.Construct,
        id_: str,
        *,
        role: RoleRef,
        project: ProjectRef,
        scopes: Sequence[str] = CLUSTER_SCOPES,
        expires_in_days: int | None = None,
        key_name: str = "cluster",
        secret_name: str | None = None,
        pass_role_to: Sequence[Grantee] = (),
        rotation: Rotation | None = None,
    ) -> None:
        """Define the cluster's access.

        Args:
            scope: The construct it belongs to.
            id_: Its id within ``scope``.
            role: The role's name (a ``keyhouse_role`` is made), or a ``Role`` construct.
            project: The project the secret is shared with and the key is restricted to:
                a name or a ``Project`` construct.
            scopes: The key's scopes, from the catalog (no admin-only ones: the owner is a
                role). Default: featurestore, project, job, kafka.
            expires_in_days: The key's lifetime in days. Default: the admin's default
                lifetime.
            key_name: The key's name (unique among the role's keys). Default: ``cluster``.
            secret_name: The secret to keep the key in. Default:
                ``hopsworks/role/<role>/type/api-key``.
            pass_role_to: Principals allowed to pass the role, i.e. to make further keys
                for it (``iam:PassRole`` on the role). Default: nobody but admins.
            rotation: When the key rolls and how long the old one keeps working; the new key
                goes into the same secret, which the role keeps reading. Default: none (a
                change of ``expires_in_days`` rolls the key, with a 24-hour overlap).
        """
        super().__init__(scope, id_)
        where = self.node.path
        if isinstance(role, str):
            check_identifier(where, "role", role)
        if not project:
            raise PropError(
                where,
                "project",
                "the key's secret is shared with a project (visibility 'project'): "
                "give the project",
            )
        literal_project = literal_name(project)
        if literal_project is not None:
            check_identifier(where, "project", literal_project)
        check_identifier(where, "key_name", key_name)
        # Checked here too, so that the error names this construct and its props.
        check_scopes(self, where, "scopes", scopes, admin_only_allowed=False)
        check_lifetime(where, "expires_in_days", expires_in_days)
        if rotation is not None:
            rotation.check(where, "rotation", expires_in_days)

        self.role = l1.Role(self, "Role", name=role) if isinstance(role, str) else role
        # The role's name as written, when known now; else a reference to it.
        role_name = literal_name(self.role) or self.role.name
        self.secret_name = secret_name or secret_name_for(role_name)
        self.api_key = ApiKey(
            self,
            "Key",
            name=key_name,
            owner_role=self.role,
            project=project,
            scopes=scopes,
            expires_in_days=expires_in_days,
            store_in=StoreIn(
                name=self.secret_name,
                visibility="project",
                description=f"API key of the cluster role {role_name}",
            ),
            rotation=rotation,
        )
        stored = self.api_key.stored_secret
        assert stored is not None  # store_in was given
        # A name that says what the policy is for, when the role's name is known now (and
        # short enough: policy names have at most 64 characters).
        read_policy: str | None = f"{role_name}-read-api-key"
        if is_token(role_name) or len(role_name) > 64 - len("-read-api-key"):
            read_policy = None
        self.read_grant: Grant = stored.grant_read(self.role, policy_name=read_policy)
        self.pass_role_grants = [
            Grant(
                self,
                f"PassRole-{index}",
                grantee=grantee,
                actions=["iam:PassRole"],
                resources=[f"khrn:role:{role_name}"],
                sid="PassClusterRole",
            )
            for index, grantee in enumerate(pass_role_to)
        ]

    @property
    def key_id(self) -> str:
        """The Key ID (a token)."""
        return self.api_key.id

    @property
    def key_prefix(self) -> str:
        """The key's display prefix (a token)."""
        return self.api_key.prefix

    @property
    def secret_arn(self) -> str:
        """The secret's Keyhouse Resource Name (a token)."""
        return self.api_key.stored_secret_arn

    @property
    def policy_arn(self) -> str:
        """The read policy's Keyhouse Resource Name (a token)."""
        return self.read_grant.policy_arn
