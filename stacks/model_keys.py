"""Seed 002: model-serving keys per collaborator, with expiry and the admin's lifetimes.

The admin's settings: keys live 365 days unless asked otherwise, and never more
than 730. The project ``fraud-models`` has two collaborators, each with a key
restricted to it carrying the ``job`` scope that model servers check
(``POST /keys:verify`` with the project: a key whose owner is not a collaborator
is refused as ``not_a_collaborator``). ``carol`` asks for 30 days; ``dave`` takes
the default. A lifetime beyond the maximum stops the synth, naming it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import constructs

from keyhouse_cdk import ApiKey, PropError
from keyhouse_cdk.l1 import Project, ProjectMember, Settings, User
from stacks.base import KeyhouseStack

PROJECT = "fraud-models"
DEFAULT_LIFETIME_DAYS = 365
MAX_LIFETIME_DAYS = 730
COLLABORATORS: dict[str, int | None] = {"carol": 30, "dave": None}
"""Collaborator -> key lifetime in days (None: the admin's default)."""
SERVING_SCOPES = ["job"]


class ModelKeysStack(KeyhouseStack):
    """Lifetime settings and a model-serving key per collaborator of one project."""

    def __init__(
        self,
        scope: constructs.Construct,
        name: str = "model-keys",
        *,
        collaborators: Mapping[str, int | None] = COLLABORATORS,
        default_lifetime_days: int = DEFAULT_LIFETIME_DAYS,
        max_lifetime_days: int = MAX_LIFETIME_DAYS,
    ) -> None:
        super().__init__(scope, name)
        if not 0 < default_lifetime_days <= max_lifetime_days:
            raise PropError(
                self.node.path,
                "default_lifetime_days",
                f"must be from 1 to max_lifetime_days ({max_lifetime_days})",
            )
        for person, days in collaborators.items():
            if days is not None and not 0 < days <= max_lifetime_days:
                raise PropError(
                    self.node.path,
                    f"collaborators[{person!r}]",
                    f"a lifetime of {days} days is beyond the maximum key lifetime of "
                    f"{max_lifetime_days} days (or not positive)",
                )
        settings = Settings(
            self,
            "Lifetimes",
            default_key_lifetime_days=default_lifetime_days,
            max_key_lifetime_days=max_lifetime_days,
        )
        project = Project(self, "Models", name=PROJECT, description="Fraud detection models")
        self.keys: dict[str, ApiKey] = {}
        for person, days in collaborators.items():
            user = User(self, f"User-{person}", name=person, email=f"{person}@example.com")
            membership = ProjectMember(
                self, f"Member-{person}", project=project.name, user=user.name
            )
            self.keys[person] = ApiKey(
                self,
                f"Key-{person}",
                name="model-serving",
                owner_user=user.name,
                project=project.name,
                scopes=SERVING_SCOPES,
                expires_in_days=days,
                # The lifetime default applies at creation, and the owner must collaborate.
                depends_on=[settings, membership],
            )
        listing: dict[str, Any] = {
            person: {"id": key.id, "prefix": key.prefix, "expires_at": key.expires_at}
            for person, key in self.keys.items()
        }
        self.output("keys", listing, "Each collaborator's key: Key ID, prefix and expiry.")
        self.output("project", project.name, "The models' project.")
        self.output(
            "lifetimes",
            {
                "default_days": settings.default_key_lifetime_days,
                "max_days": settings.max_key_lifetime_days,
            },
            "The admin's key lifetime settings.",
        )
