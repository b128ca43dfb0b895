"""api keys are found by their digest

Revision ID: i9_api_key_digest_index
Revises: i15_master_key_versions
Create Date: 2026-12-02 14:00:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "i9_api_key_digest_index"
down_revision: str | None = "i15_master_key_versions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Digests are HMACs of distinct random keys: existing rows never collide.
    op.create_index(op.f("ix_api_keys_digest"), "api_keys", ["digest"], unique=True)


def downgrade() -> None:
    op.drop_index(op.f("ix_api_keys_digest"), table_name="api_keys")
