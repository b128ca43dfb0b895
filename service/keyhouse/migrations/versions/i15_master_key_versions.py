"""master key versions: the version each data key is wrapped under, and the key material row

Revision ID: i15_master_key_versions
Revises: i14_console_sessions
Create Date: 2026-12-01 23:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "i15_master_key_versions"
down_revision: str | None = "i14_console_sessions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("secrets") as batch:
        batch.add_column(sa.Column("key_version", sa.Integer(), server_default="1", nullable=False))
    with op.batch_alter_table("idempotency_records") as batch:
        batch.add_column(sa.Column("key_version", sa.Integer(), server_default="1", nullable=False))
    # Its row is written by the service at start (it needs the master key).
    op.create_table(
        "key_material",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("master_key_version", sa.Integer(), nullable=False),
        sa.Column("root_key_version", sa.Integer(), nullable=False),
        sa.Column("wrapped_root", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_key_material")),
    )


def downgrade() -> None:
    op.drop_table("key_material")
    with op.batch_alter_table("idempotency_records") as batch:
        batch.drop_column("key_version")
    with op.batch_alter_table("secrets") as batch:
        batch.drop_column("key_version")
