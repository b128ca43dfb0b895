"""The action catalog: every operation of the service is exactly one action."""

from __future__ import annotations

from dataclasses import dataclass

from keyhouse.domain.catalog import ACTION_SCOPES


@dataclass(frozen=True)
class ActionInfo:
    """One action: its name, the scope a key needs for it, and what its resource names."""

    name: str
    scope: str
    resource: str


# What each action's resource is, as a khrn pattern (for the catalog and for validation).
RESOURCES: dict[str, str] = {
    "keys": "khrn:apikey:<key-id>",
    "secrets": "khrn:secret:project/<project>/<name> or khrn:secret:<user|role>/<owner>/<name>",
    "projects": "khrn:project:<project> (members: khrn:project:<project>/member/<kind>/<name>)",
    "iam": "khrn:user:<name>, khrn:role:<role> or khrn:policy:<name>",
    "settings": "khrn:settings",
    "scopes": "khrn:scope:<name>",
    "audit": "khrn:audit",
}


def catalog() -> list[ActionInfo]:
    """Every action, sorted by name."""
    return [
        ActionInfo(name, scope, RESOURCES[name.split(":", 1)[0]])
        for name, scope in sorted(ACTION_SCOPES.items())
    ]


SERVICES = frozenset(name.split(":", 1)[0] for name in ACTION_SCOPES)
ACTIONS_LOWER = {name.lower(): name for name in ACTION_SCOPES}
