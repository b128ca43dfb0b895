"""Values for one Terraform run, never in the plan or the state: ``EphemeralSecretValue`` (a
secret's value read for the run) and ``EphemeralApiKey`` (a key made for the run and revoked
when it ends), each holding its ephemeral L1 resource as its child.

Ephemeral blocks need Terraform 1.10 and CDK Terrain (``cdktn``): CDKTF 0.21 cannot
synthesize them, so under CDKTF both stop the synth saying so. Their values go where
Terraform accepts ephemeral values: a write-only argument (``Secret(value_wo=...)``, or
another provider's), a provider's configuration (``KeyhouseProvider(api_key=...)``), a local.
"""

from __future__ import annotations

from collections.abc import Sequence

import constructs

from keyhouse_cdk import l1
from keyhouse_cdk.l1._support import EPHEMERAL_RESOURCES, cdktf, keep_signature
from keyhouse_cdk.props import PropError, check_scopes, check_whole, path_of
from keyhouse_cdk.refs import ProjectRef, check_ref, depend_on_named, name_of

# Every attribute of an ephemeral resource is ephemeral: the tokens these constructs hand
# out, so that a Secret can refuse one as a value it would keep in the state.
_TOKENS: set[str] = set()


def is_ephemeral(value: object) -> bool:
    """Whether ``value`` refers to an attribute of an ephemeral construct of this module."""
    return isinstance(value, str) and any(token in value for token in _TOKENS)


class LibraryError(RuntimeError):
    """A construct needs what the CDK library in use cannot synthesize.

    Attributes:
        path: The construct's path (``stack/.../id``).
    """

    def __init__(self, path: str, problem: str) -> None:
        self.path = path
        super().__init__(f"{path}: {problem}")


def _need_terrain(where: str) -> None:
    if not EPHEMERAL_RESOURCES:
        raise LibraryError(
            where,
            "ephemeral resources need CDK Terrain (cdktn): CDKTF cannot synthesize ephemeral "
            "blocks. pip install 'keyhouse[cdktn]' and build the app with cdktn (from cdktn "
            "import App, TerraformStack; npx cdktn deploy)",
        )


def _ephemeral(token: str) -> str:
    _TOKENS.add(token)
    return token


@keep_signature
class EphemeralSecretValue(constructs.Construct):
    """A Keyhouse secret's value, read for one run (``ephemeral "keyhouse_secret"``).

    Give the secret's ``name`` (with ``project`` for a project's secret) or its
    ``secret_id``. Each phase of a run reads it (the service audits each read): at plan,
    and again at apply.

    Attributes:
        resource: The ``EphemeralKeyhouseSecret`` L1 construct (its id is ``Default``).
        value: The value (a token): for ``Secret(value_wo=...)`` or another write-only
            argument, never for ``value``.
        version: The version read (a token).
        arn: The secret's Keyhouse Resource Name (a token).
    """

    def __init__(
        self,
        scope: constructs.Construct,
        id_: str,
        *,
        name: str | None = None,
        project: ProjectRef | None = None,
        secret_id: str | None = None,
        depends_on: Sequence[cdktf.ITerraformDependable] | None = None,
        provider: cdktf.TerraformProvider | None = None,
    ) -> None:
        """Read a secret for the run.

        Args:
            scope: The construct it belongs to.
            id_: Its id within ``scope``.
            name: The secret's name. Give ``name`` or ``secret_id``.
            project: The project whose secret ``name`` is (a ``Project`` construct or its
                name). Default: none (a private secret of the provider's principal).
            secret_id: The secret's id. Give ``name`` or ``secret_id``.
            depends_on: Constructs to wait for beyond those referenced. Default: none.
            provider: The provider configuration, when the stack has several. Default: the
                stack's only one.
        """
        where = path_of(scope, id_)
        _need_terrain(where)
        if (name is None) == (secret_id is None):
            raise PropError(where, "name", "give the secret's name or its secret_id (one of them)")
        if project is not None and name is None:
            raise PropError(where, "project", "goes with name; a secret_id needs no project")
        check_ref(where, "project", project)
        super().__init__(scope, id_)
        self.resource = l1.EphemeralKeyhouseSecret(
            self,
            "Default",
            id=secret_id,
            name=name,
            project=None if project is None else name_of(project),
            depends_on=depends_on,
            provider=provider,
        )
        depend_on_named(self.resource, l1.Project, project)  # type: ignore[arg-type]
        self.value = _ephemeral(self.resource.value)
        self.version = self.resource.version
        self.arn = _ephemeral(self.resource.arn)


@keep_signature
class EphemeralApiKey(constructs.Construct):
    """An API key of the provider's principal for one run (``ephemeral "keyhouse_api_key"``),
    revoked when Terraform closes it at the run's end: to hand a key to another provider or
    a tool for that run only. A plan and its apply each make (and revoke) a key of their own;
    a run killed before it ends leaves its key to expire after ``lifetime_minutes``.

    Attributes:
        resource: The ``EphemeralKeyhouseApiKey`` L1 construct (its id is ``Default``).
        key: The key (a token): for a provider's configuration (``KeyhouseProvider(api_key=
            ...)``) or a write-only argument.
        key_id: The Key ID (a token).
        prefix: The key's first characters, as listings show them (a token).
        expires_at: When it expires (a token).
    """

    def __init__(
        self,
        scope: constructs.Construct,
        id_: str,
        *,
        scopes: Sequence[str],
        lifetime_minutes: int | None = None,
        project: ProjectRef | None = None,
        depends_on: Sequence[cdktf.ITerraformDependable] | None = None,
        provider: cdktf.TerraformProvider | None = None,
    ) -> None:
        """Make a key for the run.

        Args:
            scope: The construct it belongs to.
            id_: Its id within ``scope``.
            scopes: Scopes from the catalog (custom ones declared in the app's context);
                only scopes the provider's own key holds.
            lifetime_minutes: Minutes until it expires, should it outlive the run: a whole
                number, at least 1. Default: 60 (at most the admin's maximum key lifetime).
            project: Restrict the key to this project (a ``Project`` construct or its name).
                Default: none.
            depends_on: Constructs to wait for beyond those referenced. Default: none.
            provider: The provider configuration that makes the key, when the stack has
                several. Default: the stack's only one.
        """
        where = path_of(scope, id_)
        _need_terrain(where)
        check_scopes(scope, where, "scopes", scopes, admin_only_allowed=True)
        check_whole(where, "lifetime_minutes", lifetime_minutes, "minutes")
        check_ref(where, "project", project)
        super().__init__(scope, id_)
        self.resource = l1.EphemeralKeyhouseApiKey(
            self,
            "Default",
            scopes=list(scopes),
            lifetime_minutes=lifetime_minutes,
            project=None if project is None else name_of(project),
            depends_on=depends_on,
            provider=provider,
        )
        depend_on_named(self.resource, l1.Project, project)  # type: ignore[arg-type]
        self.key = _ephemeral(self.resource.key)
        self.key_id = _ephemeral(self.resource.id)
        self.prefix = _ephemeral(self.resource.prefix)
        self.expires_at = _ephemeral(self.resource.expires_at)
