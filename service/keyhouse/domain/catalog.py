"""The built-in scope catalog and the action each operation performs.

Every operation of the service is one action (``secrets:GetSecretValue``);
each action needs one scope on the calling key.
"""

from __future__ import annotations

BUILTIN_SCOPES: dict[str, str] = {
    "featurestore": "Read and write feature store data (checked by downstream services).",
    "project": "Create projects, manage their members, and read the secrets they share.",
    "job": "Run and manage jobs (checked by downstream services).",
    "kafka": "Produce to and consume from Kafka topics (checked by downstream services).",
    "secrets": "Create, read, update and delete secrets.",
    "keys": "Create, list, update, revoke and delete API keys.",
    "iam": "Manage users and roles (admins only).",
    "admin": "Change service settings, the scope catalog, and read the audit log (admins only).",
}

# Scopes whose operations also need an admin principal.
ADMIN_ONLY_SCOPES = frozenset({"iam", "admin"})

ACTION_SCOPES: dict[str, str] = {
    "keys:CreateKey": "keys",
    "keys:ListKeys": "keys",
    "keys:GetKey": "keys",
    "keys:UpdateKey": "keys",
    "keys:RevokeKey": "keys",
    "keys:DeleteKey": "keys",
    "keys:RollKey": "keys",
    "secrets:CreateSecret": "secrets",
    "secrets:ListSecrets": "secrets",
    "secrets:GetSecret": "secrets",
    "secrets:GetSecretValue": "secrets",
    "secrets:PutSecretValue": "secrets",
    "secrets:UpdateSecret": "secrets",
    "secrets:DeleteSecret": "secrets",
    "projects:CreateProject": "project",
    "projects:ListProjects": "project",
    "projects:GetProject": "project",
    "projects:UpdateProject": "project",
    "projects:DeleteProject": "project",
    "projects:ListMembers": "project",
    "projects:AddMember": "project",
    "projects:UpdateMember": "project",
    "projects:RemoveMember": "project",
    "iam:CreateUser": "iam",
    "iam:ListUsers": "iam",
    "iam:GetUser": "iam",
    "iam:UpdateUser": "iam",
    "iam:DeleteUser": "iam",
    "iam:CreateRole": "iam",
    "iam:ListRoles": "iam",
    "iam:GetRole": "iam",
    "iam:UpdateRole": "iam",
    "iam:DeleteRole": "iam",
    "iam:CreatePolicy": "iam",
    "iam:ListPolicies": "iam",
    "iam:GetPolicy": "iam",
    "iam:UpdatePolicy": "iam",
    "iam:DeletePolicy": "iam",
    "iam:AttachPolicy": "iam",
    "iam:DetachPolicy": "iam",
    "iam:ListAttachments": "iam",
    "iam:SimulatePolicy": "iam",
    # Checked when a key is made for a role (or another user): part of creating keys.
    "iam:PassRole": "keys",
    "settings:UpdateSettings": "admin",
    "scopes:CreateScope": "admin",
    "audit:ListEvents": "admin",
}

# Actions on no project at all: users, roles, policies, settings, the catalog,
# the audit log, and starting a project. A key restricted to a project acts
# only inside it, so these are refused to it whatever its scopes and owner.
OUTSIDE_ANY_PROJECT = frozenset(
    action
    for action in ACTION_SCOPES
    if action.split(":", 1)[0] in {"iam", "settings", "scopes", "audit"}
    and action != "iam:PassRole"  # checked for the owner of a key, itself restricted
) | {"projects:CreateProject"}

DEFAULT_KEY_LIFETIME_DAYS = 365
DEFAULT_MAX_KEY_LIFETIME_DAYS = 730
LIFETIME_LIMIT_DAYS = 36500


# Reading a project's shared secrets is project work: a key with the ``project``
# scope may do it without ``secrets`` (seed 000: a cluster's key scoped
# featurestore/project/job/kafka reads the secret that holds it).
PROJECT_SECRET_READS = frozenset(
    {"secrets:GetSecret", "secrets:GetSecretValue", "secrets:ListSecrets"}
)
PROJECT_SECRET_PREFIX = "khrn:secret:project/"  # noqa: S105 - a name prefix


def scope_covers(scopes: frozenset[str], action: str, resource: str | None) -> bool:
    """Whether a key holding ``scopes`` may attempt ``action`` on ``resource``.

    ``resource`` None means "not known yet": the answer is then whether some
    resource could be covered.
    """
    if ACTION_SCOPES[action] in scopes:
        return True
    if action not in PROJECT_SECRET_READS or "project" not in scopes:
        return False
    return (
        resource is None
        or resource.startswith(PROJECT_SECRET_PREFIX)
        or resource.startswith("khrn:project:")
    )
