"""The read copy of the people directory (liaison.directory.v1): who officers, assignees and
recipients are, by id, with their display names.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

from services.kit import migration_ops

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    migration_ops.create_people_v1("known_people")


def downgrade() -> None:
    migration_ops.drop_people_v1("known_people")
