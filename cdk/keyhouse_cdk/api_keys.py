"""``ApiKey``: a ``keyhouse_api_key`` it holds as its child, with ``store_in`` naming the
secret the key is kept in and ``rotation`` saying when it rolls."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import constructs
import jsii

from keyhouse_cdk import l1
from keyhouse_cdk.l1._support import cdktf, keep_signature
from keyhouse_cdk.props import (
    PropError,
    check_identifier,
    check_lifetime,
    check_scopes,
    check_visibility,
    is_token,
    path_of,
)
from keyhouse_cdk.refs import (
    ProjectRef,
    RoleRef,
    UserRef,
    depend_on_named,
    name_of,
)
from keyhouse_cdk.secrets import StoredSecret


@dataclass(frozen=True, kw_only=True)
class StoreIn:
    """Where an ``ApiKey`` keeps its key: a secret the key's resource writes, never the state.

    Attributes:
        name: The secret's path-like name.
        project: The project the secret is shared with (a ``Project`` or its name).
            Default: the key's own ``project``, if it has one.
        visibility: ``private`` or ``project``. Default: ``project`` when there is a
            project, else ``private``.
        description: The secret's description. Default: none.
    """

    name: str
    project: ProjectRef | None = None
    visibility: Literal["private", "project"] | None = None
    description: str | None = None


@dataclass(frozen=True, kw_only=True)
class Rotation:
    """When an ``ApiKey`` rolls, and how long the key it replaces keeps working.

    A roll makes a new key with the same name, owner, scopes and project; a key kept in a
    secret (``store_in``) becomes that secret's next version, so the secret's arn, and every
    grant naming it, stay as they are.

    Attributes:
        every_days: Roll the key once it is this many days old (``cdktf deploy`` plans
            "Rotation due" and rolls it). Default: none (the key rolls only when its
            lifetime changes).
        overlap_hours: How long the old key keeps working after a roll; 0 ends it at once.
            Consumers must pick up the new key within it. Default: 24.
    """

    every_days: float | None = None
    overlap_hours: float | None = None

    def check(self, where: str, prop: str, lifetime_days: float | None) -> None:
        """Raise a ``PropError`` for a schedule or an overlap that cannot work."""
        every, overlap = self.every_days, self.overlap_hours
        if every is not None and not is_token(every) and every <= 0:
            raise PropError(where, f"{prop}.every_days", f"must be more than 0 (got {every})")
        if overlap is None or is_token(overlap):
            return
        if overlap < 0:
            raise PropError(where, f"{prop}.overlap_hours", f"must be 0 or more (got {overlap})")
        known_lifetime = lifetime_days is not None and not is_token(lifetime_days)
        if known_lifetime and lifetime_days is not None and overlap >= lifetime_days * 24:
            raise PropError(
                where,
                f"{prop}.overlap_hours",
                f"{overlap:g} hours is as long as the key's lifetime of {lifetime_days:g} "
                "days: the key would roll as soon as it is made",
            )

    def to_l1(self) -> l1.ApiKeyRotation:
        """The provider's ``rotation`` block."""
        return l1.ApiKeyRotation(every_days=self.every_days, overlap_hours=self.overlap_hours)


@keep_signature
@jsii.implements(cdktf.ITerraformDependable)
class ApiKey(constructs.Construct):
    """A Keyhouse API key (``keyhouse_api_key``).

    With ``store_in`` the key goes straight from the service into a secret: it is in
    neither the Terraform state nor the plan, and ``stored_secret`` can grant a
    principal read access to exactly that secret.

    Attributes:
        resource: The ``keyhouse_api_key`` L1 construct (its id is ``Default``, so its
            Terraform name is this construct's).
        stored_secret: The secret the key is kept in, with ``store_in``; else None.
    """

    def __init__(
        self,
        scope: constructs.Construct,
        id_: str,
        *,
        name: str,
        scopes: Sequence[str],
        owner_user: UserRef | None = None,
        owner_role: RoleRef | None = None,
        project: ProjectRef | None = None,
        expires_in_days: float | None = None,
        store_in: StoreIn | None = None,
        rotation: Rotation | None = None,
        depends_on: Sequence[cdktf.ITerraformDependable] | None = None,
        provider: cdktf.TerraformProvider | None = None,
    ) -> None:
        """Define an API key.

        Args:
            scope: The construct it belongs to.
            id_: Its id within ``scope``.
            name: The key's name, unique among its owner's keys.
            scopes: Scopes from the service's catalog, or custom ones the app declares
                (``keyhouse:customScopes`` in its context). ``iam`` and ``admin`` only for
                an admin user's key, never a role's.
            owner_user: The user who owns it (a ``User`` or a name). Default: the
                provider's own principal (unless ``owner_role``).
            owner_role: The role that owns it (a ``Role`` or a name). Default: none.
            project: Restrict the key to this project (a ``Project`` or a name). Default:
                no restriction.
            expires_in_days: Lifetime in days. Default: the admin's default lifetime.
            store_in: The secret to keep the key in. Default: none (the key is in the
                state, as the sensitive ``key`` attribute).
            rotation: When the key rolls, and the overlap. Default: none (a change of
                ``expires_in_days`` rolls it, with a 24-hour overlap).
            depends_on: Constructs to wait for beyond those referenced. Default: none.
            provider: The provider configuration, when the stack has several. Default: the
                stack's only one.
        """
        where = path_of(scope, id_)
        if owner_user is not None and owner_role is not None:
            raise PropError(where, "owner_role", "give owner_user or owner_role, not both")
        check_identifier(where, "name", name)
        check_scopes(scope, where, "scopes", scopes, admin_only_allowed=owner_role is None)
        check_lifetime(where, "expires_in_days", expires_in_days)
        if rotation is not None:
            rotation.check(where, "rotation", expires_in_days)
        block = None
        if store_in is not None:
            secret_project = store_in.project if store_in.project is not None else project
            secret_project_name = None if secret_project is None else name_of(secret_project)
            check_visibility(where, "store_in.visibility", store_in.visibility, secret_project_name)
            block = l1.ApiKeyStoreInSecret(
                name=store_in.name,
                project=secret_project_name,
                visibility=store_in.visibility,
                description=store_in.description,
            )
        super().__init__(scope, id_)
        self.resource = l1.ApiKey(
            self,
            "Default",
            name=name,
            scopes=list(scopes) if isinstance(scopes, list | tuple) else scopes,
            owner_user=None if owner_user is None else name_of(owner_user),
            owner_role=None if owner_role is None else name_of(owner_role),
            project=None if project is None else name_of(project),
            expires_in_days=expires_in_days,
            store_in_secret=block,
            rotation=rotation.to_l1() if rotation is not None else None,
            depends_on=depends_on,
            provider=provider,
        )
        depend_on_named(self.resource, l1.User, owner_user)
        depend_on_named(self.resource, l1.Role, owner_role)
        depend_on_named(self.resource, l1.Project, project)
        if store_in is not None:
            depend_on_named(self.resource, l1.Project, store_in.project)
        self.stored_secret: StoredSecret | None = None
        if block is not None:
            self.stored_secret = StoredSecret(
                self, self.resource, block.name, block.project, block.visibility
            )

    @property
    def id(self) -> str:
        """The Key ID (a token)."""
        return self.resource.id

    @property
    def key(self) -> str:
        """The key itself (a sensitive token; none with ``store_in``)."""
        return self.resource.key

    @property
    def prefix(self) -> str:
        """The key's display prefix (a token)."""
        return self.resource.prefix

    @property
    def expires_at(self) -> str:
        """When the key expires, RFC 3339 (a token)."""
        return self.resource.expires_at

    @property
    def arn(self) -> str:
        """The key's Keyhouse Resource Name (a token)."""
        return self.resource.arn

    @property
    def stored_secret_arn(self) -> str:
        """The Keyhouse Resource Name of the secret holding the key (a token)."""
        return self.resource.stored_secret_arn

    @property
    def fqn(self) -> str:
        """The resource's address, so that an ``ApiKey`` can be given to ``depends_on``."""
        return self.resource.fqn
