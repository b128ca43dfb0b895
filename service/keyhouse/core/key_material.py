"""The database's side of the master key ring: the current version and the derivation root.

See ``models.KeyMaterial``. Writers that seal a value ask ``sealing_version``
in their transaction: it reads the current version under a shared lock, which
a rotation's change of the version waits for, so that no value is sealed
under the old key after the rotation has begun re-wrapping.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from keyhouse.core.crypto import Envelope, Sealed
from keyhouse.models import KeyMaterial

ROOT_BINDING = "keyhouse/key-material/root"


def load_root(session: Session, envelope: Envelope) -> bytes:
    """The derivation root kept in the database; stored there first from the first key.

    Also checks that this process holds the master key version the database names.
    """
    row = session.get(KeyMaterial, 1)
    if row is None:
        # A database from before key versions (or a new one): its digests were
        # derived from the first master key, which becomes the root.
        root = envelope.root
        sealed = envelope.seal(root, ROOT_BINDING)
        session.add(
            KeyMaterial(
                id=1,
                master_key_version=envelope.current_version,
                root_key_version=sealed.key_version,
                wrapped_root=sealed.wrapped_key + sealed.ciphertext,
            )
        )
        session.flush()
        return root
    envelope.key(row.master_key_version)  # raises MasterKeyError when missing
    return open_root(envelope, row)


def open_root(envelope: Envelope, row: KeyMaterial) -> bytes:
    """Decrypt the stored root."""
    split = 12 + 32 + 16  # nonce, wrapped data key, tag
    sealed = Sealed(row.wrapped_root[:split], row.wrapped_root[split:], row.root_key_version)
    return envelope.open(sealed, ROOT_BINDING)


def seal_root(envelope: Envelope, root: bytes, version: int) -> tuple[int, bytes]:
    """The root sealed under master key ``version``: (version, stored bytes)."""
    sealed = envelope.seal(root, ROOT_BINDING, version)
    return sealed.key_version, sealed.wrapped_key + sealed.ciphertext


def sealing_version(session: Session, envelope: Envelope) -> int:
    """The master key version to seal under now (read under a shared row lock)."""
    version = session.scalar(
        select(KeyMaterial.master_key_version).where(KeyMaterial.id == 1).with_for_update(read=True)
    )
    if version is None:
        return envelope.current_version
    # Newer than this process knows: another process rotated, the ring's source has it.
    # Older: a rotation is writing the key file before it names the new version here.
    envelope.key(version)
    return version
