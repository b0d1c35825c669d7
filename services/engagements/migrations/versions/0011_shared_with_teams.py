"""Restricted engagements shared with teams (issue 13, Teams): `engagements.shared_with_teams` (the
team ids, as the API shows them) and `engagement_teams` (one row per team, what `access.visible_to`
joins on, as `engagement_officers` for officers).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ALTER TABLE, as in 0003, 0005 and 0009: a batch rebuild of `engagements` would cascade-delete.
    op.add_column("engagements", sa.Column("shared_with_teams", sa.JSON(), nullable=False, server_default="[]"))
    op.create_table(
        "engagement_teams",
        sa.Column("engagement_id", sa.Uuid(), sa.ForeignKey("engagements.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("team_id", sa.Uuid(), primary_key=True),
    )
    op.create_index("ix_engagement_teams_team", "engagement_teams", ["team_id", "engagement_id"])


def downgrade() -> None:
    op.drop_index("ix_engagement_teams_team", "engagement_teams")
    op.drop_table("engagement_teams")
    op.execute("ALTER TABLE engagements DROP COLUMN shared_with_teams")
