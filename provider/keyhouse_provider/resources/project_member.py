"""``keyhouse_project_member``: a user or a role collaborating on a project, with a role."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from keyhouse_provider.base import KeyhouseResource
from keyhouse_provider.framework.base import Context
from keyhouse_provider.framework.schema import Attr, Schema
from keyhouse_provider.framework.state import State
from keyhouse_provider.framework.tfcompat import Unknown
from keyhouse_provider.framework.types import STRING
from keyhouse_provider.resources._common import (
    bad_import_id,
    created_at,
    gone_ok,
    or_none,
    timestamp,
)

if TYPE_CHECKING:
    from keyhouse_client import models

ROLES = ("owner", "member", "viewer")


class ProjectMember(KeyhouseResource):
    """``keyhouse_project_member``."""

    name = "project_member"

    schema = Schema(
        description=(
            "A collaborator of a Keyhouse project: a user or a role, with the project role "
            "`owner`, `member` or `viewer`. Only project owners and admins manage members. A "
            "membership removed outside Terraform is planned anew; a role changed outside "
            "Terraform is set back in place."
        ),
        attributes=(
            Attr(
                "id",
                STRING,
                "`<project>/user/<name>` or `<project>/role/<name>`. Also the import ID.",
                computed=True,
                stable=True,
            ),
            Attr(
                "project",
                STRING,
                "The project's name. Changing it creates a new membership.",
                required=True,
                replace=True,
            ),
            Attr(
                "user",
                STRING,
                "The user to add (exactly one of `user` and `machine_role`). Changing it creates "
                "a new membership.",
                optional=True,
                replace=True,
            ),
            Attr(
                "machine_role",
                STRING,
                "The role (`keyhouse_role`, a machine identity) to add, instead of a user. "
                "Named so because `role` is the project role. Changing it creates a new "
                "membership.",
                optional=True,
                replace=True,
            ),
            Attr(
                "role",
                STRING,
                "The project role: `owner`, `member` (default) or `viewer`. Changes in place.",
                optional=True,
                computed=True,
                default="member",
            ),
            created_at("membership"),
        ),
    )

    body_paths = {"principal_name": ["user"]}

    def validate(self, ctx: Context, config: State) -> None:
        """Exactly one principal; a known project role."""
        user, machine_role = config["user"], config["machine_role"]
        if user is None and machine_role is None:
            ctx.error("No member", "Set user or machine_role.", ["user"])
        elif user is not None and machine_role is not None:
            ctx.error("Two members", "Set user or machine_role, not both.", ["machine_role"])
        if config["role"] not in (None, Unknown, *ROLES):
            ctx.error("Invalid role", 'role must be "owner", "member" or "viewer".', ["role"])

    def create(self, ctx: Context, planned: State) -> State:
        """``POST /projects/{project}/members``, once per resource instance."""
        self.connection.snapshots.invalidate("member")
        projects = self.connection.client.projects
        kind, principal = _principal(planned)
        body = {
            "project": planned["project"],
            "principal_kind": kind,
            "principal_name": principal,
            "role": planned["role"],
        }
        member = self.connection.create_once(
            self.type_name(),
            body,
            lambda key: projects.with_response.add_member(**body, idempotency_key=key),
            alive=lambda found: self._find(found.project, kind, principal) is not None,
            identify=lambda found: f"{found.created_at.isoformat()}",
        )
        return _state(member)

    def read(self, ctx: Context, current: State) -> State | None:
        """The membership among the project's members; gone when it (or the project) is."""
        kind, principal = _principal(current)
        project = current["project"]
        # No call reads one membership: a refresh of many lists the project once.
        member = self.connection.snapshots.read(
            "member",
            project,
            f"{kind}/{principal}",
            one=lambda: self._find(project, kind, principal),
            every=lambda: self._members(project),
            key_of=lambda found: f"{found.principal_kind}/{found.principal_name}",
        )
        return None if member is None else _state(member)

    def update(self, ctx: Context, prior: State, planned: State) -> State:
        """``PATCH /projects/{project}/members/{kind}/{name}``: the project role."""
        self.connection.snapshots.invalidate("member")
        kind, principal = _principal(prior)
        member = self.connection.client.projects.update_member(
            project=prior["project"],
            principal_kind=kind,
            principal_name=principal,
            role=planned["role"],
        )
        return _state(member)

    def delete(self, ctx: Context, prior: State) -> None:
        """``DELETE /projects/{project}/members/{kind}/{name}``."""
        self.connection.snapshots.invalidate("member")
        kind, principal = _principal(prior)
        gone_ok(
            lambda: self.connection.client.projects.remove_member(
                project=prior["project"], principal_kind=kind, principal_name=principal
            )
        )

    def import_state(self, ctx: Context, import_id: str) -> State | None:
        """Import by ``<project>/user/<name>`` or ``<project>/role/<name>``."""
        project, kind, principal = [*import_id.split("/"), "", "", ""][:3]
        if (
            import_id.count("/") != 2
            or kind not in ("user", "role")
            or not project
            or not principal
        ):
            raise bad_import_id(
                self.type_name(), import_id, "<project>/user/<name> or <project>/role/<name>"
            )
        return {
            "id": import_id,
            "project": project,
            "user": principal if kind == "user" else None,
            "machine_role": principal if kind == "role" else None,
        }

    def _members(self, project: str) -> list[models.MemberPublic]:
        projects = self.connection.client.projects
        return or_none(lambda: list(projects.iter_members(project=project, limit=200))) or []

    def _find(self, project: str, kind: str, principal: str) -> models.MemberPublic | None:
        for member in self._members(project):
            if member.principal_kind == kind and member.principal_name == principal:
                return member
        return None


def _principal(state: State) -> tuple[Literal["user", "role"], Any]:
    if state["user"] is not None:
        return "user", state["user"]
    return "role", state["machine_role"]


def _state(member: models.MemberPublic) -> State:
    kind = member.principal_kind
    return {
        "id": f"{member.project}/{kind}/{member.principal_name}",
        "project": member.project,
        "user": member.principal_name if kind == "user" else None,
        "machine_role": member.principal_name if kind == "role" else None,
        "role": member.role,
        "created_at": timestamp(member.created_at),
    }
