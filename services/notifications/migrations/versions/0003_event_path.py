"""The event path: outbox and inbox indexes for order by construction and the purges; deliveries get
the version their events carry.

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
    migration_ops.create_messaging_v2()
    with op.batch_alter_table("deliveries") as batch:
        batch.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("deliveries") as batch:
        batch.drop_column("version")
    migration_ops.drop_messaging_v2()
