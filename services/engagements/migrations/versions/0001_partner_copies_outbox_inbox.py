"""Partner read copy, outbox and inbox.

Revision ID: 0001
Revises:
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

from services.kit import migration_ops

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "partner_copies",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("name_fr", sa.String(300)),
        sa.Column("name_en", sa.String(300)),
        sa.Column("acronyms", sa.JSON(), nullable=False),
        sa.Column("aliases", sa.JSON(), nullable=False),
        sa.Column("country", sa.String(2)),
        sa.Column("region", sa.String(32)),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
    )
    migration_ops.create_outbox_v1()
    migration_ops.create_inbox_v1()


def downgrade() -> None:
    migration_ops.drop_inbox_v1()
    migration_ops.drop_outbox_v1()
    op.drop_table("partner_copies")
