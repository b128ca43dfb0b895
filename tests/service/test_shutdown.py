"""SIGTERM: in-flight requests finish, batched last-used times are written, then the exit."""

from __future__ import annotations

import json
import signal
import socket
import time
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text

from tests.support.actors import expect, unique
from tests.support.keyhouse_server import start_server


def test_sigterm_drains_the_request_in_flight_and_flushes_last_used(tmp_path: Path) -> None:
    # GIVEN a service that writes last-used times only hourly, and a key just used
    service = start_server(
        "sqlite",
        f"sqlite:///{tmp_path / 'keyhouse.db'}",
        tmp_path,
        KEYHOUSE_LAST_USED_FLUSH_SECONDS="3600",
    )
    headers = {"x-api-key": service.admin_key}
    secret = expect(
        httpx.post(
            f"{service.url}/api/v1/secrets",
            json={"name": unique("s"), "value": "a"},
            headers=headers,
        ),
        201,
    )
    # and a write whose body is still arriving
    body = json.dumps({"value": "written-during-shutdown"}).encode()
    sock = socket.create_connection(("127.0.0.1", service.port))
    sock.sendall(
        f"PUT /api/v1/secrets/{secret['id']}/value HTTP/1.1\r\nHost: x\r\n"
        f"x-api-key: {service.admin_key}\r\ncontent-type: application/json\r\n"
        f"content-length: {len(body)}\r\n\r\n".encode()
        + body[:10]
    )
    time.sleep(0.3)

    # WHEN the service gets SIGTERM, and the rest of the body arrives after it
    service.process.send_signal(signal.SIGTERM)
    time.sleep(0.5)
    sock.sendall(body[10:])
    sock.settimeout(10)
    answer = b""
    while b"\r\n\r\n" not in answer or not answer.rstrip().endswith(b"}"):
        chunk = sock.recv(65536)
        if not chunk:
            break
        answer += chunk
    sock.close()
    exit_code = service.process.wait(timeout=30)

    # THEN the write was answered in full, and the process exited after its shutdown
    # (uvicorn ends by re-raising the signal it handled, so the status says SIGTERM)
    assert answer.startswith(b"HTTP/1.1 200"), answer[:200]
    assert b'"version":2' in answer
    assert exit_code in (0, -signal.SIGTERM)
    assert "Application shutdown complete" in service.log()
    # and the key's last use was written on the way out
    engine = create_engine(service.database_url)
    with engine.connect() as connection:
        last_used = connection.execute(
            text("SELECT last_used_at FROM api_keys WHERE id = :id"),
            {"id": service.admin_key.split("_")[1]},
        ).scalar_one()
        value_version = connection.execute(
            text("SELECT version FROM secrets WHERE id = :id"), {"id": secret["id"]}
        ).scalar_one()
    engine.dispose()
    assert last_used is not None
    assert value_version == 2
