"""``data.keyhouse_caller_identity``: who the provider's API key belongs to."""

from __future__ import annotations

from keyhouse_provider.base import KeyhouseDataSource
from keyhouse_provider.framework.base import Context
from keyhouse_provider.framework.schema import Attr, Schema
from keyhouse_provider.framework.state import State
from keyhouse_provider.framework.types import BOOL, STRING, SetOf
from keyhouse_provider.resources._common import timestamp


class CallerIdentity(KeyhouseDataSource):
    """``data.keyhouse_caller_identity``."""

    name = "caller_identity"

    schema = Schema(
        description=(
            "The principal and key the provider acts as (`GET /whoami`, the service's \"test "
            'this key" call).'
        ),
        attributes=(
            Attr("id", STRING, "`user/<name>` or `role/<name>`.", computed=True),
            Attr("principal_kind", STRING, "`user` or `role`.", computed=True),
            Attr("principal_name", STRING, "The user's or role's name.", computed=True),
            Attr("is_admin", BOOL, "Whether the principal is an admin.", computed=True),
            Attr("key_id", STRING, "The Key ID of the provider's key.", computed=True),
            Attr("key_name", STRING, "The name of the provider's key.", computed=True),
            Attr(
                "key_prefix", STRING, "The first characters of the provider's key.", computed=True
            ),
            Attr("scopes", SetOf(STRING), "The scopes of the provider's key.", computed=True),
            Attr("project", STRING, "The project the key is restricted to, if any.", computed=True),
            Attr(
                "expires_at",
                STRING,
                "When the provider's key expires (RFC 3339, UTC).",
                computed=True,
            ),
        ),
    )

    def read(self, ctx: Context, config: State) -> State:
        """The ``whoami`` the provider made when it was configured."""
        me = self.connection.identity()
        return {
            "id": f"{me.principal.kind}/{me.principal.name}",
            "principal_kind": me.principal.kind,
            "principal_name": me.principal.name,
            "is_admin": me.is_admin,
            "key_id": me.key.id,
            "key_name": me.key.name,
            "key_prefix": me.key.prefix,
            "scopes": list(me.key.scopes),
            "project": me.key.project,
            "expires_at": timestamp(me.key.expires_at),
        }
