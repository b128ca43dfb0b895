"""``keyhouse_project``: a project whose members share secrets and restricted keys."""

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


class Project(KeyhouseResource):
    """``keyhouse_project``."""

    name = "project"

    schema = Schema(
        description=(
            "A Keyhouse project. Its members (see `keyhouse_project_member`) read the secrets "
            "shared with it; API keys can be restricted to it. The provider's principal "
            "becomes the project's first owner. The service refuses to delete a project that "
            "still holds secrets or keys."
        ),
        attributes=(
            Attr(
                "id",
                STRING,
                "The project's name: the service addresses projects by name. Also the import ID.",
                computed=True,
                stable=True,
            ),
            Attr(
                "name",
                STRING,
                "The project's name: letters, digits, `.`, `_` and `-`, at most 64 characters. "
                "Changing it creates a new project.",
                required=True,
                replace=True,
            ),
            Attr(
                "description",
                STRING,
                "What the project is for (at most 500 characters).",
                optional=True,
            ),
            Attr(
                "project_id",
                STRING,
                "The service's internal id of the project.",
                computed=True,
                stable=True,
            ),
            arn("project"),
            created_at("project"),
        ),
    )

    def create(self, ctx: Context, planned: State) -> State:
        """``POST /projects``, once per resource instance."""
        projects = self.connection.client.projects
        body = {"name": planned["name"], "description": planned["description"]}
        project = self.connection.create_once(
            self.type_name(),
            body,
            lambda key: projects.with_response.create(**body, idempotency_key=key),
            alive=lambda found: or_none(lambda: projects.get(project=found.name)) is not None,
            identify=lambda found: found.id,
        )
        return _state(project)

    def read(self, ctx: Context, current: State) -> State | None:
        """``GET /projects/{name}``; gone when 404."""
        project = or_none(lambda: self.connection.client.projects.get(project=current["id"]))
        return None if project is None else _state(project)

    def update(self, ctx: Context, prior: State, planned: State) -> State:
        """``PATCH /projects/{name}``: the description."""
        project = self.connection.client.projects.update(
            project=prior["id"], description=planned["description"]
        )
        return _state(project)

    def delete(self, ctx: Context, prior: State) -> None:
        """``DELETE /projects/{name}``."""
        gone_ok(lambda: self.connection.client.projects.delete(project=prior["id"]))

    def import_state(self, ctx: Context, import_id: str) -> State | None:
        """Import by the project's name."""
        return {"id": import_id}


def _state(project: models.ProjectPublic) -> State:
    return {
        "arn": project.arn,
        "id": project.name,
        "name": project.name,
        "description": project.description,
        "project_id": project.id,
        "created_at": timestamp(project.created_at),
    }
