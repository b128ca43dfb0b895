"""``/api/v1/projects``: projects and their collaborators."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response
from fastapi.responses import JSONResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from keyhouse.api.deps import (
    CurrentCaller,
    IdempotencyKey,
    PrincipalKindPath,
    PrincipalNamePath,
    ReadSessionDep,
    SessionDep,
    StateDep,
)
from keyhouse.api.docs import IDEMPOTENT
from keyhouse.api.json_body import StrictJSONRoute
from keyhouse.core.problems import problem_responses
from keyhouse.domain import audit, idempotency
from keyhouse.domain import projects as projects_domain
from keyhouse.domain.access import authorize, find_project, require_scope
from keyhouse.domain.auth import Caller
from keyhouse.domain.pagination import DEFAULT_LIMIT, paginate
from keyhouse.domain.resource_names import member_rn, project_rn
from keyhouse.iam.authorizer import bump_generation, serialize_iam_changes
from keyhouse.models import Project, ProjectMember, utcnow
from keyhouse.schemas.common import Cursor, Limit
from keyhouse.schemas.projects import (
    MemberCreate,
    MemberPublic,
    MembersPublic,
    MemberUpdate,
    ProjectCreate,
    ProjectPublic,
    ProjectsPublic,
    ProjectUpdate,
)

router = APIRouter(
    route_class=StrictJSONRoute,
    prefix="/api/v1/projects",
    tags=["projects"],
    responses=problem_responses(401, 403, 422),
)
ProjectName = Annotated[str, Path(max_length=64, description="The project's name.")]


def _project(session: Session, caller: Caller, name: str, action: str) -> Project:
    # The scope is checked before the look-up: a key without it learns nothing.
    require_scope(caller, action, project_rn(name))
    return find_project(session, name)


@router.post(
    "", status_code=201, response_model=ProjectPublic, responses=problem_responses(400, 409)
)
def create(
    body: ProjectCreate,
    caller: CurrentCaller,
    session: SessionDep,
    state: StateDep,
    idempotency_key: IdempotencyKey,
) -> JSONResponse:
    """Create a project; the caller becomes its owner."""
    authorize(session, caller, "projects:CreateProject", project_rn(body.name))

    def produce() -> idempotency.Created:
        project = projects_domain.create_project(session, caller, body, utcnow())
        bump_generation(session)  # the creator became its owner
        public = projects_domain.to_public(session, caller, project)
        return idempotency.Created(public, project_rn(project.name))

    return idempotency.run_create(
        state,
        session,
        caller,
        idempotency_key,
        "POST /api/v1/projects",
        body,
        "projects:CreateProject",
        produce,
    )


@router.get("", response_model=ProjectsPublic)
def list_(
    caller: CurrentCaller,
    session: ReadSessionDep,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> ProjectsPublic:
    """List the projects the caller collaborates on (all of them for admins)."""
    authorize(session, caller, "projects:ListProjects", "khrn:project:*")
    rows, next_cursor = paginate(
        session,
        "projects",
        projects_domain.visible_to(caller),
        [Project.name],
        limit,
        cursor,
        lambda p: (p.name,),
    )
    return ProjectsPublic(
        data=projects_domain.to_public_page(session, caller, rows), next_cursor=next_cursor
    )


@router.get("/{project}", response_model=ProjectPublic, responses=problem_responses(404))
def get(project: ProjectName, caller: CurrentCaller, session: ReadSessionDep) -> ProjectPublic:
    """One project."""
    found = _project(session, caller, project, "projects:GetProject")
    authorize(session, caller, "projects:GetProject", project_rn(project), project=found)
    return projects_domain.to_public(session, caller, found)


@router.patch(
    "/{project}",
    response_model=ProjectPublic,
    responses=problem_responses(404),
    openapi_extra=IDEMPOTENT,
)
def update(
    project: ProjectName, body: ProjectUpdate, caller: CurrentCaller, session: SessionDep
) -> ProjectPublic:
    """Change a project's description (owners and admins)."""
    found = _project(session, caller, project, "projects:UpdateProject")
    authorize(session, caller, "projects:UpdateProject", project_rn(project), project=found)
    projects_domain.update_project(found, body)
    audit.record(session, caller, "projects:UpdateProject", project_rn(project))
    session.commit()
    return projects_domain.to_public(session, caller, found)


@router.delete(
    "/{project}", status_code=204, responses=problem_responses(404, 409), openapi_extra=IDEMPOTENT
)
def delete(project: ProjectName, caller: CurrentCaller, session: SessionDep) -> Response:
    """Delete a project (owners and admins); refused while it holds secrets or keys."""
    found = _project(session, caller, project, "projects:DeleteProject")
    authorize(session, caller, "projects:DeleteProject", project_rn(project), project=found)
    projects_domain.delete_project(session, found)
    audit.record(session, caller, "projects:DeleteProject", project_rn(project))
    idempotency.forget(session, project_rn(project))
    bump_generation(session)
    session.commit()
    return Response(status_code=204)


@router.get("/{project}/members", response_model=MembersPublic, responses=problem_responses(404))
def list_members(
    project: ProjectName,
    caller: CurrentCaller,
    session: ReadSessionDep,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> MembersPublic:
    """List a project's collaborators."""
    found = _project(session, caller, project, "projects:ListMembers")
    authorize(session, caller, "projects:ListMembers", project_rn(project), project=found)
    statement = select(ProjectMember).where(ProjectMember.project_id == found.id)
    rows, next_cursor = paginate(
        session,
        "members",
        statement,
        [ProjectMember.created_at, ProjectMember.principal_id],
        limit,
        cursor,
        lambda m: (m.created_at, m.principal_id),
    )
    return MembersPublic(
        data=[projects_domain.member_to_public(m) for m in rows], next_cursor=next_cursor
    )


@router.post(
    "/{project}/members",
    status_code=201,
    response_model=MemberPublic,
    responses=problem_responses(400, 404, 409),
)
def add_member(
    project: ProjectName,
    body: MemberCreate,
    caller: CurrentCaller,
    session: SessionDep,
    state: StateDep,
    idempotency_key: IdempotencyKey,
) -> JSONResponse:
    """Add a user or role to a project (owners and admins).

    Adding someone else needs iam:PassRole on them (admins hold it): nobody is
    added to a project, or learns that a name exists, without that permission.
    """
    target = member_rn(project, body.principal_kind, body.principal_name)
    found = _project(session, caller, project, "projects:AddMember")
    authorize(session, caller, "projects:AddMember", target, project=found)

    def produce() -> idempotency.Created:
        member = projects_domain.add_member(session, caller, found, body, utcnow())
        bump_generation(session)
        return idempotency.Created(projects_domain.member_to_public(member), target)

    return idempotency.run_create(
        state,
        session,
        caller,
        idempotency_key,
        f"POST /api/v1/projects/{project}/members",
        body,
        "projects:AddMember",
        produce,
    )


@router.patch(
    "/{project}/members/{principal_kind}/{principal_name}",
    response_model=MemberPublic,
    responses=problem_responses(404, 409),
    openapi_extra=IDEMPOTENT,
)
def update_member(
    project: ProjectName,
    principal_kind: PrincipalKindPath,
    principal_name: PrincipalNamePath,
    body: MemberUpdate,
    caller: CurrentCaller,
    session: SessionDep,
) -> MemberPublic:
    """Change a member's project role (owners and admins)."""
    target = member_rn(project, principal_kind, principal_name)
    found = _project(session, caller, project, "projects:UpdateMember")
    authorize(session, caller, "projects:UpdateMember", target, project=found)
    serialize_iam_changes(session)  # "a project keeps an owner" counts owners
    member = projects_domain.find_member(session, found, principal_kind, principal_name)
    projects_domain.keep_an_owner(session, found, member, body.role)
    member.role = body.role
    audit.record(session, caller, "projects:UpdateMember", target)
    bump_generation(session)
    session.commit()
    return projects_domain.member_to_public(member)


@router.delete(
    "/{project}/members/{principal_kind}/{principal_name}",
    status_code=204,
    responses=problem_responses(404, 409),
    openapi_extra=IDEMPOTENT,
)
def remove_member(
    project: ProjectName,
    principal_kind: PrincipalKindPath,
    principal_name: PrincipalNamePath,
    caller: CurrentCaller,
    session: SessionDep,
) -> Response:
    """Remove a member (owners and admins; anyone may leave a project themselves)."""
    target = member_rn(project, principal_kind, principal_name)
    found = _project(session, caller, project, "projects:RemoveMember")
    # Owners remove anyone; anyone may leave (SelfService allows removing oneself).
    authorize(session, caller, "projects:RemoveMember", target, project=found)
    serialize_iam_changes(session)  # "a project keeps an owner" counts owners
    member = projects_domain.find_member(session, found, principal_kind, principal_name)
    projects_domain.keep_an_owner(session, found, member, None)
    session.delete(member)
    audit.record(session, caller, "projects:RemoveMember", target)
    idempotency.forget(session, target)
    bump_generation(session)
    session.commit()
    return Response(status_code=204)
