"""Migration steps every service's first revision shares: the outbox and inbox tables.

These describe the tables as they were first shipped. Never edit them: a later change to the
outbox or inbox is a new function here, called from a new revision in each service.
"""

import sqlalchemy as sa
from alembic import op


def create_outbox_v1() -> None:
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("event_id", sa.String(64), nullable=False, unique=True),
        sa.Column("event_type", sa.String(200), nullable=False),
        sa.Column("topic", sa.String(200), nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("available_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claim_token", sa.String(64)),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("last_error", sa.Text()),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True)),
    )
    op.create_index("ix_outbox_due", "outbox", ["status", "available_at"])


def drop_outbox_v1() -> None:
    op.drop_index("ix_outbox_due", table_name="outbox")
    op.drop_table("outbox")


def create_inbox_v1() -> None:
    op.create_table(
        "inbox",
        sa.Column("event_id", sa.String(64), primary_key=True),
        sa.Column("consumer", sa.String(100), primary_key=True),
        sa.Column("event_type", sa.String(200), nullable=False),
        sa.Column("handled_at", sa.DateTime(timezone=True), nullable=False),
    )


def drop_inbox_v1() -> None:
    op.drop_table("inbox")


def create_messaging_v2() -> None:
    """Indexes for order by construction (a key's older unsent rows) and for the purges."""
    op.create_index("ix_outbox_key", "outbox", ["key", "id"])
    op.create_index("ix_outbox_sent_at", "outbox", ["sent_at"])
    op.create_index("ix_inbox_handled_at", "inbox", ["handled_at"])


def drop_messaging_v2() -> None:
    op.drop_index("ix_inbox_handled_at", table_name="inbox")
    op.drop_index("ix_outbox_sent_at", table_name="outbox")
    op.drop_index("ix_outbox_key", table_name="outbox")


def create_outbox_only_v2() -> None:
    """The same for a service with an outbox and no inbox (partners)."""
    op.create_index("ix_outbox_key", "outbox", ["key", "id"])
    op.create_index("ix_outbox_sent_at", "outbox", ["sent_at"])


def drop_outbox_only_v2() -> None:
    op.drop_index("ix_outbox_sent_at", table_name="outbox")
    op.drop_index("ix_outbox_key", table_name="outbox")


def create_people_v1(table: str) -> None:
    """The read copy of the people directory (kit/people.py `PersonCopyBase`), for a service that keeps one
    (each under its own name: the services' models share one metadata)."""
    op.create_table(
        table,
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("username", sa.String(64), nullable=False, unique=True),
        sa.Column("display_name", sa.String(200)),
        sa.Column("email", sa.String(320)),
        sa.Column("language", sa.String(8)),
        sa.Column("teams", sa.JSON(), nullable=False),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
    )


def drop_people_v1(table: str) -> None:
    op.drop_table(table)
