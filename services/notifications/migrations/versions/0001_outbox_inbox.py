"""Outbox and inbox: the notifications service's messaging tables.

Revision ID: 0001
Revises:
Create Date: 2026-11-26
"""

from services.kit import migration_ops

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    migration_ops.create_outbox_v1()
    migration_ops.create_inbox_v1()


def downgrade() -> None:
    migration_ops.drop_inbox_v1()
    migration_ops.drop_outbox_v1()
