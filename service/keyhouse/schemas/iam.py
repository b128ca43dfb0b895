"""IAM bodies: policies, attachments, the action catalog, validation and simulation."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema

from keyhouse.iam.document_schema import document_schema
from keyhouse.schemas.common import Description, Identifier, Input, PrincipalKind, PrincipalRef

PolicyDocument = dict[str, Any]
DocumentInput = Annotated[PolicyDocument, WithJsonSchema(document_schema())]
"""A document sent to be stored or evaluated: published with its full grammar."""


class PolicyCreate(Input):
    """A new customer policy."""

    name: Identifier = Field(
        description="The policy's name, unique; its arn is khrn:policy:<name>."
    )
    description: Description | None = Field(default=None, description="What the policy grants.")
    document: DocumentInput = Field(
        description='The policy: {"Version": "2012-10-17", "Statement": [...]}.'
    )


class PolicyUpdate(Input):
    """Changes to a policy; a new document makes a new version."""

    description: Description | None = Field(
        default=None, description="A new description; null clears it."
    )
    document: DocumentInput | None = Field(
        default=None, description="A new document: a new version, in force from the next request."
    )


class PolicyPublic(BaseModel):
    """A customer policy."""

    id: str
    arn: str = Field(description="khrn:policy:<name>")
    name: str
    description: str | None
    document: PolicyDocument = Field(description="As stored: Statement a list, values lists.")
    version: int = Field(description="Starts at 1; increments with every new document.")
    attachments: int = Field(description="How many users and roles it is attached to.")
    created_at: datetime
    updated_at: datetime


class PoliciesPublic(BaseModel):
    """A page of customer policies."""

    data: list[PolicyPublic]
    next_cursor: str | None


class ManagedPolicyPublic(BaseModel):
    """A managed policy: implied by admin rights, by being a principal, or by a project role."""

    name: str
    arn: str
    description: str
    document: PolicyDocument = Field(
        description="With placeholders: ${project}, ${kind} and ${name} are filled per holder."
    )


class ManagedPoliciesPublic(BaseModel):
    """Every managed policy."""

    data: list[ManagedPolicyPublic]


class AttachmentCreate(Input):
    """Attach a policy to a user or role."""

    principal_kind: PrincipalKind = Field(default="role", description="user or role.")
    principal_name: Identifier = Field(description="The user's or role's name.")


class AttachmentPublic(BaseModel):
    """A policy attached to a principal."""

    policy: str
    principal_kind: PrincipalKind
    principal_name: str
    principal_arn: str
    created_at: datetime


class AttachmentsPublic(BaseModel):
    """A page of a policy's attachments."""

    data: list[AttachmentPublic]
    next_cursor: str | None


class ActionPublic(BaseModel):
    """One action of the catalog."""

    name: str = Field(description="e.g. secrets:GetSecretValue")
    scope: str = Field(description="The scope a key needs for it.")
    resource: str = Field(description="What its resource names.")


class ActionsPublic(BaseModel):
    """The action catalog: every operation of the service is exactly one action."""

    data: list[ActionPublic]


class ValidateRequest(Input):
    """A document to check: an object, or its JSON text."""

    document: Any = Field(description="The policy document, or a string holding its JSON.")


class Finding(BaseModel):
    """A problem in a document, located by a JSON pointer into it."""

    pointer: str
    message: str


class ValidateResponse(BaseModel):
    """Whether a document is valid, what is wrong, and what is suspicious."""

    valid: bool
    errors: list[Finding]
    warnings: list[Finding]


class SimulateRequest(Input):
    """A question to the policy engine. Give a principal, or policies, or both."""

    model_config = ConfigDict(
        json_schema_extra={
            "anyOf": [
                {"properties": {"principal": {"type": "object"}}, "required": ["principal"]},
                {"properties": {"policies": {"minItems": 1}}, "required": ["policies"]},
            ]
        }
    )

    principal: PrincipalRef | None = Field(
        default=None, description="Evaluate with everything this principal holds."
    )
    policies: list[DocumentInput] = Field(
        default_factory=list, max_length=50, description="Further documents to evaluate."
    )
    action: str = Field(
        min_length=1, max_length=128, description="The action, e.g. secrets:GetSecretValue."
    )
    resource: str = Field(
        min_length=1, max_length=1024, description="The resource's khrn, e.g. khrn:secret:..."
    )
    context: dict[str, str | list[str]] = Field(
        default_factory=dict, description="Condition keys, e.g. keyhouse:SourceIp."
    )


class DecidingStatement(BaseModel):
    """A statement that decided."""

    policy: str
    sid: str | None
    index: int
    effect: Literal["Allow", "Deny"]


class SimulateResponse(BaseModel):
    """The decision and the statements behind it."""

    decision: Literal["allowed", "explicit_deny", "implicit_deny"]
    statements: list[DecidingStatement]
    policies: list[str] = Field(description="The policies that were evaluated.")
