"""``data.keyhouse_secret``: read a secret's value, by id or by name."""

from __future__ import annotations

from typing import TYPE_CHECKING

from keyhouse_provider.base import KeyhouseDataSource
from keyhouse_provider.framework.base import Context
from keyhouse_provider.framework.schema import Attr, Schema
from keyhouse_provider.framework.state import State
from keyhouse_provider.framework.types import NUMBER, STRING
from keyhouse_provider.resources._common import timestamp

if TYPE_CHECKING:
    from keyhouse_provider.connection import Connection

ATTRIBUTES: tuple[Attr, ...] = (
    Attr(
        "id",
        STRING,
        "The secret's id. Give `id` or `name`.",
        optional=True,
        computed=True,
    ),
    Attr(
        "name",
        STRING,
        "The secret's name. Give `id` or `name`.",
        optional=True,
        computed=True,
    ),
    Attr(
        "project",
        STRING,
        "The project whose secret `name` is; leave out for a private secret.",
        optional=True,
        computed=True,
    ),
    Attr(
        "value",
        STRING,
        "The value (base64 for `file` secrets).",
        computed=True,
        sensitive=True,
    ),
    Attr("arn", STRING, "The secret's Keyhouse Resource Name.", computed=True),
    Attr("type", STRING, "`text` or `file`.", computed=True),
    Attr("visibility", STRING, "`private` or `project`.", computed=True),
    Attr("description", STRING, "The secret's description.", computed=True),
    Attr("version", NUMBER, "The version of the value read.", computed=True),
    Attr("owner", STRING, "Who created it: `user/<name>` or `role/<name>`.", computed=True),
    Attr("created_at", STRING, "When it was created (RFC 3339, UTC).", computed=True),
)
"""The look-up's attributes, shared with the ephemeral ``keyhouse_secret``."""


def check_lookup(ctx: Context, config: State) -> None:
    """``id`` or ``name``, not both; ``project`` only with ``name``."""
    if (config["id"] is None) == (config["name"] is None):
        ctx.error("Give id or name", "Set exactly one of id and name.", ["name"])
    elif config["id"] is not None and config["project"] is not None:
        ctx.error(
            "project goes with name", "project only applies to a look-up by name.", ["project"]
        )


def look_up(connection: Connection, config: State) -> State:
    """``GET /secrets/{id}`` or ``/secrets/by-name``, then its value (an audited read)."""
    secrets = connection.client.secrets
    if config["id"] is not None:
        secret = secrets.get(secret_id=config["id"])
    else:
        secret = secrets.get_by_name(name=config["name"], project=config["project"])
    stored = secrets.get_value(secret_id=secret.id)
    return {
        "id": secret.id,
        "arn": secret.arn,
        "name": secret.name,
        "project": secret.project,
        "value": stored.value.get_secret_value(),
        "type": stored.type,
        "visibility": secret.visibility,
        "description": secret.description,
        "version": stored.version,
        "owner": secret.owner,
        "created_at": timestamp(secret.created_at),
    }


class SecretData(KeyhouseDataSource):
    """``data.keyhouse_secret``."""

    name = "secret"

    schema = Schema(
        description=(
            "Reads a Keyhouse secret and its value: by `id`, or by `name` (with `project` for a "
            "project's secret, without for one of the provider's principal's private secrets). "
            "Each read is audited by the service. The value lands in the state, marked "
            "sensitive; the ephemeral `keyhouse_secret` reads it for one run without keeping it."
        ),
        attributes=ATTRIBUTES,
    )

    def validate(self, ctx: Context, config: State) -> None:
        """``id`` or ``name``, not both."""
        check_lookup(ctx, config)

    def read(self, ctx: Context, config: State) -> State:
        """``GET /secrets/{id}`` or ``/secrets/by-name``, then its value."""
        return look_up(self.connection, config)
