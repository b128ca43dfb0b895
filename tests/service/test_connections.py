"""Connections under faults: a bug's 500 closes the connection and says so, a client that
goes away mid-body is one INFO line, and a request head that never arrives is cut off."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text

from tests.support.actors import expect, unique
from tests.support.keyhouse_server import KeyhouseServer, start_server


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KeyhouseServer]:
    directory: Path = tmp_path_factory.mktemp("connections")
    service = start_server(
        "sqlite",
        f"sqlite:///{directory / 'keyhouse.db'}",
        directory,
        KEYHOUSE_HEADER_TIMEOUT_SECONDS="1",
    )
    yield service
    service.stop()


def _log_lines(service: KeyhouseServer, since: int = 0) -> list[dict[str, object]]:
    return [json.loads(line) for line in service.log()[since:].splitlines() if line.startswith("{")]


def test_a_bug_answers_500_with_connection_close_and_the_next_request_works(
    server: KeyhouseServer,
) -> None:
    # GIVEN a secret whose stored row the service cannot show (its type edited by hand)
    with httpx.Client(base_url=server.url, headers={"x-api-key": server.admin_key}) as http:
        secret = expect(http.post("/api/v1/secrets", json={"name": unique("b"), "value": "v"}), 201)
        engine = create_engine(server.database_url)
        with engine.begin() as connection:
            connection.execute(
                text("UPDATE secrets SET type = 'bogus' WHERE id = :id"), {"id": secret["id"]}
            )
        engine.dispose()

        # WHEN it is read on a keep-alive connection, then something else on the same client
        broken = http.get(f"/api/v1/secrets/{secret['id']}")
        after = http.get("/api/v1/whoami")

    # THEN the 500 is a problem that closes the connection, and the next request is answered
    assert broken.status_code == 500
    assert broken.headers["connection"] == "close"
    assert broken.json()["request_id"] == broken.headers["x-request-id"]
    assert after.status_code == 200
    # and the bug is logged once, with its traceback, under the request id
    errors = [
        e
        for e in _log_lines(server)
        if e.get("request_id") == broken.headers["x-request-id"]
        or broken.headers["x-request-id"] in str(e.get("message"))
    ]
    assert sum(1 for e in errors if e["level"] == "ERROR") == 1
    assert any("exception" in e for e in errors)


def test_a_client_gone_mid_body_is_one_info_line(server: KeyhouseServer) -> None:
    mark = len(server.log())
    # GIVEN a request that announces 5000 bytes of body and sends 10
    with socket.create_connection(("127.0.0.1", server.port)) as sock:
        sock.sendall(
            b"PUT /api/v1/secrets/" + b"0" * 32 + b"/value HTTP/1.1\r\nHost: x\r\n"
            b"x-api-key: " + server.admin_key.encode() + b"\r\n"
            b'content-type: application/json\r\ncontent-length: 5000\r\n\r\n{"value":'
        )
        time.sleep(0.3)
    # WHEN the client has gone
    time.sleep(0.5)
    # THEN the log has no error and no traceback for it, one INFO line at most
    new = _log_lines(server, mark)
    assert [e for e in new if e["level"] not in ("INFO", "DEBUG")] == []
    assert len([e for e in new if "went away" in str(e.get("message"))]) <= 1
    assert "Traceback" not in server.log()[mark:]


def test_a_request_head_that_never_completes_is_cut_off(server: KeyhouseServer) -> None:
    # GIVEN connections that send nothing, or half a request line
    idle = socket.create_connection(("127.0.0.1", server.port))
    partial = socket.create_connection(("127.0.0.1", server.port))
    partial.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
    started = time.monotonic()
    # WHEN the header timeout (1 s here) passes, THEN the server closes both
    for sock in (idle, partial):
        sock.settimeout(5)
        assert sock.recv(100) == b""
        sock.close()
    assert time.monotonic() - started < 3
    # while a complete request is still answered
    assert httpx.get(f"{server.url}/healthz").status_code == 200
