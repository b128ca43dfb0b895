"""Principals with keys, made through the real API, for tests to act as."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx

ALL_SCOPES = ["featurestore", "project", "job", "kafka", "secrets", "keys"]


def unique(prefix: str) -> str:
    """A name no other test uses."""
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


@dataclass
class Actor:
    """A user or role and an API key of theirs, with an HTTP client sending that key."""

    kind: str
    name: str
    key: str = field(repr=False)
    key_id: str
    http: httpx.Client = field(repr=False)

    def __getattr__(self, method: str) -> Any:
        # actor.get(...), actor.post(...): the client's methods, sending this actor's key.
        return getattr(self.http, method)


def client(base_url: str, key: str | None) -> httpx.Client:
    """An HTTP client for the service, sending ``key`` as x-api-key when given."""
    headers = {"x-api-key": key} if key is not None else {}
    return httpx.Client(base_url=base_url, headers=headers, timeout=30)


SECRET_FIELDS = frozenset({"key", "value"})


def redacted(body: Any) -> Any:
    """``body`` with API keys and secret values masked, fit for test output."""
    if isinstance(body, dict):
        return {k: "***" if k in SECRET_FIELDS else redacted(v) for k, v in body.items()}
    if isinstance(body, list):
        return [redacted(item) for item in body]
    return body


def expect(response: httpx.Response, status: int) -> Any:
    """The JSON body of ``response`` after checking its status.

    On a mismatch the message shows the body with keys and values masked.
    """
    body = response.json() if response.content else None
    assert response.status_code == status, (
        f"{response.request.method} {response.request.url.path}: "
        f"expected {status}, got {response.status_code}: {redacted(body)}"
    )
    return body


def create_key(
    admin: httpx.Client,
    base_url: str,
    *,
    owner_kind: str,
    owner_name: str,
    scopes: Sequence[str],
    project: str | None = None,
    name: str | None = None,
) -> Actor:
    """Have ``admin`` create a key for a user or role; an actor using it."""
    body: dict[str, Any] = {"name": name or unique("key"), "scopes": list(scopes)}
    body["owner_role" if owner_kind == "role" else "owner_user"] = owner_name
    if project is not None:
        body["project"] = project
    created = expect(admin.post("/api/v1/api-keys", json=body), 201)
    return Actor(
        owner_kind, owner_name, created["key"], created["id"], client(base_url, created["key"])
    )


def make_user(
    admin: httpx.Client,
    base_url: str,
    *,
    scopes: Sequence[str] = ALL_SCOPES,
    is_admin: bool = False,
    project: str | None = None,
) -> Actor:
    """A new user with one key."""
    name = unique("user")
    expect(admin.post("/api/v1/users", json={"name": name, "is_admin": is_admin}), 201)
    return create_key(
        admin, base_url, owner_kind="user", owner_name=name, scopes=scopes, project=project
    )


def make_role(
    admin: httpx.Client,
    base_url: str,
    *,
    scopes: Sequence[str] = ALL_SCOPES,
    project: str | None = None,
) -> Actor:
    """A new role with one key."""
    name = unique("role")
    expect(admin.post("/api/v1/roles", json={"name": name}), 201)
    return create_key(
        admin, base_url, owner_kind="role", owner_name=name, scopes=scopes, project=project
    )


def add_member(owner: httpx.Client, project: str, actor: Actor, role: str) -> None:
    """Add ``actor`` to ``project`` with ``role``."""
    expect(
        owner.post(
            f"/api/v1/projects/{project}/members",
            json={"principal_kind": actor.kind, "principal_name": actor.name, "role": role},
        ),
        201,
    )


def allow_passing(admin: httpx.Client, grantee: Actor, kind: str, name: str) -> str:
    """Let ``grantee`` act for the user or role ``kind``/``name`` (``iam:PassRole``).

    It then may add that principal to its projects (and make keys for it). The
    name of the policy attached to ``grantee`` is returned.
    """
    policy = unique("pass")
    document = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "iam:PassRole", "Resource": f"khrn:{kind}:{name}"}
        ],
    }
    expect(admin.post("/api/v1/iam/policies", json={"name": policy, "document": document}), 201)
    attach = {"principal_kind": grantee.kind, "principal_name": grantee.name}
    expect(admin.post(f"/api/v1/iam/policies/{policy}/attachments", json=attach), 201)
    return policy


def passing_document(*arns: str) -> dict[str, Any]:
    """A policy document allowing ``iam:PassRole`` on ``arns`` (users or roles)."""
    statement = {"Effect": "Allow", "Action": "iam:PassRole", "Resource": list(arns)}
    return {"Version": "2012-10-17", "Statement": [statement]}
