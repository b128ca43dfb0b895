"""secrets.kind is secrets.type, as the API has always called it

Revision ID: i13_secret_type
Revises: i14_key_list_index
Create Date: 2026-12-01 23:00:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "i13_secret_type"
down_revision: str | None = "i14_key_list_index"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("secrets") as batch:
        batch.alter_column("kind", new_column_name="type")


def downgrade() -> None:
    with op.batch_alter_table("secrets") as batch:
        batch.alter_column("type", new_column_name="kind")
