"""Keyhouse Resource Names (``khrn:``): how audit events and policies name targets."""

from __future__ import annotations

from keyhouse.domain.auth import Caller
from keyhouse.models import Secret


def key_rn(key_id: str) -> str:
    """``khrn:apikey:<key id>``."""
    return f"khrn:apikey:{key_id}"


def project_rn(name: str) -> str:
    """``khrn:project:<project>``."""
    return f"khrn:project:{name}"


def member_rn(project: str, kind: str, name: str) -> str:
    """``khrn:project:<project>/member/<user|role>/<name>``: a membership."""
    return f"khrn:project:{project}/member/{kind}/{name}"


def policy_rn(name: str) -> str:
    """``khrn:policy:<name>``."""
    return f"khrn:policy:{name}"


def principal_rn(kind: str, name: str) -> str:
    """``khrn:user:<name>`` or ``khrn:role:<name>``."""
    return f"khrn:{kind}:{name}"


def project_secret_rn(project: str, name: str) -> str:
    """``khrn:secret:project/<project>/<name>``."""
    return f"khrn:secret:project/{project}/{name}"


def own_secret_rn(caller: Caller, name: str) -> str:
    """The khrn of the caller's private secret ``name``."""
    return f"khrn:secret:{caller.principal_kind}/{caller.principal_name}/{name}"


def secret_rn(secret: Secret) -> str:
    """``khrn:secret:project/<project>/<name>`` or ``khrn:secret:<kind>/<owner>/<name>``."""
    if secret.project is not None:
        return f"khrn:secret:project/{secret.project.name}/{secret.name}"
    if secret.owner is not None:
        return f"khrn:secret:{secret.owner.kind}/{secret.owner.name}/{secret.name}"
    return f"khrn:secret:id/{secret.id}"
