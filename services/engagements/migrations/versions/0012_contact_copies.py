"""Contacts' e-mail addresses, kept from partner events, to match an e-mail's recipients (log by e-mail).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "contact_copies",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("partner_id", sa.Uuid(), nullable=False),
        sa.Column("email", sa.String(320), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
    )
    op.create_index("ix_contact_copies_email", "contact_copies", ["email"])


def downgrade() -> None:
    op.drop_index("ix_contact_copies_email", "contact_copies")
    op.drop_table("contact_copies")
