"""idempotency records are found by what they created, to forget them when it is deleted

Revision ID: i10_idempotency_target_index
Revises: i13_secret_type
Create Date: 2026-12-02 07:00:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "i10_idempotency_target_index"
down_revision: str | None = "i13_secret_type"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Deleting an object drops the records of the creates that made it (by target).
    op.create_index(
        op.f("ix_idempotency_records_target"), "idempotency_records", ["target"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_idempotency_records_target"), table_name="idempotency_records")
