"""``keyhouse_user``: a person who holds API keys, owns private secrets and joins projects."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from keyhouse_provider.base import KeyhouseResource
from keyhouse_provider.framework.base import Context, PlanContext
from keyhouse_provider.framework.schema import Attr, Schema
from keyhouse_provider.framework.state import State
from keyhouse_provider.framework.types import BOOL, STRING
from keyhouse_provider.resources._common import arn, created_at, gone_ok, or_none, timestamp

if TYPE_CHECKING:
    from keyhouse_client import models


class User(KeyhouseResource):
    """``keyhouse_user``."""

    name = "user"

    schema = Schema(
        description=(
            "A Keyhouse user: a person who can hold API keys, own private secrets and "
            "collaborate on projects. Managing users needs an admin's key with the `iam` scope."
        ),
        attributes=(
            Attr(
                "id",
                STRING,
                "The user's name: the service addresses users by name. Also the import ID.",
                computed=True,
                stable=True,
            ),
            Attr(
                "name",
                STRING,
                "The user's name: letters, digits, `.`, `_` and `-`, at most 64 characters. "
                "Changing it creates a new user.",
                required=True,
                replace=True,
            ),
            Attr("email", STRING, "The user's email address.", optional=True),
            Attr(
                "is_admin",
                BOOL,
                "Whether the user is an admin. Default `false`. The service keeps at least one "
                "admin.",
                optional=True,
                computed=True,
                default=False,
            ),
            Attr(
                "user_id",
                STRING,
                "The service's internal id of the user.",
                computed=True,
                stable=True,
            ),
            arn("user"),
            created_at("user"),
        ),
    )

    def plan(self, ctx: PlanContext, prior: State | None, planned: State, config: State) -> None:
        """Keep the stored spelling of an email address the service normalised."""
        if prior is not None and _same_email(config["email"], prior["email"]):
            planned["email"] = prior["email"]

    def create(self, ctx: Context, planned: State) -> State:
        """``POST /users``, once per resource instance."""
        users = self.connection.client.users
        body = {"name": planned["name"], "email": planned["email"], "is_admin": planned["is_admin"]}
        user = self.connection.create_once(
            self.type_name(),
            body,
            lambda key: users.with_response.create(**body, idempotency_key=key),
            alive=lambda found: or_none(lambda: users.get(user=found.name)) is not None,
            identify=lambda found: found.id,
        )
        return _state(user, planned)

    def read(self, ctx: Context, current: State) -> State | None:
        """``GET /users/{name}``; gone when 404."""
        user = or_none(lambda: self.connection.client.users.get(user=current["id"]))
        return None if user is None else _state(user, current)

    def update(self, ctx: Context, prior: State, planned: State) -> State:
        """``PATCH /users/{name}`` with the changed fields."""
        changes: dict[str, Any] = {
            field: planned[field]
            for field in ("email", "is_admin")
            if prior[field] != planned[field]
        }
        user = self.connection.client.users.update(user=prior["id"], **changes)
        return _state(user, planned)

    def delete(self, ctx: Context, prior: State) -> None:
        """``DELETE /users/{name}``: the user's keys and private secrets go too."""
        gone_ok(lambda: self.connection.client.users.delete(user=prior["id"]))

    def import_state(self, ctx: Context, import_id: str) -> State | None:
        """Import by the user's name."""
        return {"id": import_id}


def _same_email(written: Any, stored: Any) -> bool:
    # The service normalises addresses (the domain in lower case): the same address.
    if not isinstance(written, str) or not isinstance(stored, str):
        return False
    local, _, domain = written.rpartition("@")
    stored_local, _, stored_domain = stored.rpartition("@")
    return local == stored_local and domain.lower() == stored_domain.lower()


def _state(user: models.UserPublic, previous: State) -> State:
    email = previous.get("email") if _same_email(previous.get("email"), user.email) else user.email
    return {
        "arn": user.arn,
        "id": user.name,
        "name": user.name,
        "email": email,
        "is_admin": user.is_admin,
        "user_id": user.id,
        "created_at": timestamp(user.created_at),
    }
