"""Secret calendar addresses, one row per address made (the secret's hash only).

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
        "calendar_feeds",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("username", sa.String(200), nullable=False),
        sa.Column("secret_hash", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_calendar_feeds_username", "calendar_feeds", ["username"])
    op.create_index("ix_calendar_feeds_secret_hash", "calendar_feeds", ["secret_hash"], unique=True)


def downgrade() -> None:
    op.drop_index("ix_calendar_feeds_secret_hash", table_name="calendar_feeds")
    op.drop_index("ix_calendar_feeds_username", table_name="calendar_feeds")
    op.drop_table("calendar_feeds")
