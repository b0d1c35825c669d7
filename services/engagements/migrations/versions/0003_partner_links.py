"""One storage for an engagement's partners: the link table, ordered, instead of a JSON copy of it.

`engagement_partners` gains `position` (the order the partners were given in) and
`engagements.partner_ids` goes. Data moves both ways: up, each engagement's links are rebuilt from
its JSON list (the list the API answered with); down, the list is rebuilt from the links in order.
Columns change with plain ALTER TABLE (SQLite 3.35+ drops columns in place): rebuilding
`engagements` in batch mode would cascade-delete the rows that reference it.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02
"""

import uuid

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

BATCH = 1000
engagements = sa.table("engagements", sa.column("id", sa.Uuid()), sa.column("partner_ids", sa.JSON()))
links = sa.table(
    "engagement_partners",
    sa.column("engagement_id", sa.Uuid()),
    sa.column("partner_id", sa.Uuid()),
    sa.column("position", sa.Integer()),
)


def _engagement_batches(connection, columns):
    """Engagements in id order, BATCH at a time (keyset), so a large table never sits in memory."""
    last = None
    while True:
        query = sa.select(*columns).order_by(engagements.c.id).limit(BATCH)
        if last is not None:
            query = query.where(engagements.c.id > last)
        rows = connection.execute(query).all()
        if not rows:
            return
        yield rows
        last = rows[-1][0]


def upgrade() -> None:
    op.add_column("engagement_partners", sa.Column("position", sa.Integer(), nullable=False, server_default="0"))
    connection = op.get_bind()
    for rows in _engagement_batches(connection, (engagements.c.id, engagements.c.partner_ids)):
        ids = [engagement_id for engagement_id, _ in rows]
        connection.execute(sa.delete(links).where(links.c.engagement_id.in_(ids)))
        ordered = [
            {"engagement_id": engagement_id, "partner_id": partner_id, "position": position}
            for engagement_id, partner_ids in rows
            for position, partner_id in enumerate(dict.fromkeys(uuid.UUID(str(p)) for p in partner_ids or []))
        ]
        if ordered:
            connection.execute(sa.insert(links), ordered)
    op.execute("ALTER TABLE engagements DROP COLUMN partner_ids")


def downgrade() -> None:
    op.add_column("engagements", sa.Column("partner_ids", sa.JSON(), nullable=False, server_default="[]"))
    connection = op.get_bind()
    for rows in _engagement_batches(connection, (engagements.c.id,)):
        ids = [engagement_id for (engagement_id,) in rows]
        named: dict[uuid.UUID, list[str]] = {engagement_id: [] for engagement_id in ids}
        for engagement_id, partner_id in connection.execute(
            sa.select(links.c.engagement_id, links.c.partner_id)
            .where(links.c.engagement_id.in_(ids))
            .order_by(links.c.engagement_id, links.c.position)
        ):
            named[engagement_id].append(str(partner_id))
        connection.execute(
            sa.update(engagements).where(engagements.c.id == sa.bindparam("engagement_id")),
            [
                {"engagement_id": engagement_id, "partner_ids": partner_ids}
                for engagement_id, partner_ids in named.items()
            ],
        )
    op.execute("ALTER TABLE engagement_partners DROP COLUMN position")
