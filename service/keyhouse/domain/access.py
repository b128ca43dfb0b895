"""Who may do what: scopes on the calling key, admin rights, project roles."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from keyhouse.core.problems import Forbidden, NotFound
from keyhouse.domain.auth import Caller
from keyhouse.domain.catalog import ACTION_SCOPES, ADMIN_ONLY_SCOPES
from keyhouse.models import Project, ProjectMember

PROJECT_ROLE_RANK = {"viewer": 1, "member": 2, "owner": 3}


def require_action(caller: Caller, action: str, target: str | None = None) -> None:
    """Refuse unless the calling key has the action's scope (and, for admin scopes, an admin)."""
    scope = ACTION_SCOPES[action]
    if scope not in caller.scopes:
        raise Forbidden(
            f"this API key lacks the scope '{scope}', which {action} requires",
            scope=scope,
            audit=(action, target),
        )
    if scope in ADMIN_ONLY_SCOPES and not caller.is_admin:
        raise Forbidden(
            f"{action} is reserved to admins; {caller.principal_ref} is not an admin",
            audit=(action, target),
        )


def find_project(session: Session, name: str) -> Project:
    """The project called ``name``, or 404."""
    project = session.scalar(select(Project).where(Project.name == name))
    if project is None:
        raise NotFound(f"project '{name}' does not exist")
    return project


def project_role(session: Session, caller: Caller, project_id: str) -> str | None:
    """The caller's role in a project, or None when it is not a collaborator."""
    return session.scalar(
        select(ProjectMember.role).where(
            ProjectMember.project_id == project_id,
            ProjectMember.principal_id == caller.principal_id,
        )
    )


def require_project_role(
    session: Session, caller: Caller, project: Project, minimum: str, action: str
) -> None:
    """Refuse unless the caller may act on ``project`` with at least role ``minimum``.

    Admins may act on every project. A key restricted to one project cannot act
    on another, whatever its owner could do.
    """
    target = f"project/{project.name}"
    if caller.project_id is not None and caller.project_id != project.id:
        raise Forbidden(
            f"this API key is restricted to project '{caller.project_name}' "
            f"and cannot act on project '{project.name}'",
            project=project.name,
            audit=(action, target),
        )
    if caller.is_admin:
        return
    role = project_role(session, caller, project.id)
    if role is None:
        raise Forbidden(
            f"{caller.principal_ref} is not a collaborator of project '{project.name}'",
            project=project.name,
            audit=(action, target),
        )
    if PROJECT_ROLE_RANK[role] < PROJECT_ROLE_RANK[minimum]:
        raise Forbidden(
            f"{caller.principal_ref} is a {role} of project '{project.name}'; "
            f"{action} needs the {minimum} role or higher",
            project=project.name,
            audit=(action, target),
        )
