"""key rotation: rolled keys and the audit log's second resource

A roll keeps the old key (same name, same owner) beside its replacement until
the overlap ends, so key names become unique among an owner's current keys
only: the unique constraint turns into a partial unique index over keys that
were not replaced.

Revision ID: i12_key_rotation
Revises: i9_api_key_digest_index
Create Date: 2026-12-02 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "i12_key_rotation"
down_revision: str | None = "i9_api_key_digest_index"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_CURRENT = sa.text("replaced_by IS NULL")


def upgrade() -> None:
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.add_column(sa.Column("replaced_by", sa.String(length=16), nullable=True))
        batch_op.drop_constraint("uq_api_keys_owner_name", type_="unique")
    op.create_index(
        "uq_api_keys_owner_name",
        "api_keys",
        ["owner_id", "name"],
        unique=True,
        sqlite_where=_CURRENT,
        postgresql_where=_CURRENT,
    )
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("related", sa.String(length=400), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_column("related")
    # Rolled keys share their name with their replacement: they cannot stay.
    op.execute(sa.text("DELETE FROM api_keys WHERE replaced_by IS NOT NULL"))
    op.drop_index("uq_api_keys_owner_name", table_name="api_keys")
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.create_unique_constraint("uq_api_keys_owner_name", ["owner_id", "name"])
        batch_op.drop_column("replaced_by")
