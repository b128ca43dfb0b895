"""api key and secret lists walk an index in their order

Revision ID: i14_key_list_index
Revises: i12_key_rotation
Create Date: 2026-12-02 03:00:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "i14_key_list_index"
down_revision: str | None = "i12_key_rotation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # One index per way a caller sees a key (owner, creator), each in the lists'
    # order: a page reads its rows off the index instead of sorting every key.
    # The creator's index starts with created_by_id, so it also serves the
    # foreign key the single-column index served.
    op.create_index(
        "ix_api_keys_owner_list", "api_keys", ["owner_id", "created_at", "id"], unique=False
    )
    op.create_index(
        "ix_api_keys_created_by_list",
        "api_keys",
        ["created_by_id", "created_at", "id"],
        unique=False,
    )
    op.drop_index(op.f("ix_api_keys_created_by_id"), table_name="api_keys")
    # Secrets likewise: private ones by namespace, shared ones in list order.
    op.create_index(
        "ix_secrets_namespace_list", "secrets", ["namespace", "created_at", "id"], unique=False
    )
    op.create_index("ix_secrets_list", "secrets", ["created_at", "id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_secrets_list", table_name="secrets")
    op.drop_index("ix_secrets_namespace_list", table_name="secrets")
    op.create_index(op.f("ix_api_keys_created_by_id"), "api_keys", ["created_by_id"], unique=False)
    op.drop_index("ix_api_keys_created_by_list", table_name="api_keys")
    op.drop_index("ix_api_keys_owner_list", table_name="api_keys")
