"""Agreement renewal reminders: a reminder may go to several people (the agreement's officers and author).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("reminders") as batch:
        batch.add_column(sa.Column("recipients", sa.JSON()))


def downgrade() -> None:
    with op.batch_alter_table("reminders") as batch:
        batch.drop_column("recipients")
