"""A partner's owning team (issue 13, Teams): `partners.owner_team_id`, a team of the people
directory, which the gateway keeps (gateway migration 0006). Nullable: no partner has one yet.

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
    op.add_column("partners", sa.Column("owner_team_id", sa.Uuid(), nullable=True))
    op.create_index("ix_partners_owner_team", "partners", ["owner_team_id"])


def downgrade() -> None:
    op.drop_index("ix_partners_owner_team", "partners")
    # Plain ALTER TABLE (SQLite 3.35+ and PostgreSQL): a batch rebuild of `partners` would cascade-delete.
    op.execute("ALTER TABLE partners DROP COLUMN owner_team_id")
