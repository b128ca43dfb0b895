"""``keyhouse master-key rotate``: re-wrap every data key under a new master key, live.

The steps, each safe to crash after (running the command again finishes the job):

1. a new key is added to the key file (which then holds old and new);
2. the database names the new version current. That update waits for every
   transaction that is sealing a value under the old version (they read the
   version under a shared lock, see core/key_material.py); every later one
   seals under the new key, after reading it from the key file;
3. every secret and stored idempotent response still under an older version
   is re-wrapped, in small batches, each row under its lock (the value's
   ciphertext is untouched: only its data key is wrapped anew);
4. the key file is rewritten with the new key alone: the old one is retired.

API keys keep working throughout: their digests' pepper derives from the root
kept in the database (``models.KeyMaterial``), which step 2 re-wraps too.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from keyhouse.core.config import Settings
from keyhouse.core.crypto import (
    KEY_BYTES,
    MasterKeyError,
    Sealed,
    load_keyring,
    write_key_file,
)
from keyhouse.core.db import locked
from keyhouse.core.key_material import open_root, seal_root
from keyhouse.core.state import AppState
from keyhouse.models import IdempotencyRecord, KeyMaterial, Secret

BATCH = 100


@dataclass(frozen=True)
class RotationDone:
    """What a rotation did."""

    old_versions: list[int]
    new_version: int
    secrets: int
    idempotency_records: int


def rotate_master_key(
    settings: Settings, state: AppState, progress: Callable[[str], None] = lambda _: None
) -> RotationDone:
    """Rotate to a new master key version; ``state`` is open on the migrated database."""
    if settings.master_key:
        raise MasterKeyError(
            "KEYHOUSE_MASTER_KEY is set: live rotation rewrites the key file, which every "
            "replica reads. Use KEYHOUSE_MASTER_KEY_FILE (or rotate by hand: see the README)"
        )
    path = settings.master_key_file
    ring = load_keyring(None, path)
    old_versions = sorted(ring)
    new_version = max(ring) + 1
    ring[new_version] = os.urandom(KEY_BYTES)
    write_key_file(path, ring)  # 1
    progress(f"added master key version {new_version} to {path}")
    envelope = state.envelope
    envelope.key(new_version)  # reloads the ring from the file

    with state.sessions() as session, session.begin():  # 2
        row = locked(session, KeyMaterial, 1)
        if row is None:
            raise MasterKeyError("the database has no key material row: start the service once")
        root = open_root(envelope, row)
        row.root_key_version, row.wrapped_root = seal_root(envelope, root, new_version)
        row.master_key_version = new_version
    progress(f"version {new_version} is current; re-wrapping data keys")

    secrets = _rewrap_all(state, Secret, new_version, progress)  # 3
    records = _rewrap_all(state, IdempotencyRecord, new_version, progress)
    with state.sessions() as session:
        left = session.scalar(
            select(func.count()).select_from(Secret).where(Secret.key_version < new_version)
        )
    if left:
        raise MasterKeyError(f"{left} secrets are still under an old key; run the command again")

    write_key_file(path, {new_version: ring[new_version]})  # 4
    progress(f"retired master key version(s) {', '.join(map(str, old_versions))}")
    return RotationDone(old_versions, new_version, secrets, records)


def _rewrap_all(
    state: AppState,
    model: type[Secret] | type[IdempotencyRecord],
    version: int,
    progress: Callable[[str], None],
) -> int:
    done = 0
    while True:
        with state.sessions() as session, session.begin():
            rows: Sequence[Any] = session.scalars(
                select(model)
                .where(model.key_version < version)
                .limit(BATCH)
                .with_for_update(of=model)
                .execution_options(populate_existing=True)
            ).all()
            for row in rows:
                sealed = state.envelope.rewrap(
                    Sealed(row.wrapped_key, row.ciphertext, row.key_version), row.id, version
                )
                row.wrapped_key, row.key_version = sealed.wrapped_key, sealed.key_version
        if not rows:
            return done
        done += len(rows)
        progress(f"  {model.__tablename__}: {done} re-wrapped")
