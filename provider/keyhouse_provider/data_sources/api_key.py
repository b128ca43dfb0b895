"""``data.keyhouse_api_key``: an API key's metadata (never the key itself)."""

from __future__ import annotations

from keyhouse_provider.base import KeyhouseDataSource
from keyhouse_provider.framework.base import Context
from keyhouse_provider.framework.schema import Attr, Schema
from keyhouse_provider.framework.state import State
from keyhouse_provider.framework.types import STRING, SetOf
from keyhouse_provider.resources._common import timestamp


class ApiKeyData(KeyhouseDataSource):
    """``data.keyhouse_api_key``."""

    name = "api_key"

    schema = Schema(
        description=(
            "Reads an API key's metadata by its Key ID: owner, scopes, status and times. The "
            "key itself is never readable (the service shows it once, at creation)."
        ),
        attributes=(
            Attr("id", STRING, "The Key ID.", required=True),
            Attr("arn", STRING, "The key's Keyhouse Resource Name.", computed=True),
            Attr("name", STRING, "The key's name.", computed=True),
            Attr("prefix", STRING, "The key's first characters.", computed=True),
            Attr("owner_user", STRING, "The owning user, when a user owns it.", computed=True),
            Attr("owner_role", STRING, "The owning role, when a role owns it.", computed=True),
            Attr("project", STRING, "The project the key is restricted to, if any.", computed=True),
            Attr("scopes", SetOf(STRING), "The key's scopes.", computed=True),
            Attr(
                "status",
                STRING,
                "`active`, `rolled` (replaced by a roll, working until `expires_at`), `revoked` "
                "or `expired`.",
                computed=True,
            ),
            Attr(
                "replaced_by",
                STRING,
                "For a rolled key: the Key ID of the key that replaced it; else null.",
                computed=True,
            ),
            Attr("created_at", STRING, "When it was created (RFC 3339, UTC).", computed=True),
            Attr("expires_at", STRING, "When it expires (RFC 3339, UTC).", computed=True),
            Attr(
                "last_used_at",
                STRING,
                "When it was last used (recorded at most once a minute), if ever.",
                computed=True,
            ),
            Attr("revoked_at", STRING, "When it was revoked, if it was.", computed=True),
        ),
    )

    def read(self, ctx: Context, config: State) -> State:
        """``GET /api-keys/{id}``."""
        found = self.connection.client.api_keys.get(key_id=config["id"])
        return {
            "id": found.id,
            "arn": found.arn,
            "name": found.name,
            "prefix": found.prefix,
            "owner_user": found.owner.name if found.owner.kind == "user" else None,
            "owner_role": found.owner.name if found.owner.kind == "role" else None,
            "project": found.project,
            "scopes": list(found.scopes),
            "status": found.status,
            "created_at": timestamp(found.created_at),
            "expires_at": timestamp(found.expires_at),
            "last_used_at": timestamp(found.last_used_at),
            "revoked_at": timestamp(found.revoked_at),
            "replaced_by": found.replaced_by,
        }
