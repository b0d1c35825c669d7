"""Outbox rows and deliveries keep their trace context (kit/tracing.py): the relay's span and the
delivery's continue the trace of the request or the event that made them.

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
    for table in ("outbox", "deliveries"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("traceparent", sa.String(length=64), nullable=True))


def downgrade() -> None:
    for table in ("deliveries", "outbox"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("traceparent")
