"""The event path: relationship copies carry their version and keep removals as tombstones;
outbox and inbox indexes for order by construction and the purges.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

from services.kit import migration_ops

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("partner_relationships") as batch:
        batch.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("removed", sa.Boolean(), nullable=False, server_default=sa.false()))
    migration_ops.create_messaging_v2()


def downgrade() -> None:
    migration_ops.drop_messaging_v2()
    with op.batch_alter_table("partner_relationships") as batch:
        batch.drop_column("removed")
        batch.drop_column("version")
