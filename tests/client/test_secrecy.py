"""Keys and secret values never show in a repr, str or dump of the generated models.

The service marks each field that carries one (``x-sensitive``); the generator
makes it a ``pydantic.SecretStr``, read only through ``get_secret_value()``.
"""

from __future__ import annotations

import json
import typing
from pathlib import Path

from pydantic import BaseModel, SecretStr

from keyhouse_client import Keyhouse, models
from tests.client.conftest import same_secret
from tests.support.actors import unique
from tests.support.keyhouse_server import KeyhouseServer

SPEC = Path(__file__).resolve().parents[2] / "client" / "openapi.json"
# Every field of the API that carries an API key or a secret value.
CARRIERS = {
    ("ApiKeyCreated", "key"),
    ("ApiKeyRolled", "key"),
    ("SecretValue", "value"),
    ("SecretCreate", "value"),
    ("SecretValueUpdate", "value"),
    ("VerifyRequest", "key"),
}


def sensitive_fields() -> set[tuple[str, str]]:
    """The (schema, property) pairs client/openapi.json marks ``x-sensitive``."""
    schemas = json.loads(SPEC.read_text())["components"]["schemas"]
    return {
        (schema, name)
        for schema, body in schemas.items()
        for name, prop in body.get("properties", {}).items()
        if prop.get("x-sensitive") is True
    }


def test_the_service_marks_every_field_that_carries_a_key_or_a_value() -> None:
    assert sensitive_fields() == CARRIERS


def test_every_marked_field_is_a_secret_str() -> None:
    for schema, name in sensitive_fields():
        model: type[BaseModel] = getattr(models, schema)
        annotation = model.model_fields[name].annotation
        assert annotation is SecretStr or SecretStr in typing.get_args(annotation), (schema, name)


def shows(model: BaseModel, plaintext: str) -> list[str]:
    """The renderings of ``model`` that contain ``plaintext``."""
    renderings = {
        "repr": repr(model),
        "str": str(model),
        "model_dump": str(model.model_dump()),
        "model_dump_json": model.model_dump_json(),
    }
    return [name for name, text in renderings.items() if plaintext in text]


def test_a_new_key_is_hidden_until_asked_for(kh: Keyhouse, sqlite_service: KeyhouseServer) -> None:
    created = kh.api_keys.create(name=unique("hidden"), scopes=["job"])
    plaintext = created.key.get_secret_value()
    assert plaintext.startswith(f"kh_{created.id}_")
    assert shows(created, plaintext) == []
    assert shows(created, created.key.get_secret_value()[len(created.prefix) :]) == []
    assert "**********" in repr(created)
    # The SecretStr is handed on as it is: as a client's key and as an argument.
    with Keyhouse(base_url=sqlite_service.url, api_key=created.key) as holder:
        assert holder.keys.whoami().key.id == created.id
    assert kh.keys.verify(key=created.key).valid


def test_a_secret_value_is_hidden_until_asked_for(kh: Keyhouse) -> None:
    value = f"s3cr3t-{unique('v')}"
    created = kh.secrets.create(name=f"hidden/{unique('s')}", value=SecretStr(value))
    read = kh.secrets.get_value(secret_id=created.id)
    same_secret(read.value.get_secret_value(), value, "the value read back")
    assert shows(read, value) == []

    # A value read is written on as it is, not as its mask.
    kh.secrets.put_value(secret_id=created.id, value=read.value)
    again = kh.secrets.get_value(secret_id=created.id)
    assert again.version == 2
    same_secret(again.value.get_secret_value(), value, "the value written back")
