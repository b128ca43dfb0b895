"""``data.keyhouse_scopes``: the service's scope catalog."""

from __future__ import annotations

from keyhouse_provider.base import KeyhouseDataSource
from keyhouse_provider.framework.base import Context
from keyhouse_provider.framework.schema import Attr, Schema
from keyhouse_provider.framework.state import State
from keyhouse_provider.framework.types import BOOL, STRING, ListOf, ObjectOf


class Scopes(KeyhouseDataSource):
    """``data.keyhouse_scopes``."""

    name = "scopes"

    schema = Schema(
        description=(
            "The scope catalog: the built-in scopes and those an admin added for downstream "
            "services. API keys may only hold these."
        ),
        attributes=(
            Attr("id", STRING, "Always `scopes`.", computed=True),
            Attr("names", ListOf(STRING), "Every scope's name, sorted.", computed=True),
            Attr(
                "scopes",
                ListOf(ObjectOf({"name": STRING, "description": STRING, "builtin": BOOL})),
                "Every scope, sorted by name: `name`, `description`, and `builtin` (false for "
                "scopes an admin added).",
                computed=True,
            ),
        ),
    )

    def read(self, ctx: Context, config: State) -> State:
        """``GET /scopes``, every page."""
        catalog = sorted(self.connection.client.scopes.iter(limit=200), key=lambda s: s.name)
        return {
            "id": "scopes",
            "names": [scope.name for scope in catalog],
            "scopes": [
                {"name": s.name, "description": s.description, "builtin": s.builtin}
                for s in catalog
            ],
        }
