"""``Secret``: the L1 secret with grants; ``StoredSecret``: the secret an API key is kept in."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import cdktf
import constructs

from keyhouse_cdk import l1
from keyhouse_cdk.grants import SECRET_READ_ACTIONS, SECRET_WRITE_ACTIONS, Grant
from keyhouse_cdk.principals import Grantee, principal_of
from keyhouse_cdk.props import PropError, check_visibility, is_token, path_of

SecretType = Literal["text", "file"]
Visibility = Literal["private", "project"]


class Secret(l1.Secret):
    """A Keyhouse secret (``keyhouse_secret``) that can grant access to itself.

    ``grant_read(role)`` lets a user or role that is not a member of the secret's
    project (or, for a private secret, not its owner) read exactly this secret.
    """

    def __init__(
        self,
        scope: constructs.Construct,
        id_: str,
        *,
        name: str,
        value: str,
        project: str | None = None,
        visibility: Visibility | None = None,
        type: SecretType | None = None,
        description: str | None = None,
        depends_on: Sequence[cdktf.ITerraformDependable] | None = None,
        provider: cdktf.TerraformProvider | None = None,
    ) -> None:
        """Define a secret.

        Args:
            scope: The construct it belongs to.
            id_: Its id within ``scope``.
            name: The path-like name, e.g. ``hopsworks/role/<role>/type/api-key``.
            value: The value: a reference or a variable, never a literal (a literal is
                written into the synthesized configuration). For ``type="file"``, the
                base64 of the bytes (see ``Secret.from_file``).
            project: The project the secret is shared with. Default: none (private).
            visibility: ``private`` or ``project``. Default: ``project`` with a project,
                else ``private``.
            type: ``text`` or ``file``. Default: ``text``.
            description: What it is for. Default: none.
            depends_on: Constructs to wait for beyond those referenced. Default: none.
            provider: The provider configuration, when the stack has several. Default: the
                stack's only one.
        """
        where = path_of(scope, id_)
        if type is not None and not is_token(type) and type not in ("text", "file"):
            raise PropError(where, "type", f"must be 'text' or 'file' (got {type!r})")
        check_visibility(where, "visibility", visibility, project)
        super().__init__(
            scope,
            id_,
            name=name,
            value=value,
            project=project,
            visibility=visibility,
            type=type,
            description=description,
            depends_on=depends_on,
            provider=provider,
        )

    @classmethod
    def from_file(
        cls,
        scope: constructs.Construct,
        id_: str,
        *,
        name: str,
        path: str,
        project: str | None = None,
        visibility: Visibility | None = None,
        description: str | None = None,
    ) -> Secret:
        """A ``file`` secret holding the bytes of the file at ``path``.

        Terraform reads the file when it plans (``filebase64``), so the bytes are never
        in the synthesized configuration, only the path. ``path`` may be a variable.
        """
        return cls(
            scope,
            id_,
            name=name,
            value=cdktf.Fn.filebase64(path),
            project=project,
            visibility=visibility,
            type="file",
            description=description,
        )

    def grant_read(self, grantee: Grantee, *, policy_name: str | None = None) -> Grant:
        """Let ``grantee`` find this secret and read its value (and nothing else)."""
        return _grant(self, "Read", grantee, SECRET_READ_ACTIONS, self.arn, policy_name)

    def grant_write(self, grantee: Grantee, *, policy_name: str | None = None) -> Grant:
        """Let ``grantee`` write new values and change the description (not read them)."""
        return _grant(self, "Write", grantee, SECRET_WRITE_ACTIONS, self.arn, policy_name)


class StoredSecret:
    """The secret an ``ApiKey`` with ``store_in`` writes its key into.

    It is not a resource of its own: the key's resource creates and deletes it, so
    the only grant it offers is reading (a value written by anyone else would make
    the next plan replace the key).

    Attributes:
        name: The secret's name.
        project: The project it is shared with, or None.
        visibility: ``private`` or ``project`` (None: the provider's default).
    """

    def __init__(
        self, key: l1.ApiKey, name: str, project: str | None, visibility: str | None
    ) -> None:
        self._key = key
        self.name = name
        self.project = project
        self.visibility = visibility

    @property
    def arn(self) -> str:
        """The secret's Keyhouse Resource Name (a token)."""
        return self._key.stored_secret_arn

    @property
    def id(self) -> str:
        """The secret's id (a token)."""
        return self._key.stored_secret_id

    def grant_read(self, grantee: Grantee, *, policy_name: str | None = None) -> Grant:
        """Let ``grantee`` find this secret and read the key in it (and nothing else)."""
        return _grant(self._key, "Read", grantee, SECRET_READ_ACTIONS, self.arn, policy_name)


def _grant(
    owner: constructs.Construct,
    verb: str,
    grantee: Grantee,
    actions: Sequence[str],
    arn: str,
    policy_name: str | None,
) -> Grant:
    _, label = principal_of(grantee)
    return Grant(
        owner,
        f"{verb}-{label}",
        grantee=grantee,
        actions=actions,
        resources=[arn],
        sid=f"{verb}Secret",
        policy_name=policy_name,
    )
