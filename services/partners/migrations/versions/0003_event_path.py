"""The event path: relationship versions, per-contact keys (crypto-shredding), outbox indexes.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

from services.kit import migration_ops

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("relationships") as batch:
        batch.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))
    op.create_table(
        "contact_keys",
        sa.Column("contact_id", sa.Uuid(), primary_key=True),
        sa.Column("key", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    migration_ops.create_outbox_only_v2()


def downgrade() -> None:
    migration_ops.drop_outbox_only_v2()
    op.drop_table("contact_keys")
    with op.batch_alter_table("relationships") as batch:
        batch.drop_column("version")
