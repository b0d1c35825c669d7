"""Search and history at scale: a partner's engagements newest first straight from an index.

`engagement_partners.starts_at` copies its engagement's start (the model keeps it in step), so a
partner's history is the first rows of `ix_engagement_partners_recent` (partner, start, engagement)
instead of all its engagements sorted. That index replaces `ix_engagement_partners_partner`, whose
lookups (partner -> engagements) it serves as well.

Plain ALTER TABLE, as in 0003: rebuilding a table in batch mode would cascade-delete what references it.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("engagement_partners", sa.Column("starts_at", sa.DateTime(timezone=True)))
    op.execute(
        "UPDATE engagement_partners SET starts_at = "
        "(SELECT starts_at FROM engagements WHERE engagements.id = engagement_partners.engagement_id)"
    )
    op.drop_index("ix_engagement_partners_partner", table_name="engagement_partners")
    op.create_index(
        "ix_engagement_partners_recent", "engagement_partners", ["partner_id", "starts_at", "engagement_id"]
    )
    if op.get_bind().dialect.name == "postgresql":
        # Planner statistics on the text search column: the default 100 most common lexemes are too few
        # to tell a rare word from a common one across a million engagements.
        op.execute("ALTER TABLE engagements ALTER COLUMN search_vector SET STATISTICS 1000")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE engagements ALTER COLUMN search_vector SET STATISTICS -1")
    op.drop_index("ix_engagement_partners_recent", table_name="engagement_partners")
    op.create_index("ix_engagement_partners_partner", "engagement_partners", ["partner_id", "engagement_id"])
    op.drop_column("engagement_partners", "starts_at")
