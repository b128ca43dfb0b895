"""API key material: format, generation, parsing and digests.

A key reads ``kh_<key id>_<secret><checksum>``:

* ``kh_`` is a fixed tag so that secret scanners recognise a leaked key;
* the key id (16 base32 characters) names the database row (in lists, in
  messages, in the audit log); verification looks the key up by its digest, one
  unique-index probe whatever the number of keys, so that a wrong secret for a
  real key id and an unknown key id are the same miss (domain/auth.py);
* the secret is 256 bits from the operating system's CSPRNG, base62-encoded;
* the checksum (CRC-32 of everything before it, base62) lets a mistyped key be
  refused without a database look-up.

Only an HMAC-SHA-256 digest of the whole key, under a pepper derived from the
master key, is stored.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import zlib
from dataclasses import dataclass

TAG = "kh_"
KEY_ID_LENGTH = 16
SECRET_LENGTH = 43
CHECKSUM_LENGTH = 6
DISPLAY_PREFIX_LENGTH = 12
_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_KEY_RE = re.compile(
    rf"^{TAG}(?P<key_id>[a-z2-7]{{{KEY_ID_LENGTH}}})_"
    rf"(?P<secret>[0-9A-Za-z]{{{SECRET_LENGTH}}})(?P<checksum>[0-9A-Za-z]{{{CHECKSUM_LENGTH}}})$"
)
KEY_ID_PATTERN = rf"^[a-z2-7]{{{KEY_ID_LENGTH}}}$"


def _base62(number: int, width: int) -> str:
    digits = []
    while number:
        number, remainder = divmod(number, 62)
        digits.append(_BASE62[remainder])
    return "".join(reversed(digits)).rjust(width, "0")


def _checksum(body: str) -> str:
    return _base62(zlib.crc32(body.encode("ascii")), CHECKSUM_LENGTH)


def new_key_id() -> str:
    """A fresh random key id (80 bits, base32, lowercase)."""
    return base64.b32encode(secrets.token_bytes(10)).decode("ascii").lower()


@dataclass(frozen=True, slots=True)
class NewKey:
    """A freshly generated key: its id, the plaintext (shown once) and its display prefix."""

    key_id: str
    plaintext: str

    @property
    def prefix(self) -> str:
        """The first characters of the key, safe to show in lists."""
        return self.plaintext[:DISPLAY_PREFIX_LENGTH]


def generate_key(key_id: str | None = None) -> NewKey:
    """Generate a new API key with a CSPRNG secret and a checksum."""
    key_id = key_id or new_key_id()
    secret = _base62(int.from_bytes(secrets.token_bytes(32), "big"), SECRET_LENGTH)
    body = f"{TAG}{key_id}_{secret}"
    return NewKey(key_id=key_id, plaintext=body + _checksum(body))


def parse_key_id(plaintext: str) -> str | None:
    """The key id of a well-formed key, or ``None`` when the format or checksum is wrong."""
    match = _KEY_RE.match(plaintext)
    if match is None:
        return None
    body = plaintext[:-CHECKSUM_LENGTH]
    if not hmac.compare_digest(_checksum(body), match["checksum"]):
        return None
    return match["key_id"]


DIGEST_LENGTH = 32
# Compared against when there is no stored digest, so that an unknown key costs
# the same as a known key with a wrong secret. Any value works: no key has it.
_NO_DIGEST = secrets.token_bytes(DIGEST_LENGTH)


def same_digest(candidate: bytes, stored: bytes | None) -> bool:
    """Whether ``candidate`` equals ``stored``, in constant time.

    The same work when ``stored`` is None (no row): one comparison of two digests.
    """
    if stored is None:
        hmac.compare_digest(candidate, _NO_DIGEST)
        return False
    return hmac.compare_digest(candidate, stored)


@dataclass(frozen=True, slots=True)
class PresentedKey:
    """A well-formed key as presented: its key id and its digest (the plaintext is not kept)."""

    key_id: str
    digest: bytes


class KeyDigester:
    """Computes and compares stored digests of API keys in constant time."""

    def __init__(self, pepper: bytes) -> None:
        self._pepper = pepper

    def digest(self, plaintext: str) -> bytes:
        """The HMAC-SHA-256 digest stored for a key."""
        return hmac.new(self._pepper, plaintext.encode("ascii"), hashlib.sha256).digest()

    def present(self, plaintext: str) -> PresentedKey | None:
        """The key id and digest of a well-formed key; None (and no digest) for a malformed one."""
        key_id = parse_key_id(plaintext)
        if key_id is None:
            return None
        return PresentedKey(key_id, self.digest(plaintext))

    def matches(self, plaintext: str, stored: bytes | None) -> bool:
        """Whether ``plaintext`` has digest ``stored``; the same work when ``stored`` is None."""
        return same_digest(self.digest(plaintext), stored)
