"""Managed policies: what admins, every principal, and each project role may do.

They are written in the policy language itself and evaluated like any other
policy: nothing in the routes grants access on its own. They are visible
through the API and cannot be edited.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from keyhouse.iam.document import VERSION, validate
from keyhouse.iam.engine import PolicySource

PROJECT_ROLES = ("viewer", "member", "owner")

_VIEWER: list[dict[str, Any]] = [
    {
        "Sid": "ReadProject",
        "Effect": "Allow",
        "Action": ["projects:GetProject", "projects:ListMembers", "secrets:ListSecrets"],
        "Resource": "khrn:project:${project}",
    },
    {
        "Sid": "ReadSecrets",
        "Effect": "Allow",
        "Action": ["secrets:GetSecret", "secrets:GetSecretValue"],
        "Resource": "khrn:secret:project/${project}/*",
    },
    {
        "Sid": "Leave",
        "Effect": "Allow",
        "Action": "projects:RemoveMember",
        "Resource": "khrn:project:${project}/member/${kind}/${name}",
    },
]
_MEMBER: list[dict[str, Any]] = [
    *_VIEWER,
    {
        "Sid": "WriteSecrets",
        "Effect": "Allow",
        "Action": [
            "secrets:CreateSecret",
            "secrets:PutSecretValue",
            "secrets:UpdateSecret",
            "secrets:DeleteSecret",
        ],
        "Resource": "khrn:secret:project/${project}/*",
    },
]
_OWNER: list[dict[str, Any]] = [
    *_MEMBER,
    {
        "Sid": "ManageProject",
        "Effect": "Allow",
        "Action": ["projects:UpdateProject", "projects:DeleteProject"],
        "Resource": "khrn:project:${project}",
    },
    {
        "Sid": "ManageMembers",
        "Effect": "Allow",
        "Action": ["projects:AddMember", "projects:UpdateMember", "projects:RemoveMember"],
        "Resource": "khrn:project:${project}/member/*",
    },
]
_SELF: list[dict[str, Any]] = [
    {
        "Sid": "OwnKeys",
        "Effect": "Allow",
        "Action": [
            "keys:CreateKey",
            "keys:ListKeys",
            "keys:GetKey",
            "keys:UpdateKey",
            "keys:RollKey",
            "keys:RevokeKey",
            "keys:DeleteKey",
        ],
        "Resource": "khrn:apikey:*",
    },
    {
        "Sid": "OwnSecrets",
        "Effect": "Allow",
        "Action": "secrets:*",
        "Resource": "khrn:secret:${kind}/${name}/*",
    },
    {
        "Sid": "ListSecrets",
        "Effect": "Allow",
        "Action": "secrets:ListSecrets",
        "Resource": "khrn:secret:*",
    },
    {
        "Sid": "StartProjects",
        "Effect": "Allow",
        "Action": ["projects:CreateProject", "projects:ListProjects"],
        "Resource": "*",
    },
]
_ADMIN: list[dict[str, Any]] = [
    {"Sid": "Everything", "Effect": "Allow", "Action": "*", "Resource": "*"}
]

TEMPLATES: dict[str, tuple[str, list[dict[str, Any]]]] = {
    "keyhouse/AdminAccess": ("Held by every admin user: every action on every resource.", _ADMIN),
    "keyhouse/SelfService": (
        "Held by every user and role: its own keys and private secrets, and starting "
        "projects. ${kind} and ${name} are the principal's.",
        _SELF,
    ),
    "keyhouse/ProjectViewer": (
        "Held for each project where the principal is a viewer: read the project, its "
        "members and its secrets, and leave it. ${project} is the project's name, "
        "${kind} and ${name} the principal's.",
        _VIEWER,
    ),
    "keyhouse/ProjectMember": (
        "Held for each project where the principal is a member: the viewer's rights, "
        "and writing the project's secrets.",
        _MEMBER,
    ),
    "keyhouse/ProjectOwner": (
        "Held for each project where the principal is an owner: the member's rights, "
        "and managing the project and its members.",
        _OWNER,
    ),
}
ROLE_POLICY = {
    "viewer": "keyhouse/ProjectViewer",
    "member": "keyhouse/ProjectMember",
    "owner": "keyhouse/ProjectOwner",
}


def template(name: str) -> dict[str, Any]:
    """The managed policy's document, with its ``${...}`` placeholders."""
    return {"Version": VERSION, "Statement": TEMPLATES[name][1]}


def _fill(value: Any, values: dict[str, str]) -> Any:
    if isinstance(value, str):
        for key, replacement in values.items():
            value = value.replace("${" + key + "}", replacement)
        return value
    if isinstance(value, list):
        return [_fill(item, values) for item in value]
    if isinstance(value, dict):
        return {k: _fill(v, values) for k, v in value.items()}
    return value


def instance(policy: str, **values: str) -> PolicySource:
    """A managed policy for one principal or project, parsed and ready to evaluate."""
    return _instance(policy, tuple(sorted(values.items())))


@lru_cache(maxsize=16384)
def _instance(policy: str, values: tuple[tuple[str, str], ...]) -> PolicySource:
    report = validate(_fill(template(policy), dict(values)))
    assert report.document is not None, report.errors  # managed documents are ours: always valid
    label = policy if not values else f"{policy}({', '.join(f'{k}={v}' for k, v in values)})"
    return PolicySource(label, f"khrn:policy:{policy}", report.document, managed=True)
