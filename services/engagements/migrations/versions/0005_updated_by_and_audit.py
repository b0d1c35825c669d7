"""Who changed an engagement or a follow-up last (`updated_by`), and the audit trail of every change.

Columns change with plain ALTER TABLE, as in 0003: rebuilding `engagements` in batch mode would
cascade-delete the rows that reference it.

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
    for table in ("engagements", "follow_ups"):
        op.add_column(table, sa.Column("updated_by", sa.String(200)))
    # Rows never changed were last written by their author; who changed the others is not known (null).
    op.execute("UPDATE engagements SET updated_by = created_by WHERE version = 1")
    op.execute("UPDATE follow_ups SET updated_by = created_by WHERE version = 1")
    # No foreign key to engagements: the trail outlives a deleted engagement (who deleted it, and when).
    op.create_table(
        "engagement_audit_entries",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("engagement_id", sa.Uuid(), nullable=False),
        sa.Column("entity_type", sa.String(16), nullable=False),
        sa.Column("entity_id", sa.String(64), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.Column("restricted", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("actor", sa.String(200)),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_engagement_audit_entries_engagement_id", "engagement_audit_entries", ["engagement_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_engagement_audit_entries_engagement_id", "engagement_audit_entries")
    op.drop_table("engagement_audit_entries")
    for table in ("follow_ups", "engagements"):
        op.execute(f"ALTER TABLE {table} DROP COLUMN updated_by")
