"""Idempotency keys derived per resource instance."""

from __future__ import annotations

from typing import Any

from keyhouse_provider.connection import Connection


def _connection(api_key: str = "kh_key") -> Connection:
    return Connection("http://127.0.0.1:1", api_key, timeout=1, max_retries=0)


def test_the_same_request_gets_the_same_key_in_any_process() -> None:
    body = {"name": "n", "value": "secret-value", "project": None}
    one = _connection().idempotency_key("keyhouse_secret", body)
    assert one == _connection().idempotency_key("keyhouse_secret", dict(reversed(body.items())))
    assert one.startswith("tf-keyhouse_secret-")
    assert len(one) <= 255
    assert "secret-value" not in one


def test_anything_else_gets_another_key() -> None:
    connection = _connection()
    body = {"name": "n"}
    keys = {
        connection.idempotency_key("keyhouse_secret", body),
        connection.idempotency_key("keyhouse_role", body),
        connection.idempotency_key("keyhouse_secret", {"name": "m"}),
        connection.idempotency_key("keyhouse_secret", body, after="gone-id"),
        _connection("kh_other").idempotency_key("keyhouse_secret", body),
    }
    assert len(keys) == 5


def test_the_connection_never_shows_its_key() -> None:
    connection = _connection("kh_very_secret")
    assert "kh_very_secret" not in repr(connection)
    assert "kh_very_secret" not in repr(vars(connection))


def test_only_an_https_service_gets_certificate_verification() -> None:
    import ssl

    def verify_mode(url: str) -> ssl.VerifyMode:
        connection = Connection(url, "kh_key", timeout=1, max_retries=0)
        try:
            transport: Any = connection._http._transport  # httpx's: no public way to ask
            mode: ssl.VerifyMode = transport._pool._ssl_context.verify_mode
            return mode
        finally:
            connection.close()

    assert verify_mode("https://keyhouse.example") == ssl.CERT_REQUIRED
    assert verify_mode("HTTPS://keyhouse.example") == ssl.CERT_REQUIRED
    assert verify_mode("http://127.0.0.1:1") == ssl.CERT_NONE  # never uses TLS
