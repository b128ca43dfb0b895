"""The service starts on both backends and answers with the bootstrap key."""

from __future__ import annotations

import httpx

from tests.support.actors import expect


def test_healthz_needs_no_key(anonymous: httpx.Client) -> None:
    assert expect(anonymous.get("/healthz"), 200) == {"status": "ok"}


def test_bootstrap_key_belongs_to_the_admin(admin: httpx.Client) -> None:
    body = expect(admin.get("/api/v1/whoami"), 200)
    assert body["principal"] == {"kind": "user", "name": "admin"}
    assert body["is_admin"] is True
    assert {"admin", "iam", "keys", "secrets"} <= set(body["key"]["scopes"])
