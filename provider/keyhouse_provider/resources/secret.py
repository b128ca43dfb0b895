"""``keyhouse_secret``: an encrypted value, private to its owner or shared with a project."""

from __future__ import annotations

import base64
import binascii
import re
from typing import TYPE_CHECKING, Any

from keyhouse_provider.base import KeyhouseResource
from keyhouse_provider.framework.base import Context, PlanContext, ProviderError
from keyhouse_provider.framework.schema import Attr, Schema
from keyhouse_provider.framework.state import State
from keyhouse_provider.framework.tfcompat import Unknown
from keyhouse_provider.framework.types import NUMBER, STRING
from keyhouse_provider.resources._common import arn, created_at, gone_ok, or_none, timestamp
from keyhouse_provider.resources._secret_names import check_name

if TYPE_CHECKING:
    from keyhouse_client import models
    from keyhouse_provider.connection import Connection

MAX_VALUE_CHARS = 9000
"""The service keeps values of at most this many characters."""


class Secret(KeyhouseResource):
    """``keyhouse_secret``."""

    name = "secret"

    schema = Schema(
        description=(
            "A Keyhouse secret: a value encrypted at rest, private to the provider's principal or "
            "shared with a project's members. The value comes from `value` (kept in the state, "
            "sensitive) or `value_wo` (write-only: never in plan or state, Terraform 1.11 and "
            "later). A refresh notices a value changed outside Terraform (its `version` moved) "
            "and plans to write the configured value back."
        ),
        attributes=(
            Attr(
                "id",
                STRING,
                "The secret's id. Import by the id, `<project>/<name>`, the name of a private "
                "secret, or the arn.",
                computed=True,
                stable=True,
            ),
            Attr(
                "name",
                STRING,
                "Path-like name, e.g. `hopsworks/role/databricks/type/api-key`: segments of "
                "letters, digits, `.`, `_` and `-` separated by `/`. Unique among the owner's "
                "private secrets, or within the project. Changing it creates a new secret.",
                required=True,
                replace=True,
            ),
            Attr(
                "value",
                STRING,
                f'The value: text as is, or for `type = "file"` the base64 of the file\'s bytes '
                f'(e.g. `filebase64("cert.pem")`). At most {MAX_VALUE_CHARS} characters. '
                "Stored in the Terraform state (sensitive). Changing it writes a new version. "
                "Set exactly one of `value` and `value_wo`.",
                optional=True,
                sensitive=True,
            ),
            Attr(
                "value_wo",
                STRING,
                "Write-only value, as `value` but never stored in the plan or the state "
                "(Terraform 1.11 and later): e.g. from an ephemeral resource or a variable "
                "marked `ephemeral`. Terraform cannot see it change: it is written on create "
                "and whenever `value_wo_version` changes. Set exactly one of `value` and "
                "`value_wo`.",
                optional=True,
                sensitive=True,
                write_only=True,
            ),
            Attr(
                "value_wo_version",
                NUMBER,
                "Required with `value_wo`: change it (e.g. increase it) to write `value_wo` "
                "again. A refresh that finds the value changed outside Terraform sets it to "
                "null, so that the plan writes `value_wo` back.",
                optional=True,
            ),
            Attr(
                "type",
                STRING,
                "`text` (default) or `file` (the value is base64; reads return it as stored).",
                optional=True,
                computed=True,
                default="text",
            ),
            Attr(
                "visibility",
                STRING,
                "`private` (only the owner sees it) or `project` (every member of `project` "
                "reads it). Default: `project` when `project` is set, else `private`. Changing "
                "it creates a new secret.",
                optional=True,
                computed=True,
                replace=True,
            ),
            Attr(
                "project",
                STRING,
                'The project the secret is shared with (with `visibility = "project"`). '
                "Changing it creates a new secret.",
                optional=True,
                replace=True,
            ),
            Attr(
                "description",
                STRING,
                "What the secret is for (at most 500 characters).",
                optional=True,
            ),
            Attr(
                "version",
                NUMBER,
                "Starts at 1 and increases with every change of the value.",
                computed=True,
                follows=("value", "value_wo_version", "type"),
            ),
            Attr(
                "owner",
                STRING,
                "Who created the secret: `user/<name>` or `role/<name>`.",
                computed=True,
                stable=True,
            ),
            arn("secret"),
            created_at("secret"),
        ),
    )

    def validate(self, ctx: Context, config: State) -> None:
        """The name's rules; one value, its size and encoding; visibility against project."""
        check_name(ctx, config["name"], ["name"])
        check_value_source(ctx, config)
        check_value(ctx, config["value"], config["type"], ["value"])
        check_value(ctx, config["value_wo"], config["type"], ["value_wo"])
        if config["type"] not in (None, Unknown, "text", "file"):
            ctx.error("Invalid type", 'type must be "text" or "file".', ["type"])
        check_visibility(ctx, config["visibility"], config["project"], [])

    def plan(self, ctx: PlanContext, prior: State | None, planned: State, config: State) -> None:
        """Derive the visibility; a new value (or type) means a new version."""
        if config["visibility"] is None:
            planned["visibility"] = derived_visibility(planned["project"])
        # Values only known now (from other resources) are checked here.
        check_name(ctx, planned["name"], ["name"])
        check_value(ctx, planned["value"], planned["type"], ["value"])
        check_value(ctx, planned["value_wo"], planned["type"], ["value_wo"])

    def create(self, ctx: Context, planned: State) -> State:
        """``POST /secrets``, once per resource instance."""
        self.connection.snapshots.invalidate("secret")
        secrets = self.connection.client.secrets
        body = {
            "name": planned["name"],
            "value": _written(planned),
            "type": planned["type"],
            "visibility": planned["visibility"],
            "project": planned["project"],
            "description": planned["description"],
        }
        secret = self.connection.create_once(
            self.type_name(),
            body,
            lambda key: secrets.with_response.create(**body, idempotency_key=key),
            alive=lambda found: or_none(lambda: secrets.get(secret_id=found.id)) is not None,
            identify=lambda found: found.id,
        )
        return _state(secret, planned["value"], planned["value_wo_version"])

    def read(self, ctx: Context, current: State) -> State | None:
        """Metadata always; the value only when its version moved (reading it is audited)."""
        secrets = self.connection.client.secrets
        secret = self._metadata(current)
        if secret is None:
            return None
        if current["value_wo_version"] is not None:
            # Write-only: the value is never read back. Changed outside Terraform, the
            # version the configuration names is no longer what the service holds.
            moved = secret.version != current["version"]
            return _state(secret, None, None if moved else current["value_wo_version"])
        value = current["value"]
        if secret.version != current["version"] or value is None:
            secret_id = secret.id
            stored = or_none(lambda: secrets.get_value(secret_id=secret_id))
            if stored is None:
                return None
            value, secret = (
                stored.value.get_secret_value(),
                secret.model_copy(update={"version": stored.version, "type": stored.type}),
            )
        return _state(secret, value, None)

    def _metadata(self, current: State) -> models.SecretPublic | None:
        return metadata(self.connection, current["id"], current["visibility"], current["project"])

    def update(self, ctx: Context, prior: State, planned: State) -> State:
        """A new value (``PUT /secrets/{id}/value``) and/or description (``PATCH``)."""
        self.connection.snapshots.invalidate("secret")
        secrets = self.connection.client.secrets
        secret: Any = None
        if (
            planned["value"] != prior["value"]
            or planned["value_wo_version"] != prior["value_wo_version"]
            or planned["type"] != prior["type"]
        ):
            # Compare-and-set on the version Terraform last saw: a value changed
            # out of band since the refresh is refused (412), not overwritten unseen.
            secret = secrets.put_value(
                secret_id=prior["id"],
                value=_written(planned),
                type=planned["type"],
                expected_version=prior["version"],
            )
        if planned["description"] != prior["description"]:
            secret = secrets.update(secret_id=prior["id"], description=planned["description"])
        if secret is None:
            secret = secrets.get(secret_id=prior["id"])
        return _state(secret, planned["value"], planned["value_wo_version"])

    def delete(self, ctx: Context, prior: State) -> None:
        """``DELETE /secrets/{id}``."""
        self.connection.snapshots.invalidate("secret")
        gone_ok(lambda: self.connection.client.secrets.delete(secret_id=prior["id"]))

    def import_state(self, ctx: Context, import_id: str) -> State | None:
        """Import by id, ``<project>/<name>``, the name of a private secret, or the arn;
        the refresh that follows reads the value."""
        return {"id": find_for_import(self.connection, import_id).id}


IMPORT_FORMS = "the secret's id, <project>/<name>, the name of a private secret, or its arn"
_ID = re.compile(r"[0-9a-f]{32}")
_ARN_PREFIX = "khrn:secret:"


def find_for_import(connection: Connection, import_id: str) -> models.SecretPublic:
    """The secret an import ID names (see ``IMPORT_FORMS``).

    Names hold ``/``, so ``a/b`` may be the secret ``b`` of project ``a`` or the
    private secret ``a/b``: both are looked up, and when both exist the ID is refused
    as ambiguous rather than guessed.
    """
    secrets = connection.client.secrets
    if _ID.fullmatch(import_id):
        found = or_none(lambda: secrets.get(secret_id=import_id))
        if found is not None:
            return found
    candidates: list[tuple[str | None, str]] = []
    if import_id.startswith(_ARN_PREFIX):
        kind, _, rest = import_id.removeprefix(_ARN_PREFIX).partition("/")
        owner, _, name = rest.partition("/")
        if kind == "project" and owner and name:
            candidates.append((owner, name))
        elif kind in ("user", "role") and owner and name:
            candidates.append((None, name))
    else:
        project, _, name = import_id.partition("/")
        if project and name:
            candidates.append((project, name))
        candidates.append((None, import_id))
    matches = [
        found
        for project, name in candidates
        if (found := _by_name(connection, name, project)) is not None
        # By arn: the secret of that owner, not the provider's own of the same name.
        and (found.arn == import_id or not import_id.startswith(_ARN_PREFIX))
    ]
    if len(matches) > 1:
        raise ProviderError(
            "Ambiguous import ID for keyhouse_secret",
            f"{import_id!r} names both the secret {matches[0].name!r} of project "
            f"{matches[0].project!r} and a private secret; import by id ({matches[0].id} or "
            f"{matches[1].id}) or by arn.",
        )
    if not matches:
        raise ProviderError(
            "No such secret to import",
            f"No secret visible to the provider's key is named by {import_id!r}. Give "
            f"{IMPORT_FORMS}.",
        )
    return matches[0]


def _by_name(connection: Connection, name: str, project: str | None) -> models.SecretPublic | None:
    from keyhouse_client import PermissionDeniedError

    try:
        return or_none(lambda: connection.client.secrets.get_by_name(name=name, project=project))
    except PermissionDeniedError:
        # Not a project the provider's key may see (or none at all): not this reading.
        return None


def metadata(
    connection: Connection, secret_id: str, visibility: Any, project: Any
) -> models.SecretPublic | None:
    """A secret's metadata for a refresh (see ``snapshots``), or None when it is gone."""
    secrets = connection.client.secrets
    if visibility not in ("private", "project"):  # not known yet: just this one
        return or_none(lambda: secrets.get(secret_id=secret_id))
    return connection.snapshots.read(
        "secret",
        f"project/{project}" if visibility == "project" else "private",
        secret_id,
        one=lambda: or_none(lambda: secrets.get(secret_id=secret_id)),
        every=lambda: secrets.iter(project=project, visibility=visibility, limit=200),
        key_of=lambda found: found.id,
    )


def derived_visibility(project: Any) -> Any:
    """The visibility a secret gets when none is configured."""
    if project is Unknown:
        return Unknown
    return "private" if project is None else "project"


def check_value(ctx: Context, value: Any, kind: Any, path: list[Any]) -> None:
    """Refuse a value the service would refuse, without ever repeating it."""
    if not isinstance(value, str):
        return
    if len(value) > MAX_VALUE_CHARS:
        ctx.error(
            "Secret value too long",
            f"The value has {len(value)} characters; Keyhouse keeps at most {MAX_VALUE_CHARS}.",
            path,
        )
    elif not value:
        ctx.error("Empty secret value", "A secret's value needs at least one character.", path)
    elif kind == "file":
        try:
            base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            ctx.error(
                "Secret value is not base64",
                'With type = "file" the value is the base64 of the file\'s bytes, e.g. '
                'filebase64("cert.pem").',
                path,
            )


def check_value_source(ctx: Context, config: State) -> None:
    """Exactly one of ``value`` and ``value_wo``; ``value_wo_version`` with ``value_wo`` only."""
    value, write_only, version = config["value"], config["value_wo"], config["value_wo_version"]
    if value is None and write_only is None:
        ctx.error(
            "Missing secret value", "Set value, or value_wo with value_wo_version.", ["value"]
        )
    elif value is not None and write_only is not None:
        ctx.error("Two secret values", "Set value or value_wo, not both.", ["value_wo"])
    elif write_only is not None and version is None:
        ctx.error(
            "Missing value_wo_version",
            "value_wo is write-only: Terraform cannot see it change. Set value_wo_version, "
            "and change it whenever value_wo should be written again.",
            ["value_wo_version"],
        )
    elif write_only is None and version is not None:
        ctx.error(
            "value_wo_version without value_wo",
            "value_wo_version versions value_wo; with value, remove it.",
            ["value_wo_version"],
        )


def _written(planned: State) -> Any:
    """The value to write: ``value``, or ``value_wo`` (the framework put the configured
    write-only value into ``planned`` for the apply)."""
    return planned["value"] if planned["value"] is not None else planned["value_wo"]


def check_visibility(ctx: Context, visibility: Any, project: Any, where: list[Any]) -> None:
    """``project`` visibility needs a project; ``private`` refuses one."""
    if visibility is Unknown or project is Unknown or visibility is None:
        return
    if visibility not in ("private", "project"):
        ctx.error(
            "Invalid visibility",
            f'visibility is {visibility!r}; it must be "private" or "project".',
            [*where, "visibility"],
        )
    elif visibility == "project" and project is None:
        ctx.error(
            "Missing project",
            'visibility = "project" shares the secret with a project: set project.',
            [*where, "project"],
        )
    elif visibility == "private" and project is not None:
        ctx.error(
            "Private secret with a project",
            'A private secret belongs to no project: remove project or set visibility = "project".',
            [*where, "visibility"],
        )


def _state(secret: models.SecretPublic, value: Any, value_wo_version: Any) -> State:
    return {
        "arn": secret.arn,
        "id": secret.id,
        "name": secret.name,
        "value": value,
        "value_wo": None,
        "value_wo_version": value_wo_version,
        "type": secret.type,
        "visibility": secret.visibility,
        "project": secret.project,
        "description": secret.description,
        "version": secret.version,
        "owner": secret.owner,
        "created_at": timestamp(secret.created_at),
    }
