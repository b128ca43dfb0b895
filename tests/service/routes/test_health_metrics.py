"""``/healthz``, ``/readyz`` and ``/metrics`` on a running service."""

from __future__ import annotations

import re

import httpx
from prometheus_client.parser import text_string_to_metric_families

from tests.support.actors import Actor, expect, unique
from tests.support.keyhouse_server import KeyhouseServer


def _samples(service: KeyhouseServer) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    answer = httpx.get(f"{service.url}/metrics")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(answer.text)
        for sample in family.samples
    }


def test_healthz_and_readyz_need_no_key(service: KeyhouseServer) -> None:
    assert httpx.get(f"{service.url}/healthz").json() == {"status": "ok"}
    ready = expect(httpx.get(f"{service.url}/readyz"), 200)
    assert ready["status"] == "ready"
    assert (ready["database"], ready["migrations"]) == ("ok", "ok")
    # on PostgreSQL the key cache listens for changes; SQLite has no listener
    assert ready["key_listener"] == ("not used" if service.backend == "sqlite" else "ok")


def test_metrics_count_requests_verifications_and_replays(
    service: KeyhouseServer, user: Actor
) -> None:
    # GIVEN a secret read by id, a key verified three ways and a create replayed
    secret = expect(user.post("/api/v1/secrets", json={"name": unique("m"), "value": "mval"}), 201)
    before = _samples(service)
    expect(user.get(f"/api/v1/secrets/{secret['id']}/value"), 200)
    httpx.post(f"{service.url}/api/v1/keys:verify", json={"key": user.key})
    httpx.post(f"{service.url}/api/v1/keys:verify", json={"key": "kh_nope"})
    httpx.post(f"{service.url}/api/v1/keys:verify", json={"key": user.key, "scopes": ["admin"]})
    body = {"name": unique("replayed"), "value": "r"}
    headers = {"Idempotency-Key": unique("idem")}
    expect(user.post("/api/v1/secrets", json=body, headers=headers), 201)
    expect(user.post("/api/v1/secrets", json=body, headers=headers), 201)

    # WHEN /metrics is scraped
    after = _samples(service)

    def grew(name: str, **labels: str) -> float:
        key = (name, frozenset(labels.items()))
        return after.get(key, 0.0) - before.get(key, 0.0)

    # THEN requests are counted by route template, method and status
    route = "/api/v1/secrets/{secret_id}/value"
    assert grew("keyhouse_http_requests_total", route=route, method="GET", status="200") == 1
    assert grew("keyhouse_http_request_duration_seconds_count", route=route, method="GET") == 1
    # and verifications by outcome, and the replay
    assert grew("keyhouse_key_checks_total", source="verify", outcome="valid") == 1
    assert grew("keyhouse_key_checks_total", source="verify", outcome="malformed") == 1
    assert grew("keyhouse_key_checks_total", source="verify", outcome="missing_scope") == 1
    assert grew("keyhouse_idempotent_replays_total") == 1
    # no label holds an id, a key, a value or a name sent by a caller
    text = httpx.get(f"{service.url}/metrics").text
    for forbidden in (secret["id"], user.key, user.key_id, "mval", body["name"]):
        assert forbidden not in text
    assert not re.search(r"kh_[a-z2-7]{16}_", text)
