"""The people directory: users' e-mail and language, and the outbox that publishes them
(liaison.directory.v1, gateway/directory.py).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

from services.kit import migration_ops

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("email", sa.String(320), nullable=True))
        batch.add_column(sa.Column("language", sa.String(8), nullable=True))
    migration_ops.create_outbox_v1()
    migration_ops.create_outbox_only_v2()


def downgrade() -> None:
    migration_ops.drop_outbox_only_v2()
    migration_ops.drop_outbox_v1()
    with op.batch_alter_table("users") as batch:
        batch.drop_column("language")
        batch.drop_column("email")
