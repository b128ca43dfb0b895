"""Envelope encryption of secret values with AES-256-GCM.

Each value is encrypted under its own random data key; the data key is
encrypted ("wrapped") under the master key. The owning row's id is bound in as
associated data on both layers, so a ciphertext copied to another row does not
decrypt.

Master keys are versioned (a key ring): each row records the version its data
key is wrapped under, new data keys are wrapped under the newest version, and
rotation re-wraps data keys without touching the values' ciphertexts. The key
file holds one ``<version>:<base64>`` line per key; a file of one bare base64
line (as first written) is version 1.
"""

from __future__ import annotations

import base64
import binascii
import os
import threading
from collections.abc import Callable
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
    key_version: int = 1


Keyring = dict[int, bytes]


class Envelope:
    """Seals and opens values under a ring of versioned master keys.

    ``reload`` (when given) reads the ring again: a version met in a row, or
    named as current by the database, that this process does not hold yet
    (another process rotated the key) is looked for there before failing.
    """

    def __init__(self, keys: Keyring | bytes, reload: Callable[[], Keyring] | None = None) -> None:
        ring = {1: keys} if isinstance(keys, bytes) else dict(keys)
        if not ring:
            raise MasterKeyError("no master key")
        for version, key in ring.items():
            if len(key) != KEY_BYTES:
                raise MasterKeyError(
                    f"master key version {version} must be {KEY_BYTES} bytes, got {len(key)}"
                )
        self._ring = {version: AESGCM(key) for version, key in ring.items()}
        self._bytes = ring
        self._reload = reload
        self._lock = threading.Lock()
        # The root of derived keys (see derive); replaced by the one kept in the database.
        self.root = ring[min(ring)]

    @property
    def current_version(self) -> int:
        """The newest master key's version: new data keys are wrapped under it."""
        return max(self._ring)

    def key(self, version: int) -> bytes:
        """The raw master key of ``version`` (looked for again in the ring's source)."""
        self._master(version)
        return self._bytes[version]

    def _master(self, version: int) -> AESGCM:
        found = self._ring.get(version)
        if found is None and self._reload is not None:
            with self._lock:
                for new_version, key in self._reload().items():
                    if new_version not in self._ring:
                        self._ring[new_version] = AESGCM(key)
                        self._bytes[new_version] = key
            found = self._ring.get(version)
        if found is None:
            raise MasterKeyError(f"master key version {version} is not in the key ring")
        return found

    def derive(self, purpose: str) -> bytes:
        """A 32-byte subkey of the root key for ``purpose`` (HKDF-SHA-256)."""
        return HKDF(
            algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None, info=purpose.encode()
        ).derive(self.root)

    def seal(self, plaintext: bytes, bound_to: str, version: int | None = None) -> Sealed:
        """Encrypt ``plaintext`` under a new data key, bound to the row id ``bound_to``.

        The data key is wrapped under master key ``version`` (default: the newest).
        """
        version = self.current_version if version is None else version
        aad = bound_to.encode()
        data_key = AESGCM.generate_key(bit_length=256)
        value_nonce = os.urandom(NONCE_BYTES)
        ciphertext = value_nonce + AESGCM(data_key).encrypt(value_nonce, plaintext, aad)
        return Sealed(self._wrap(data_key, aad, version), ciphertext, version)

    def _wrap(self, data_key: bytes, aad: bytes, version: int) -> bytes:
        key_nonce = os.urandom(NONCE_BYTES)
        return key_nonce + self._master(version).encrypt(key_nonce, data_key, aad)

    def _unwrap(self, sealed: Sealed, aad: bytes) -> bytes:
        master = self._master(sealed.key_version)
        try:
            return master.decrypt(
                sealed.wrapped_key[:NONCE_BYTES], sealed.wrapped_key[NONCE_BYTES:], aad
            )
        except InvalidTag as exc:
            raise DecryptionError(
                "stored ciphertext does not authenticate for this record"
            ) from exc

    def open(self, sealed: Sealed, bound_to: str) -> bytes:
        """Decrypt a value sealed for the row id ``bound_to``."""
        aad = bound_to.encode()
        data_key = self._unwrap(sealed, aad)
        try:
            return AESGCM(data_key).decrypt(
                sealed.ciphertext[:NONCE_BYTES], sealed.ciphertext[NONCE_BYTES:], aad
            )
        except InvalidTag as exc:
            raise DecryptionError(
                "stored ciphertext does not authenticate for this record"
            ) from exc

    def rewrap(self, sealed: Sealed, bound_to: str, version: int) -> Sealed:
        """The same value with its data key wrapped under master key ``version`` instead."""
        aad = bound_to.encode()
        return Sealed(
            self._wrap(self._unwrap(sealed, aad), aad, version), sealed.ciphertext, version
        )


def parse_keyring(text: str, source: str) -> Keyring:
    """The keys of a key file or of ``KEYHOUSE_MASTER_KEY``: ``<version>:<base64>`` lines
    (or commas), or one bare base64 key (version 1)."""
    entries = [part.strip() for part in text.replace(",", "\n").splitlines() if part.strip()]
    if len(entries) == 1 and ":" not in entries[0]:
        return {1: _decode_master_key(entries[0], source)}
    ring: Keyring = {}
    for number, entry in enumerate(entries, 1):
        version, sep, encoded = entry.partition(":")
        if not sep or not version.isdigit() or int(version) < 1:
            raise MasterKeyError(f"{source}: entry {number} must read <version>:<base64 key>")
        ring[int(version)] = _decode_master_key(encoded, f"{source} (version {version})")
    return ring


def format_keyring(ring: Keyring) -> str:
    """The key file's text for ``ring``, newest first."""
    return "".join(
        f"{version}:{base64.b64encode(key).decode()}\n"
        for version, key in sorted(ring.items(), reverse=True)
    )


def write_key_file(path: Path, ring: Keyring) -> None:
    """Replace the key file atomically (mode 0600): a crash leaves the old or the new one."""
    partial = path.with_name(f".{path.name}.new")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(format_keyring(ring))
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(partial, path)


def load_keyring(configured: str | None, key_file: Path) -> Keyring:
    """The key ring from ``KEYHOUSE_MASTER_KEY``, or from ``key_file`` (created if absent)."""
    if configured:
        return parse_keyring(configured, "KEYHOUSE_MASTER_KEY")
    load_master_key(None, key_file)  # creates the file on first start
    return parse_keyring(key_file.read_text(), str(key_file))


def load_master_key(configured: str | None, key_file: Path) -> bytes:
    """The first master key (the lowest version) from ``KEYHOUSE_MASTER_KEY`` or ``key_file``.

    When neither exists the key file is created with a fresh random key and
    mode 0600 (created exclusively, so two starting processes cannot both write one).
    """
    if configured:
        ring = parse_keyring(configured, "KEYHOUSE_MASTER_KEY")
        return ring[min(ring)]
    try:
        descriptor = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        ring = parse_keyring(key_file.read_text(), str(key_file))
        return ring[min(ring)]
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
