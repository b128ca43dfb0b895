"""Secrets: ``Secret`` (a ``keyhouse_secret`` it holds as its child), a secret made elsewhere
(``Secret.from_name``), and the secret an API key is kept in; all grant access alike."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import constructs
import jsii

from keyhouse_cdk import l1
from keyhouse_cdk.ephemeral import is_ephemeral
from keyhouse_cdk.grants import SECRET_READ_ACTIONS, SECRET_WRITE_ACTIONS, Grant
from keyhouse_cdk.l1._support import cdktf, keep_signature
from keyhouse_cdk.principals import Grantee, Principal, principal_of
from keyhouse_cdk.props import (
    PropError,
    check_visibility,
    check_whole,
    is_token,
    path_of,
)
from keyhouse_cdk.refs import ProjectRef, check_ref, depend_on_named, name_of

SecretType = Literal["text", "file"]
Visibility = Literal["private", "project"]


@dataclass(frozen=True)
class SecretValue:
    """A literal secret value, opted into by name, for ``value`` or ``value_wo``.

    A literal is written into ``cdk.tf.json`` (and, given as ``value``, the state):
    fine for a test, not for a real secret. Pass a sensitive ``TerraformVariable``'s
    ``string_value``, an ``EphemeralSecretValue``'s ``value`` (as ``value_wo``), or use
    ``Secret.from_file`` instead.
    """

    text: str

    @classmethod
    def unsafe_plain_text(cls, text: str) -> SecretValue:
        """``text`` itself, written into the synthesized configuration as it is."""
        return cls(text)

    def __repr__(self) -> str:
        return "SecretValue(<hidden>)"


class SecretBase(constructs.Construct):
    """What every kind of secret offers: its Keyhouse name and grants on it."""

    @property
    def arn(self) -> str:
        """The secret's Keyhouse Resource Name."""
        raise NotImplementedError

    def grant_read(self, grantee: Grantee, *, policy_name: str | None = None) -> Grant:
        """Let ``grantee`` find this secret and read its value (and nothing else)."""
        return self._grant("Read", grantee, SECRET_READ_ACTIONS, policy_name)

    def grant_write(self, grantee: Grantee, *, policy_name: str | None = None) -> Grant:
        """Let ``grantee`` write new values and change the description (not read them)."""
        return self._grant("Write", grantee, SECRET_WRITE_ACTIONS, policy_name)

    def _grant(
        self, verb: str, grantee: Grantee, actions: Sequence[str], policy_name: str | None
    ) -> Grant:
        return grant_on(self, verb, grantee, actions, self.arn, policy_name)


def grant_on(
    owner: constructs.Construct,
    verb: str,
    grantee: Grantee,
    actions: Sequence[str],
    arn: str,
    policy_name: str | None,
) -> Grant:
    """A grant of ``actions`` on the secret ``arn``, defined under ``owner``."""
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


@keep_signature
@jsii.implements(cdktf.ITerraformDependable)
class Secret(SecretBase):
    """A Keyhouse secret (``keyhouse_secret``) that can grant access to itself.

    ``grant_read(role)`` lets a user or role that is not a member of the secret's
    project (or, for a private secret, not its owner) read exactly this secret.

    Attributes:
        resource: The ``keyhouse_secret`` L1 construct (its id is ``Default``, so its
            Terraform name is this construct's).
    """

    def __init__(
        self,
        scope: constructs.Construct,
        id_: str,
        *,
        name: str,
        value: str | SecretValue | None = None,
        value_wo: str | SecretValue | None = None,
        value_wo_version: int | None = None,
        project: ProjectRef | None = None,
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
            value: A reference: a sensitive ``TerraformVariable``'s ``string_value``, or
                another construct's attribute. Kept in the state (sensitive). A literal is
                refused, because it would be written into ``cdk.tf.json``; opt in with
                ``SecretValue.unsafe_plain_text``. For ``type="file"``, the base64 of the
                bytes (see ``Secret.from_file``). Give ``value`` or ``value_wo``.
            value_wo: The value, write-only (Terraform 1.11 and later): sent to the service,
                never kept in the plan or the state. A reference as for ``value``, and also
                an ephemeral one (``EphemeralSecretValue(...).value``, CDK Terrain). A
                literal is refused as for ``value``. Default: none.
            value_wo_version: Required with ``value_wo``, a whole number: Terraform cannot
                see a write-only value change, so ``value_wo`` is written on create and
                whenever this changes (increase it to write a new value). Default: none.
            project: The project the secret is shared with: a ``Project`` construct or its
                name. Default: none (private).
            visibility: ``private`` or ``project``. Default: ``project`` with a project,
                else ``private``.
            type: ``text`` or ``file``. Default: ``text``.
            description: What it is for. Default: none.
            depends_on: Constructs to wait for beyond those referenced. Default: none.
            provider: The provider configuration, when the stack has several. Default: the
                stack's only one.
        """
        where = path_of(scope, id_)
        configured, write_only = _values(where, value, value_wo, value_wo_version)
        if type is not None and not is_token(type) and type not in ("text", "file"):
            raise PropError(where, "type", f"must be 'text' or 'file' (got {type!r})")
        project_name = None if project is None else name_of(project)
        check_ref(where, "project", project)
        check_visibility(where, "visibility", visibility, project_name)
        super().__init__(scope, id_)
        self.resource = l1.Secret(
            self,
            "Default",
            name=name,
            value=configured,
            value_wo=write_only,
            value_wo_version=value_wo_version,
            project=project_name,
            visibility=visibility,
            type=type,
            description=description,
            depends_on=depends_on,
            provider=provider,
        )
        depend_on_named(self.resource, l1.Project, project)

    @classmethod
    def from_file(
        cls,
        scope: constructs.Construct,
        id_: str,
        *,
        name: str,
        path: str | os.PathLike[str],
        project: ProjectRef | None = None,
        visibility: Visibility | None = None,
        description: str | None = None,
        value_wo_version: int | None = None,
    ) -> Secret:
        """A ``file`` secret holding the bytes of the file at ``path``.

        Terraform reads the file when it plans (``filebase64``), so the bytes are never
        in the synthesized configuration, only the path. A relative ``path`` is relative
        to the app (the folder ``cdktf`` runs it in, where ``cdktf.json`` is) and must
        exist when the app synthesizes; it is written relative to the stack's folder in
        ``cdktf.out``, so the checkout can move. An absolute path is kept as it is.
        ``path`` may also be a variable, whose value Terraform reads from the stack's
        folder (give an absolute path).

        The bytes are kept in the state (sensitive), as any ``value``; with
        ``value_wo_version`` they go to ``value_wo`` instead and are never in the state
        (Terraform 1.11 and later), written on create and whenever the version changes.
        """
        where = path_of(scope, id_)
        text = os.fspath(path)
        if not is_token(text):
            text = _from_stack_folder(scope, where, Path(text))
        content = cdktf.Fn.filebase64(text)
        write_only = value_wo_version is not None
        return cls(
            scope,
            id_,
            name=name,
            value=None if write_only else content,
            value_wo=content if write_only else None,
            value_wo_version=value_wo_version,
            project=project,
            visibility=visibility,
            type="file",
            description=description,
        )

    @classmethod
    def from_name(
        cls,
        scope: constructs.Construct,
        id_: str,
        *,
        name: str,
        project: ProjectRef | None = None,
        owner: Principal | None = None,
    ) -> ImportedSecret:
        """A secret made elsewhere (another stack, the API), to grant access to it.

        Args:
            scope: Where grants on it are defined.
            id_: Its id within ``scope``.
            name: The secret's name.
            project: The project it is shared with (a project secret).
            owner: The user or role owning it (a private secret); give this or ``project``.
        """
        return ImportedSecret(scope, id_, name=name, project=project, owner=owner)

    @property
    def arn(self) -> str:
        """The secret's Keyhouse Resource Name (a token)."""
        return self.resource.arn

    @property
    def id(self) -> str:
        """The secret's id (a token)."""
        return self.resource.id

    @property
    def name(self) -> str:
        """The secret's name (a token)."""
        return self.resource.name

    @property
    def version(self) -> float:
        """The value's version (a token)."""
        return self.resource.version

    @property
    def fqn(self) -> str:
        """The resource's address, so that a ``Secret`` can be given to ``depends_on``."""
        return self.resource.fqn


def _values(
    where: str,
    value: str | SecretValue | None,
    value_wo: str | SecretValue | None,
    version: int | None,
) -> tuple[str | None, str | None]:
    """What to configure as ``value`` and as ``value_wo``: exactly one of them."""
    if value is not None and value_wo is not None:
        raise PropError(
            where,
            "value_wo",
            "give value or value_wo, not both (value is kept in the state, value_wo never is)",
        )
    if value_wo is None:
        if value is None:
            raise PropError(
                where,
                "value",
                "give value, or value_wo with value_wo_version (write-only: never in the state)",
            )
        if version is not None:
            raise PropError(
                where, "value_wo_version", "versions value_wo; with value, leave it out"
            )
        if is_ephemeral(value):
            raise PropError(
                where,
                "value",
                "an ephemeral value cannot be kept in the state: pass it as value_wo (with "
                "value_wo_version)",
            )
        return _reference(where, "value", value), None
    _check_version(where, version)
    return None, _reference(where, "value_wo", value_wo)


def _reference(where: str, prop: str, given: object) -> str:
    """``given`` if it is a reference or an opted-in literal; a ``PropError`` otherwise."""
    if isinstance(given, SecretValue):
        return given.text
    if isinstance(given, str) and is_token(given):
        return given
    if prop == "value":
        problem = (
            "a literal value would be written into cdk.tf.json and the state: pass value_wo "
            "(write-only, never in the state) with value_wo_version, a sensitive "
            "TerraformVariable's string_value, or use Secret.from_file(...); or opt in with "
            "SecretValue.unsafe_plain_text(...)"
        )
    else:
        problem = (
            "a literal value would be written into cdk.tf.json: pass a reference (a sensitive "
            "TerraformVariable's string_value, or on CDK Terrain an EphemeralSecretValue's "
            "value); or opt in with SecretValue.unsafe_plain_text(...)"
        )
    raise PropError(where, prop, problem)


def _check_version(where: str, version: object) -> None:
    """``value_wo_version``: given, and a whole number of at least 1 (or a token)."""
    if version is None:
        raise PropError(
            where,
            "value_wo_version",
            "required with value_wo: Terraform cannot see a write-only value change, so "
            "give a whole number and change it to write value_wo again",
        )
    check_whole(where, "value_wo_version", version)


def _from_stack_folder(scope: constructs.IConstruct, where: str, path: Path) -> str:
    """``path`` (relative to the app) as Terraform must read it from the stack's folder."""
    if path.is_absolute():
        return str(path)
    absolute = Path.cwd() / path
    if not absolute.is_file():
        raise PropError(where, "path", f"no file at {absolute} (a relative path is from the app)")
    stack = cdktf.TerraformStack.of(scope)
    folder = Path(cdktf.App.of(stack).outdir).absolute() / "stacks" / stack.node.id
    # Terraform reads relative paths from its working directory: the stack's folder.
    return os.path.relpath(absolute, folder)


@keep_signature
class ImportedSecret(SecretBase):
    """A secret this app does not manage, named to grant access to it (``Secret.from_name``).

    Attributes:
        secret_name: Its name.
        project: The project it is shared with, or None for a private secret.
        owner: Its owner, for a private secret.
    """

    def __init__(
        self,
        scope: constructs.Construct,
        id_: str,
        *,
        name: str,
        project: ProjectRef | None = None,
        owner: Principal | None = None,
    ) -> None:
        """See ``Secret.from_name``."""
        where = path_of(scope, id_)
        if (project is None) == (owner is None):
            raise PropError(
                where, "project", "give the project (a shared secret) or the owner (a private one)"
            )
        super().__init__(scope, id_)
        self.secret_name = name
        self.project = None if project is None else name_of(project)
        self.owner = owner

    @property
    def arn(self) -> str:
        """``khrn:secret:project/<project>/<name>`` or ``khrn:secret:<kind>/<owner>/<name>``."""
        if self.project is not None:
            return f"khrn:secret:project/{self.project}/{self.secret_name}"
        assert self.owner is not None
        return f"khrn:secret:{self.owner.kind}/{self.owner.name}/{self.secret_name}"


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
        self,
        owner: constructs.Construct,
        key: l1.ApiKey,
        name: str,
        project: str | None,
        visibility: str | None,
    ) -> None:
        self._owner = owner
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
        return grant_on(self._owner, "Read", grantee, SECRET_READ_ACTIONS, self.arn, policy_name)
