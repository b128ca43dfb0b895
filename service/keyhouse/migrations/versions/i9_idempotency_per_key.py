"""idempotency records belong to the API key that made the request

Revision ID: i9_idempotency_per_key
Revises: 0002
Create Date: 2026-12-02 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "i9_idempotency_per_key"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Records made before this revision carry no key id and cannot be told apart
    # by key; they only cache responses for the idempotency window, so they go.
    op.execute(sa.text("DELETE FROM idempotency_records"))
    with op.batch_alter_table("idempotency_records", schema=None) as batch_op:
        batch_op.drop_constraint("uq_idempotency_records_principal_key", type_="unique")
        batch_op.add_column(sa.Column("api_key_id", sa.String(length=16), nullable=False))
        batch_op.add_column(sa.Column("target", sa.String(length=400), nullable=True))
        batch_op.create_unique_constraint(
            "uq_idempotency_records_api_key_key", ["api_key_id", "key"]
        )


def downgrade() -> None:
    op.execute(sa.text("DELETE FROM idempotency_records"))
    with op.batch_alter_table("idempotency_records", schema=None) as batch_op:
        batch_op.drop_constraint("uq_idempotency_records_api_key_key", type_="unique")
        batch_op.drop_column("target")
        batch_op.drop_column("api_key_id")
        batch_op.create_unique_constraint(
            "uq_idempotency_records_principal_key", ["principal_id", "key"]
        )
