"""The read copy of the people directory (liaison.directory.v1): who officers, assignees and
recipients are, by id, with their display names.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

from services.kit import migration_ops

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    migration_ops.create_people_v1("people")


def downgrade() -> None:
    migration_ops.drop_people_v1("people")
