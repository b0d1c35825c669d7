"""The duplicate review queue: pairs an administrator dismissed as not duplicates.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "duplicate_dismissals",
        sa.Column("first_id", sa.Uuid(), sa.ForeignKey("partners.id"), primary_key=True),
        sa.Column("second_id", sa.Uuid(), sa.ForeignKey("partners.id"), primary_key=True),
        sa.Column("dismissed_by", sa.String(200)),
        sa.Column("dismissed_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("duplicate_dismissals")
