"""``store_in_secret`` of ``keyhouse_api_key``: the new key goes straight into a secret.

The service answers a key's creation with the key itself, once. With this block
the provider writes that answer into the secret and forgets it: the key is in
neither the state nor the plan, and nothing the provider logs holds it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from keyhouse_provider.framework.base import Context, ProviderError
from keyhouse_provider.framework.schema import Attr, NestedBlock
from keyhouse_provider.framework.state import State
from keyhouse_provider.framework.types import STRING
from keyhouse_provider.resources._common import gone_ok, or_none
from keyhouse_provider.resources._secret_names import check_name
from keyhouse_provider.resources.secret import check_visibility, derived_visibility, metadata

if TYPE_CHECKING:
    from keyhouse_provider.connection import Connection

BLOCK = NestedBlock(
    "store_in_secret",
    "single",
    "Store the new key in a Keyhouse secret instead of the Terraform state: the key never "
    "leaves the service (it is in neither the state nor the plan; `key` stays null). The "
    "secret belongs to this resource: destroying the key deletes it. A refresh that finds "
    "the secret deleted or its value changed plans a new key (the old one cannot be shown "
    "again). Any change here creates a new key.",
    (
        Attr("name", STRING, "The secret's path-like name.", required=True),
        Attr(
            "project",
            STRING,
            "The project the secret is shared with (then `visibility` defaults to `project`).",
            optional=True,
        ),
        Attr(
            "visibility",
            STRING,
            "`private` or `project`; default `project` when `project` is set, else `private`.",
            optional=True,
            computed=True,
        ),
        Attr("description", STRING, "The secret's description.", optional=True),
    ),
    replace=True,
)

PATH = ["store_in_secret"]


def validate(ctx: Context, block: Any) -> None:
    """The name's rules and visibility against project, inside the block."""
    if isinstance(block, dict):
        check_name(ctx, block["name"], [*PATH, "name"])
        check_visibility(ctx, block["visibility"], block["project"], PATH)


def plan(ctx: Context, block: Any, config: Any) -> None:
    """Check a name known only now; derive the visibility when the configuration leaves
    it out."""
    if not isinstance(block, dict):
        return
    check_name(ctx, block["name"], [*PATH, "name"])
    if isinstance(config, dict) and config["visibility"] is None:
        block["visibility"] = derived_visibility(block["project"])


def store(connection: Connection, type_name: str, block: State, key: str) -> Any:
    """Create the secret holding ``key`` (once per key); its metadata."""
    connection.snapshots.invalidate("secret")
    secrets = connection.client.secrets
    body = {
        "name": block["name"],
        "value": key,
        "type": "text",
        "visibility": block["visibility"],
        "project": block["project"],
        "description": block["description"],
    }
    return connection.create_once(
        f"{type_name}.store_in_secret",
        body,
        lambda idempotency_key: secrets.with_response.create(
            **body, idempotency_key=idempotency_key
        ),
        alive=lambda found: or_none(lambda: secrets.get(secret_id=found.id)) is not None,
        identify=lambda found: found.id,
    )


def refresh(
    ctx: Context,
    connection: Connection,
    key_id: str,
    current: State,
    state: State,
    successor: str | None = None,
) -> None:
    """Check the secret holding the key: a secret deleted or changed outside Terraform
    nulls ``stored_secret_version`` (the plan then replaces the key).

    A key rolled since (``successor``) into this secret changed it on purpose: the
    secret is kept, and the plan rolls again (an apply cut off after its roll gets
    that roll back).
    """
    block = current["store_in_secret"] or {}
    secret = metadata(
        connection, current["stored_secret_id"], block.get("visibility"), block.get("project")
    )
    if secret is not None:
        state["stored_secret_arn"] = secret.arn
        if secret.version == current["stored_secret_version"]:
            return
        if successor is not None and holder(connection, secret.id) == successor:
            return
    state["stored_secret_version"] = None
    what = "deleted" if secret is None else "given another value"
    ctx.warning(
        f"The secret holding API key {key_id} was {what} outside Terraform",
        "The key cannot be shown again, so the plan replaces it with a new key stored in the "
        "secret.",
        PATH,
    )


def remove(connection: Connection, secret_id: Any) -> None:
    """Delete the secret holding a key (gone already is fine)."""
    if isinstance(secret_id, str):
        connection.snapshots.invalidate("secret")
        gone_ok(lambda: connection.client.secrets.delete(secret_id=secret_id))


def holder(connection: Connection, secret_id: str) -> str | None:
    """The Key ID of the key a secret holds (read, checked with ``keys:verify``, dropped)."""
    stored = connection.client.secrets.get_value(secret_id=secret_id)
    key_id = connection.client.keys.verify(key=stored.value).key_id
    del stored
    return key_id


def adopt(connection: Connection, key_id: str, secret_id: str) -> State:
    """For an import: check that the secret holds the key; the block and its secret's version.

    The value is read and checked with ``keys:verify``, then dropped.
    """
    secret = or_none(lambda: connection.client.secrets.get(secret_id=secret_id))
    # A one-element tuple: None means the secret's value could not be read.
    held = None if secret is None else or_none(lambda: (holder(connection, secret_id),))
    if secret is None or held is None:
        raise ProviderError(
            "Cannot import the key's secret",
            f"Secret {secret_id} does not exist or is not visible to the provider's key.",
        )
    if held[0] != key_id:
        raise ProviderError(
            "The secret does not hold this key",
            f"Secret {secret_id} does not hold API key {key_id}; import the key alone, or "
            "give the id of the secret its store_in_secret block wrote.",
        )
    return {
        "store_in_secret": {
            "name": secret.name,
            "project": secret.project,
            "visibility": secret.visibility,
            "description": secret.description,
        },
        "stored_secret_id": secret.id,
        "stored_secret_arn": secret.arn,
        "stored_secret_version": secret.version,
    }
