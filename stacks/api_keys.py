"""Seeds 001 and 003: personal API keys, and a team's named keys told apart by prefix.

Two people, ``alice`` and ``bob``, each with a personal key for the API (sent as
``x-api-key``). The team project ``data-science`` has a machine role
``data-science-team`` (a member) whose named keys (``scheduler``, ``ci``) work
only in that project and expire, and rotate (seed 003: "rotate your API keys
frequently"): every 90 days a deploy rolls each one, a new key in its place, while
the old one keeps working for a day. Outputs name every key by its Key ID and
prefix, which is how listings show them; the keys themselves are shown once, to
Terraform, and stay in the state as sensitive values. Regenerating one outright is
``cdktf deploy`` after ``terraform apply -replace``; a key revoked elsewhere (revoke
is final) is planned anew by the next deploy.
"""

from __future__ import annotations

from typing import Any

import constructs

from keyhouse_cdk import ApiKey, Rotation
from keyhouse_cdk.l1 import Project, ProjectMember, Role, User
from stacks.base import KeyhouseStack

PEOPLE = {"alice": "alice@example.com", "bob": "bob@example.com"}
PERSONAL_SCOPES = ["project", "secrets", "keys"]
TEAM_PROJECT = "data-science"
TEAM_ROLE = "data-science-team"
TEAM_KEYS = {"scheduler": ["job"], "ci": ["job", "project"]}
TEAM_KEY_LIFETIME_DAYS = 180
TEAM_KEY_ROTATION = Rotation(every_days=90, overlap_hours=24)


class ApiKeysStack(KeyhouseStack):
    """Personal keys for two people and a team's project-restricted named keys."""

    def __init__(self, scope: constructs.Construct, name: str = "api-keys") -> None:
        super().__init__(scope, name)
        project = Project(self, "Team", name=TEAM_PROJECT, description="The data science team")
        keys: dict[str, ApiKey] = {}
        for person, email in PEOPLE.items():
            user = User(self, f"User-{person}", name=person, email=email)
            ProjectMember(self, f"Member-{person}", project=project.name, user=user.name)
            keys[f"{person}/personal"] = ApiKey(
                self,
                f"Personal-{person}",
                name="personal",
                owner_user=user.name,
                scopes=PERSONAL_SCOPES,
            )
        team = Role(self, "TeamRole", name=TEAM_ROLE, description="The team's jobs and CI")
        # The role must collaborate on the project for its project-restricted keys to work.
        membership = ProjectMember(
            self, "Member-team", project=project.name, machine_role=team.name, role="member"
        )
        for key_name, scopes in TEAM_KEYS.items():
            keys[f"{TEAM_ROLE}/{key_name}"] = ApiKey(
                self,
                f"Team-{key_name}",
                name=key_name,
                owner_role=team.name,
                project=project.name,
                scopes=scopes,
                expires_in_days=TEAM_KEY_LIFETIME_DAYS,
                rotation=TEAM_KEY_ROTATION,
                depends_on=[membership],
            )
        self.keys = keys
        listing: dict[str, Any] = {
            label: {"id": key.id, "prefix": key.prefix, "expires_at": key.expires_at}
            for label, key in keys.items()
        }
        self.output("keys", listing, "Every key by owner/name: Key ID, prefix and expiry.")
        self.output("project", project.name, "The team's project.")
