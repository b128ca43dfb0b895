"""The one authorization function every route calls, and what it says when it refuses.

``authorize`` checks, in order: the calling key's scopes cover the action; a
key restricted to a project stays in that project (and does nothing that is in
no project: users, roles, policies, settings, the catalog, the audit log, new
projects); then the policies decide
(an explicit Deny wins, otherwise any Allow grants, otherwise deny). Admin
rights and project roles are managed policies (see ``iam.managed``), not
special cases here.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from keyhouse.core.problems import Forbidden, NotFound
from keyhouse.domain.auth import Caller
from keyhouse.domain.catalog import (
    ACTION_SCOPES,
    ADMIN_ONLY_SCOPES,
    OUTSIDE_ANY_PROJECT,
    scope_covers,
)
from keyhouse.iam.authorizer import SESSION_AUTHORIZER, Authorizer, PrincipalPolicies
from keyhouse.iam.engine import CompiledPolicies, Decision
from keyhouse.iam.managed import ROLE_POLICY, instance
from keyhouse.models import Project, ProjectMember, utcnow

PROJECT_ROLE_RANK = {"viewer": 1, "member": 2, "owner": 3}


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


def require_scope(caller: Caller, action: str, target: str | None = None) -> None:
    """Refuse unless the calling key holds the scope ``action`` needs (on ``target``).

    With ``target`` None the resource is not known yet, and any resource the
    key's scopes could cover will do; call again once it is known.
    """
    scope = ACTION_SCOPES[action]
    if not scope_covers(caller.scopes, action, target):
        raise Forbidden(
            f"this API key lacks the scope '{scope}', which {action} requires",
            scope=scope,
            audit=(action, target),
        )


def require_unrestricted_key(caller: Caller, action: str, target: str | None) -> None:
    """A key restricted to a project cannot act outside any project (users, settings...)."""
    if caller.project_id is not None and action in OUTSIDE_ANY_PROJECT:
        raise Forbidden(
            f"this API key is restricted to project '{caller.project_name}'; "
            f"{action} acts outside any project and is out of its reach",
            project=caller.project_name,
            audit=(action, target),
        )


def require_project_key(caller: Caller, project: Project, action: str, target: str) -> None:
    """A key restricted to one project cannot act on another, whatever its owner could do."""
    if caller.project_id is not None and caller.project_id != project.id:
        raise Forbidden(
            f"this API key is restricted to project '{caller.project_name}' "
            f"and cannot act on project '{project.name}'",
            project=project.name,
            audit=(action, target),
        )


# The condition keys a request fills, other than the time, in fingerprint order.
_REQUEST_KEYS = (
    "keyhouse:SourceIp",
    "keyhouse:PrincipalName",
    "keyhouse:PrincipalType",
    "keyhouse:KeyId",
    "keyhouse:KeyScopes",
    "keyhouse:Project",
)


def request_fingerprint(caller: Caller, project: Project | None) -> tuple[Any, ...]:
    """The request's condition values other than the time, in ``_REQUEST_KEYS`` order.

    Hashable: cached decisions are keyed by it.
    """
    return (
        caller.source_ip,
        caller.principal_name,
        caller.principal_kind,
        caller.key_id,
        caller.scopes,
        project.name if project is not None else caller.project_name,
    )


def request_context(fingerprint: tuple[Any, ...]) -> dict[str, Any]:
    """The condition keys of a request: its fingerprint's values, and the time."""
    context = dict(zip(_REQUEST_KEYS, fingerprint, strict=True))
    context["keyhouse:CurrentTime"] = utcnow().isoformat()
    return context


def _authorizer(session: Session) -> Authorizer:
    authorizer = session.info.get(SESSION_AUTHORIZER)
    if not isinstance(authorizer, Authorizer):
        raise RuntimeError("this session was not opened by the service's session dependency")
    return authorizer


def decide(
    session: Session, caller: Caller, action: str, resource: str, project: Project | None = None
) -> Decision:
    """The policies' decision alone (no scope or key restriction check)."""
    fingerprint = request_fingerprint(caller, project)
    # The context dict is only built when the decision is not already cached.
    return _authorizer(session).decide(
        session, caller, action, resource, fingerprint, lambda: request_context(fingerprint)
    )


def held_policies(session: Session, caller: Caller) -> PrincipalPolicies:
    """What the caller holds (its memberships, for the words of a refusal)."""
    return _authorizer(session).policies(session, caller)


def authorize(
    session: Session,
    caller: Caller,
    action: str,
    resource: str,
    *,
    project: Project | None = None,
) -> None:
    """Allow ``action`` on ``resource`` or raise a 403 that says why.

    ``project`` is the project the resource belongs to, if any: keys restricted
    to another project are refused, and refusals name the project.
    """
    require_scope(caller, action, resource)
    require_unrestricted_key(caller, action, resource)
    if project is not None:
        require_project_key(caller, project, action, resource)
    decision = decide(session, caller, action, resource, project)
    if not decision.allowed:
        raise refusal(caller, action, resource, project, decision, held_policies(session, caller))


def refusal(
    caller: Caller,
    action: str,
    resource: str,
    project: Project | None,
    decision: Decision,
    held: PrincipalPolicies,
) -> Forbidden:
    """The 403 for a refused decision, in the words users know."""
    extra: dict[str, Any] = {"project": project.name} if project is not None else {}
    audit = (action, resource)
    if decision.outcome == "explicit_deny":
        first = decision.statements[0]
        statement = f"statement '{first.sid}'" if first.sid else f"statement {first.index}"
        return Forbidden(
            f"{action} on {resource} is denied by policy '{first.policy}' ({statement})",
            audit=audit,
            **extra,
        )
    if project is not None and not caller.is_admin:
        role = held.memberships.get(project.name)
        if role is None:
            return Forbidden(
                f"{caller.principal_ref} is not a collaborator of project '{project.name}', "
                f"and no policy allows it {action} there",
                audit=audit,
                **extra,
            )
        needed = _role_needed(caller, action, resource, project.name, role)
        if needed is not None:
            return Forbidden(
                f"{caller.principal_ref} is a {role} of project '{project.name}'; "
                f"{action} needs the {needed} role or higher",
                audit=audit,
                **extra,
            )
    if ACTION_SCOPES[action] in ADMIN_ONLY_SCOPES and not caller.is_admin:
        return Forbidden(
            f"{action} is reserved to admins; {caller.principal_ref} is not an admin",
            audit=audit,
        )
    return Forbidden(
        f"no policy allows {caller.principal_ref} to perform {action} on {resource}",
        audit=audit,
        **extra,
    )


def _role_needed(caller: Caller, action: str, resource: str, project: str, role: str) -> str | None:
    for candidate in ("member", "owner"):
        if PROJECT_ROLE_RANK[candidate] <= PROJECT_ROLE_RANK[role]:
            continue
        policy = instance(
            ROLE_POLICY[candidate],
            project=project,
            kind=caller.principal_kind,
            name=caller.principal_name,
        )
        if CompiledPolicies([policy]).evaluate(action, resource, {}).allowed:
            return candidate
    return None
