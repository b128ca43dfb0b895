"""``keyhouse_role``: a machine identity, such as a compute cluster's, that holds API keys."""

from __future__ import annotations

from typing import TYPE_CHECKING

from keyhouse_provider.base import KeyhouseResource
from keyhouse_provider.framework.base import Context
from keyhouse_provider.framework.schema import Attr, Schema
from keyhouse_provider.framework.state import State
from keyhouse_provider.framework.types import STRING
from keyhouse_provider.resources._common import arn, created_at, gone_ok, or_none, timestamp

if TYPE_CHECKING:
    from keyhouse_client import models


class Role(KeyhouseResource):
    """``keyhouse_role``."""

    name = "role"

    schema = Schema(
        description=(
            "A Keyhouse role: a machine identity (a compute cluster, a CI system) that can own "
            "API keys and private secrets and collaborate on projects. Managing roles needs an "
            "admin's key with the `iam` scope."
        ),
        attributes=(
            Attr(
                "id",
                STRING,
                "The role's name: the service addresses roles by name. Also the import ID.",
                computed=True,
                stable=True,
            ),
            Attr(
                "name",
                STRING,
                "The role's name: letters, digits, `.`, `_` and `-`, at most 64 characters. "
                "Changing it creates a new role.",
                required=True,
                replace=True,
            ),
            Attr(
                "description",
                STRING,
                "What the role is for (at most 500 characters).",
                optional=True,
            ),
            Attr(
                "role_id",
                STRING,
                "The service's internal id of the role.",
                computed=True,
                stable=True,
            ),
            arn("role"),
            created_at("role"),
        ),
    )

    def create(self, ctx: Context, planned: State) -> State:
        """``POST /roles``, once per resource instance."""
        roles = self.connection.client.roles
        body = {"name": planned["name"], "description": planned["description"]}
        role = self.connection.create_once(
            self.type_name(),
            body,
            lambda key: roles.with_response.create(**body, idempotency_key=key),
            alive=lambda found: or_none(lambda: roles.get(role=found.name)) is not None,
            identify=lambda found: found.id,
        )
        return _state(role)

    def read(self, ctx: Context, current: State) -> State | None:
        """``GET /roles/{name}``; gone when 404."""
        role = or_none(lambda: self.connection.client.roles.get(role=current["id"]))
        return None if role is None else _state(role)

    def update(self, ctx: Context, prior: State, planned: State) -> State:
        """``PATCH /roles/{name}``: the description."""
        role = self.connection.client.roles.update(
            role=prior["id"], description=planned["description"]
        )
        return _state(role)

    def delete(self, ctx: Context, prior: State) -> None:
        """``DELETE /roles/{name}``: the role's keys and private secrets go too."""
        gone_ok(lambda: self.connection.client.roles.delete(role=prior["id"]))

    def import_state(self, ctx: Context, import_id: str) -> State | None:
        """Import by the role's name."""
        return {"id": import_id}


def _state(role: models.RolePublic) -> State:
    return {
        "arn": role.arn,
        "id": role.name,
        "name": role.name,
        "description": role.description,
        "role_id": role.id,
        "created_at": timestamp(role.created_at),
    }
