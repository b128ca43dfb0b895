"""``ApiKey``: the L1 API key, with ``store_in`` naming the secret it is kept in."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import cdktf
import constructs

from keyhouse_cdk import l1
from keyhouse_cdk.props import PropError, check_lifetime, check_visibility, path_of
from keyhouse_cdk.secrets import StoredSecret


@dataclass(frozen=True, kw_only=True)
class StoreIn:
    """Where an ``ApiKey`` keeps its key: a secret the key's resource writes, never the state.

    Attributes:
        name: The secret's path-like name.
        project: The project the secret is shared with. Default: the key's own
            ``project``, if it has one.
        visibility: ``private`` or ``project``. Default: ``project`` when there is a
            project, else ``private``.
        description: The secret's description. Default: none.
    """

    name: str
    project: str | None = None
    visibility: Literal["private", "project"] | None = None
    description: str | None = None


class ApiKey(l1.ApiKey):
    """A Keyhouse API key (``keyhouse_api_key``).

    With ``store_in`` the key goes straight from the service into a secret: it is in
    neither the Terraform state nor the plan, and ``stored_secret`` can grant a
    principal read access to exactly that secret.
    """

    def __init__(
        self,
        scope: constructs.Construct,
        id_: str,
        *,
        name: str,
        scopes: Sequence[str],
        owner_user: str | None = None,
        owner_role: str | None = None,
        project: str | None = None,
        expires_in_days: float | None = None,
        store_in: StoreIn | None = None,
        depends_on: Sequence[cdktf.ITerraformDependable] | None = None,
        provider: cdktf.TerraformProvider | None = None,
    ) -> None:
        """Define an API key.

        Args:
            scope: The construct it belongs to.
            id_: Its id within ``scope``.
            name: The key's name, unique among its owner's keys.
            scopes: Scopes from the service's catalog.
            owner_user: The user who owns it. Default: the provider's own principal (unless
                ``owner_role``).
            owner_role: The role that owns it. Default: none.
            project: Restrict the key to this project. Default: no restriction.
            expires_in_days: Lifetime in days. Default: the admin's default lifetime.
            store_in: The secret to keep the key in. Default: none (the key is in the
                state, as the sensitive ``key`` attribute).
            depends_on: Constructs to wait for beyond those referenced. Default: none.
            provider: The provider configuration, when the stack has several. Default: the
                stack's only one.
        """
        where = path_of(scope, id_)
        if owner_user is not None and owner_role is not None:
            raise PropError(where, "owner_role", "give owner_user or owner_role, not both")
        check_lifetime(where, "expires_in_days", expires_in_days)
        block = None
        self.stored_secret: StoredSecret | None = None
        if store_in is not None:
            secret_project = store_in.project if store_in.project is not None else project
            check_visibility(where, "store_in.visibility", store_in.visibility, secret_project)
            block = l1.ApiKeyStoreInSecret(
                name=store_in.name,
                project=secret_project,
                visibility=store_in.visibility,
                description=store_in.description,
            )
        super().__init__(
            scope,
            id_,
            name=name,
            scopes=scopes,
            owner_user=owner_user,
            owner_role=owner_role,
            project=project,
            expires_in_days=expires_in_days,
            store_in_secret=block,
            depends_on=depends_on,
            provider=provider,
        )
        if block is not None:
            self.stored_secret = StoredSecret(self, block.name, block.project, block.visibility)
