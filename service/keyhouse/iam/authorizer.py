"""The one authorization function's machinery: a principal's policies, compiled and cached.

A principal holds its attached policies plus managed ones: SelfService always,
AdminAccess when it is an admin, and a project-role policy for each project it
collaborates on. The compiled set and the decisions made with it are cached
under the IAM generation read with the caller's key (see ``models.IamState``),
so any change to policies, attachments, memberships or admin rights takes
effect on the very next request, in every process.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from keyhouse.domain.auth import Caller
from keyhouse.domain.key_cache import announce_change
from keyhouse.iam.conditions import Context
from keyhouse.iam.document import validate
from keyhouse.iam.engine import CompiledPolicies, Decision, PolicySource
from keyhouse.iam.managed import ROLE_POLICY, instance
from keyhouse.models import IamPolicy, IamState, PolicyAttachment, Project, ProjectMember

SESSION_AUTHORIZER = "keyhouse_authorizer"
_CURRENT_TIME = "keyhouse:CurrentTime"


@dataclass(frozen=True)
class PrincipalPolicies:
    """What a principal holds, as of one generation."""

    generation: int
    compiled: CompiledPolicies
    memberships: Mapping[str, str]  # project name -> project role
    # Per action: whether its decision depends on the time (then it is never cached).
    time_bound: dict[str, bool] = field(default_factory=dict)
    # Decisions made with these policies: (action, resource, context fingerprint) -> decision.
    decisions: dict[tuple[str, str, Hashable], Decision] = field(default_factory=dict)


def policy_sources(
    caller_kind: str,
    caller_name: str,
    is_admin: bool,
    attached: list[tuple[str, dict[str, Any]]],
    memberships: Mapping[str, str],
) -> list[PolicySource]:
    """Every policy a principal holds, managed ones first."""
    sources = [instance("keyhouse/SelfService", kind=caller_kind, name=caller_name)]
    if is_admin:
        sources.append(instance("keyhouse/AdminAccess"))
    for project, role in sorted(memberships.items()):
        policy = ROLE_POLICY[role]
        sources.append(instance(policy, project=project, kind=caller_kind, name=caller_name))
    for name, document in attached:
        report = validate(document)
        if report.document is not None:  # stored documents were validated when written
            sources.append(PolicySource(name, f"khrn:policy:{name}", report.document))
    return sources


def load_sources(
    session: Session, principal_id: str, kind: str, name: str, is_admin: bool
) -> tuple[list[PolicySource], dict[str, str]]:
    """A principal's policies as stored now, and its memberships (project -> role)."""
    attached = [
        (policy_name, document)
        for policy_name, document in session.execute(
            select(IamPolicy.name, IamPolicy.document)
            .join(PolicyAttachment, PolicyAttachment.policy_id == IamPolicy.id)
            .where(PolicyAttachment.principal_id == principal_id)
            .order_by(IamPolicy.name)
        )
    ]
    memberships = {
        project: role
        for project, role in session.execute(
            select(Project.name, ProjectMember.role)
            .join(ProjectMember, ProjectMember.project_id == Project.id)
            .where(ProjectMember.principal_id == principal_id)
        )
    }
    return policy_sources(kind, name, is_admin, attached, memberships), memberships


class Authorizer:
    """Compiles and caches principals' policies and the decisions made with them."""

    def __init__(self, max_decisions: int = 20_000) -> None:
        self._policies: dict[str, PrincipalPolicies] = {}
        self._max = max_decisions  # per principal
        self._lock = threading.Lock()

    def policies(self, session: Session, caller: Caller) -> PrincipalPolicies:
        """The caller's compiled policies, loaded again only when the generation moved."""
        held = self._policies.get(caller.principal_id)
        if held is not None and held.generation == caller.generation:
            return held
        sources, memberships = load_sources(
            session,
            caller.principal_id,
            caller.principal_kind,
            caller.principal_name,
            caller.is_admin,
        )
        held = PrincipalPolicies(caller.generation, CompiledPolicies(sources), memberships)
        with self._lock:
            self._policies[caller.principal_id] = held
        return held

    def decide(
        self,
        session: Session,
        caller: Caller,
        action: str,
        resource: str,
        fingerprint: Hashable,
        context_of: Callable[[], Context],
    ) -> Decision:
        """The decision for ``action`` on ``resource``, from the cache when it can be.

        ``fingerprint`` stands for the request's condition values other than
        the time; ``context_of`` builds the full context, and is only called
        when the decision has to be evaluated. A cached decision costs two
        dictionary look-ups: this is on every request's path.
        """
        held = self._policies.get(caller.principal_id)
        if held is None or held.generation != caller.generation:
            held = self.policies(session, caller)
        key = (action, resource, fingerprint)
        decision = held.decisions.get(key)
        if decision is not None:
            return decision
        decision = held.compiled.evaluate(action, resource, context_of())
        timed = held.time_bound.get(action)
        if timed is None:
            timed = _CURRENT_TIME in held.compiled.context_keys(action)
            held.time_bound[action] = timed
        if not timed:  # a decision that depends on the time is never kept
            if len(held.decisions) >= self._max:
                held.decisions.clear()
            held.decisions[key] = decision
        return decision


def serialize_iam_changes(session: Session) -> None:
    """Take the IAM state row's lock for the rest of ``session``'s transaction.

    Rules that count rows before changing one ("a project keeps an owner",
    "the last admin stays admin") would let two concurrent changes each see the
    other's row still there and both go ahead. Changes that check such a rule
    take this lock first, so they run one after another (on SQLite, writer
    transactions already do).
    """
    session.execute(
        select(IamState.generation).where(IamState.id == 1).with_for_update()
    ).scalar_one_or_none()


def bump_generation(session: Session) -> None:
    """Record, in ``session``'s transaction, a change that may alter authorization decisions.

    Every replica's cached key rows (which carry the generation) are dropped at commit too.
    """
    session.execute(
        update(IamState).where(IamState.id == 1).values(generation=IamState.generation + 1)
    )
    announce_change(session)
