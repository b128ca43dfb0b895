"""One table of key-check outcomes serves 401s and keys:verify alike."""

from __future__ import annotations

from typing import get_args

import httpx

from keyhouse.core.keys import generate_key
from keyhouse.core.problems import Problem
from keyhouse.domain.key_status import (
    AUTHENTICATION_REASONS,
    KEY_STATUS_TEXT,
    VERIFY_REASONS,
    KeyStatus,
)
from keyhouse.schemas.auth import VerifyReason
from tests.support.keyhouse_server import KeyhouseServer


def test_every_status_has_its_words() -> None:
    assert set(KEY_STATUS_TEXT) == set(KeyStatus)
    assert all(text.reason == status.value for status, text in KEY_STATUS_TEXT.items())


def test_the_published_reasons_are_the_tables() -> None:
    assert set(get_args(VerifyReason)) == {KEY_STATUS_TEXT[s].reason for s in VERIFY_REASONS}
    described = Problem.model_fields["reason"].description or ""
    for status in AUTHENTICATION_REASONS:
        assert KEY_STATUS_TEXT[status].reason in described


def test_an_unknown_key_reads_the_same_on_a_401_and_from_verify(service: KeyhouseServer) -> None:
    unknown = generate_key().plaintext
    with httpx.Client(base_url=service.url) as http:
        refused = http.get("/api/v1/whoami", headers={"x-api-key": unknown})
        verified = http.post("/api/v1/keys:verify", json={"key": unknown})
    assert refused.status_code == 401
    assert refused.json()["reason"] == verified.json()["reason"] == "not_found"
    assert refused.json()["detail"] == KEY_STATUS_TEXT[KeyStatus.NOT_FOUND].message
