"""Projects and their collaborators."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from keyhouse.core.problems import Conflict, Forbidden, MissingReference, NotFound
from keyhouse.domain.access import decide, project_role
from keyhouse.domain.auth import Caller
from keyhouse.domain.principals import find_principal
from keyhouse.domain.resource_names import principal_rn, project_rn
from keyhouse.models import ApiKey, Project, ProjectMember, Secret
from keyhouse.schemas.projects import MemberCreate, MemberPublic, ProjectCreate, ProjectPublic


def to_public(session: Session, caller: Caller, project: Project) -> ProjectPublic:
    """A project, with the caller's role in it."""
    return _public(project, project_role(session, caller, project.id))


def to_public_page(
    session: Session, caller: Caller, projects: Sequence[Project]
) -> list[ProjectPublic]:
    """Projects with the caller's role in each: one query for the page, not one per project."""
    mine = select(ProjectMember.project_id, ProjectMember.role).where(
        ProjectMember.principal_id == caller.principal_id,
        ProjectMember.project_id.in_([p.id for p in projects]),
    )
    roles = {project_id: role for project_id, role in session.execute(mine)}
    return [_public(p, roles.get(p.id)) for p in projects]


def _public(project: Project, role: str | None) -> ProjectPublic:
    return ProjectPublic(
        arn=project_rn(project.name),
        id=project.id,
        name=project.name,
        description=project.description,
        created_at=project.created_at,
        my_role=role,
    )


def member_to_public(member: ProjectMember) -> MemberPublic:
    """A membership."""
    return MemberPublic(
        project=member.project.name,
        principal_kind=member.principal.kind,
        principal_name=member.principal.name,
        role=member.role,
        created_at=member.created_at,
    )


def visible_to(caller: Caller) -> Select[Project]:
    """Projects the caller collaborates on (every project for admins)."""
    statement = select(Project)
    if caller.project_id is not None:
        statement = statement.where(Project.id == caller.project_id)
    if caller.is_admin:
        return statement
    return statement.where(
        Project.id.in_(
            select(ProjectMember.project_id).where(
                ProjectMember.principal_id == caller.principal_id
            )
        )
    )


def create_project(session: Session, caller: Caller, body: ProjectCreate, now: datetime) -> Project:
    """Create a project with the caller as its owner."""
    if session.scalar(select(Project.id).where(Project.name == body.name)):
        raise Conflict(f"a project named '{body.name}' already exists")
    project = Project(name=body.name, description=body.description, created_at=now)
    session.add(project)
    session.flush()
    session.add(
        ProjectMember(
            project_id=project.id, principal_id=caller.principal_id, role="owner", created_at=now
        )
    )
    session.flush()
    return project


def delete_project(session: Session, project: Project) -> None:
    """Delete a project; refused while secrets or API keys still belong to it."""
    secrets = session.scalar(
        select(func.count()).select_from(Secret).where(Secret.project_id == project.id)
    )
    keys = session.scalar(
        select(func.count()).select_from(ApiKey).where(ApiKey.project_id == project.id)
    )
    if secrets or keys:
        raise Conflict(
            f"project '{project.name}' still holds {secrets} secret(s) and {keys} API key(s) "
            "restricted to it; delete them first"
        )
    session.delete(project)


def find_member(session: Session, project: Project, kind: str, name: str) -> ProjectMember:
    """A project's member, or 404."""
    principal = find_principal(session, kind, name)
    member = session.get(ProjectMember, (project.id, principal.id))
    if member is None:
        raise NotFound(f"{kind} '{name}' is not a member of project '{project.name}'")
    return member


def require_consent(session: Session, caller: Caller, kind: str, name: str) -> None:
    """Adding a principal to a project needs permission over it: ``iam:PassRole`` on its khrn.

    Admins hold it (AdminAccess); anyone else needs a policy granting it on that
    user or role. Anyone may add themselves. The refusal reads the same whether
    or not the principal exists, and it is checked before any look-up.
    """
    if kind == caller.principal_kind and name == caller.principal_name:
        return
    target = principal_rn(kind, name)
    if not decide(session, caller, "iam:PassRole", target).allowed:
        raise Forbidden(
            f"adding {kind} '{name}' to a project needs iam:PassRole on {target}, which "
            f"{caller.principal_ref} does not hold: ask an admin to add it, or to grant it",
            audit=("projects:AddMember", target),
        )


def add_member(
    session: Session, caller: Caller, project: Project, body: MemberCreate, now: datetime
) -> ProjectMember:
    """Add a user or role to a project, with the consent rule of ``require_consent``."""
    require_consent(session, caller, body.principal_kind, body.principal_name)
    try:
        principal = find_principal(session, body.principal_kind, body.principal_name)
    except NotFound as exc:
        raise MissingReference("/body/principal_name", exc.detail) from None
    if session.get(ProjectMember, (project.id, principal.id)) is not None:
        raise Conflict(
            f"{principal.kind} '{principal.name}' is already a member of project '{project.name}'"
        )
    member = ProjectMember(
        project_id=project.id, principal_id=principal.id, role=body.role, created_at=now
    )
    session.add(member)
    session.flush()
    session.refresh(member)
    return member


def keep_an_owner(
    session: Session, project: Project, member: ProjectMember, new_role: str | None
) -> None:
    """Refuse to demote or remove the project's last owner."""
    if member.role != "owner" or new_role == "owner":
        return
    owners = session.scalar(
        select(func.count())
        .select_from(ProjectMember)
        .where(ProjectMember.project_id == project.id, ProjectMember.role == "owner")
    )
    if (owners or 0) <= 1:
        raise Conflict(f"project '{project.name}' must keep at least one owner")
