"""Envelope encryption of secret values with AES-256-GCM.

Each value is encrypted under its own random data key; the data key is
encrypted ("wrapped") under the master key. The owning row's id is bound in as
associated data on both layers, so a ciphertext copied to another row does not
decrypt.
"""

from __future__ import annotations

import base64
import binascii
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

NONCE_BYTES = 12
KEY_BYTES = 32


class MasterKeyError(RuntimeError):
    """The master key is missing, unreadable or malformed."""


class DecryptionError(RuntimeError):
    """A ciphertext did not authenticate under the master key and its row id."""


@dataclass(frozen=True, slots=True)
class Sealed:
    """An encrypted value: the wrapped data key and the value's ciphertext (nonce first)."""

    wrapped_key: bytes
    ciphertext: bytes


class Envelope:
    """Seals and opens values under a master key."""

    def __init__(self, master_key: bytes) -> None:
        if len(master_key) != KEY_BYTES:
            raise MasterKeyError(f"the master key must be {KEY_BYTES} bytes, got {len(master_key)}")
        self._master = AESGCM(master_key)
        self._master_bytes = master_key

    def derive(self, purpose: str) -> bytes:
        """A 32-byte subkey of the master key for ``purpose`` (HKDF-SHA-256)."""
        return HKDF(
            algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None, info=purpose.encode()
        ).derive(self._master_bytes)

    def seal(self, plaintext: bytes, bound_to: str) -> Sealed:
        """Encrypt ``plaintext`` under a new data key, bound to the row id ``bound_to``."""
        aad = bound_to.encode()
        data_key = AESGCM.generate_key(bit_length=256)
        value_nonce = os.urandom(NONCE_BYTES)
        key_nonce = os.urandom(NONCE_BYTES)
        ciphertext = value_nonce + AESGCM(data_key).encrypt(value_nonce, plaintext, aad)
        wrapped = key_nonce + self._master.encrypt(key_nonce, data_key, aad)
        return Sealed(wrapped_key=wrapped, ciphertext=ciphertext)

    def open(self, sealed: Sealed, bound_to: str) -> bytes:
        """Decrypt a value sealed for the row id ``bound_to``."""
        aad = bound_to.encode()
        try:
            data_key = self._master.decrypt(
                sealed.wrapped_key[:NONCE_BYTES], sealed.wrapped_key[NONCE_BYTES:], aad
            )
            return AESGCM(data_key).decrypt(
                sealed.ciphertext[:NONCE_BYTES], sealed.ciphertext[NONCE_BYTES:], aad
            )
        except InvalidTag as exc:
            raise DecryptionError(
                "stored ciphertext does not authenticate for this record"
            ) from exc


def load_master_key(configured: str | None, key_file: Path) -> bytes:
    """The master key from ``KEYHOUSE_MASTER_KEY``, or from ``key_file``.

    When neither exists the key file is created with a fresh random key and
    mode 0600 (created exclusively, so two starting processes cannot both write one).
    """
    if configured:
        return _decode_master_key(configured, "KEYHOUSE_MASTER_KEY")
    try:
        descriptor = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _decode_master_key(key_file.read_text().strip(), str(key_file))
    with os.fdopen(descriptor, "w") as handle:
        handle.write(base64.b64encode(os.urandom(KEY_BYTES)).decode() + "\n")
    return _decode_master_key(key_file.read_text().strip(), str(key_file))


def _decode_master_key(encoded: str, source: str) -> bytes:
    try:
        raw = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise MasterKeyError(f"{source} is not valid base64") from exc
    if len(raw) != KEY_BYTES:
        raise MasterKeyError(f"{source} must hold {KEY_BYTES} bytes of key, found {len(raw)}")
    return raw
