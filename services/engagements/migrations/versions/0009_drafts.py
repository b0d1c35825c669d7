"""Draft engagements (issue 13, log by e-mail): a message sent to the Liaison address becomes a draft
for its sender, kept out of lists and events until the sender confirms it.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ALTER TABLE, as in 0003 and 0005: a batch rebuild of `engagements` would cascade-delete.
    op.add_column("engagements", sa.Column("draft", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_index("ix_engagements_drafts", "engagements", ["created_by", "draft"])


def downgrade() -> None:
    op.drop_index("ix_engagements_drafts", "engagements")
    op.execute("DELETE FROM engagements WHERE draft")
    op.execute("ALTER TABLE engagements DROP COLUMN draft")
