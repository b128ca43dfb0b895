"""IAM tools: the action catalog, managed policies, validation and simulation."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from keyhouse.api.deps import CurrentCaller, ReadSessionDep
from keyhouse.api.docs import IDEMPOTENT
from keyhouse.api.json_body import StrictJSONRoute
from keyhouse.core.problems import NotFound, Unprocessable, problem_responses
from keyhouse.domain.access import authorize
from keyhouse.domain.policies import report_within_limits
from keyhouse.domain.principals import find_principal
from keyhouse.domain.resource_names import policy_rn
from keyhouse.iam import actions, managed
from keyhouse.iam.authorizer import load_sources
from keyhouse.iam.engine import CompiledPolicies, PolicySource
from keyhouse.schemas.iam import (
    ActionPublic,
    ActionsPublic,
    DecidingStatement,
    Finding,
    ManagedPoliciesPublic,
    ManagedPolicyPublic,
    SimulateRequest,
    SimulateResponse,
    ValidateRequest,
    ValidateResponse,
)

router = APIRouter(
    route_class=StrictJSONRoute, prefix="/api/v1", tags=["iam"], responses=problem_responses(401)
)


def _managed(name: str) -> ManagedPolicyPublic:
    description, _ = managed.TEMPLATES[name]
    return ManagedPolicyPublic(
        name=name, arn=policy_rn(name), description=description, document=managed.template(name)
    )


@router.get("/iam/actions", response_model=ActionsPublic)
def list_actions(caller: CurrentCaller) -> ActionsPublic:
    """Every action of the service, the scope a key needs for it, and what its resource is."""
    return ActionsPublic(
        data=[
            ActionPublic(name=a.name, scope=a.scope, resource=a.resource) for a in actions.catalog()
        ]
    )


@router.get("/iam/managed-policies", response_model=ManagedPoliciesPublic)
def list_managed_policies(caller: CurrentCaller) -> ManagedPoliciesPublic:
    """The managed policies: what admins, every principal and each project role hold."""
    return ManagedPoliciesPublic(data=[_managed(name) for name in managed.TEMPLATES])


@router.get(
    "/iam/managed-policies/{policy:path}",
    response_model=ManagedPolicyPublic,
    responses=problem_responses(404, 422),
)
def get_managed_policy(
    policy: Annotated[
        str, Path(max_length=64, description="The managed policy's name, e.g. ProjectViewer.")
    ],
    caller: CurrentCaller,
) -> ManagedPolicyPublic:
    """One managed policy, by its short name (``ProjectViewer``) or full one."""
    full = policy if policy.startswith("keyhouse/") else f"keyhouse/{policy}"
    if full not in managed.TEMPLATES:
        raise NotFound(f"managed policy '{policy}' does not exist")
    return _managed(full)


@router.post(
    "/iam/policies:validate",
    response_model=ValidateResponse,
    responses=problem_responses(422),
    openapi_extra=IDEMPOTENT,
)
def validate_policy(body: ValidateRequest, caller: CurrentCaller) -> ValidateResponse:
    """Check a document: errors and warnings, each with a JSON pointer into it.

    Needs no scope: plans call it to fail early. A document beyond a limit (size,
    statements, entries per statement, pattern length) is a 422 naming the limit.
    """
    report = report_within_limits(body.document)
    return ValidateResponse(
        valid=report.valid,
        errors=[Finding(pointer=f.pointer, message=f.message) for f in report.errors],
        warnings=[Finding(pointer=f.pointer, message=f.message) for f in report.warnings],
    )


@router.post(
    "/iam:simulate",
    response_model=SimulateResponse,
    responses=problem_responses(403, 404, 422),
    openapi_extra=IDEMPOTENT,
)
def simulate(
    body: SimulateRequest, caller: CurrentCaller, session: ReadSessionDep
) -> SimulateResponse:
    """Ask the policy engine: would this principal (or these policies) be allowed, and why?"""
    authorize(session, caller, "iam:SimulatePolicy", "*")
    if body.principal is None and not body.policies:
        raise Unprocessable("/body/principal", "give a principal, or policies, or both")
    sources: list[PolicySource] = []
    if body.principal is not None:
        principal = find_principal(session, body.principal.kind, body.principal.name)
        sources, _ = load_sources(
            session, principal.id, principal.kind, principal.name, principal.is_admin
        )
    for index, document in enumerate(body.policies):
        report = report_within_limits(document, f"policies/{index}")
        if report.document is None:
            first = report.errors[0]
            raise Unprocessable(f"/body/policies/{index}{first.pointer}", first.message)
        sources.append(PolicySource(f"policies[{index}]", f"policies[{index}]", report.document))
    decision = CompiledPolicies(sources).evaluate(body.action, body.resource, body.context)
    return SimulateResponse(
        decision=decision.outcome,
        statements=[
            DecidingStatement(policy=d.policy, sid=d.sid, index=d.index, effect=d.effect)
            for d in decision.statements
        ],
        policies=[s.name for s in sources],
    )
