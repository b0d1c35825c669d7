"""Subscriptions, preferences, webhooks, the inbox, the delivery log and follow-up reminders.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def _at(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "recipients",
        sa.Column("user", sa.String(200), primary_key=True),
        sa.Column("email", sa.String(320)),
        sa.Column("language", sa.String(2), nullable=False),
        sa.Column("roles", sa.JSON(), nullable=False),
        sa.Column("has_preferences", sa.Boolean(), nullable=False),
        _at("updated_at"),
    )
    op.create_table(
        "subscriptions",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("user", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("target", sa.String(200), nullable=False),
        sa.Column("channels", sa.JSON(), nullable=False),
        sa.Column("rhythm", sa.String(16), nullable=False),
        _at("created_at"),
        sa.UniqueConstraint("user", "kind", "target", name="uq_subscriptions_user_kind_target"),
    )
    op.create_index("ix_subscriptions_user", "subscriptions", ["user"])
    op.create_index("ix_subscriptions_kind_target", "subscriptions", ["kind", "target"])
    op.create_table(
        "known_partners",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("name_fr", sa.String(300)),
        sa.Column("name_en", sa.String(300)),
        sa.Column("region", sa.String(32)),
        sa.Column("merged_into", sa.Uuid()),
        sa.Column("version", sa.Integer(), nullable=False),
        _at("received_at"),
    )
    op.create_table(
        "webhooks",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("owner", sa.String(200), nullable=False),
        sa.Column("url", sa.String(2000), nullable=False),
        sa.Column("secret", sa.String(200), nullable=False),
        sa.Column("event_types", sa.JSON(), nullable=False),
        sa.Column("description", sa.String(500)),
        sa.Column("active", sa.Boolean(), nullable=False),
        _at("created_at"),
    )
    op.create_index("ix_webhooks_owner", "webhooks", ["owner"])
    op.create_table(
        "notifications",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("user", sa.String(200), nullable=False),
        sa.Column("trigger_id", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("event_type", sa.String(200), nullable=False),
        sa.Column("subject_id", sa.String(200), nullable=False),
        sa.Column("title", sa.String(500), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("link", sa.String(500)),
        _at("created_at"),
        _at("read_at", nullable=True),
        sa.UniqueConstraint("trigger_id", "user", name="uq_notifications_trigger_user"),
    )
    op.create_index("ix_notifications_user_created", "notifications", ["user", "created_at", "id"])
    op.create_table(
        "deliveries",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("trigger_id", sa.String(200), nullable=False),
        sa.Column("trigger_type", sa.String(200), nullable=False),
        sa.Column("recipient", sa.String(200), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("notification_id", sa.Uuid()),
        sa.Column("attempts", sa.Integer(), nullable=False),
        _at("next_attempt_at", nullable=True),
        sa.Column("claim_token", sa.String(64)),
        sa.Column("last_error", sa.Text()),
        _at("created_at"),
        _at("sent_at", nullable=True),
        sa.UniqueConstraint("trigger_id", "recipient", "channel", name="uq_deliveries_trigger_recipient_channel"),
    )
    op.create_index("ix_deliveries_due", "deliveries", ["status", "next_attempt_at"])
    op.create_index("ix_deliveries_created", "deliveries", ["created_at", "id"])
    op.create_table(
        "delivery_attempts",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("delivery_id", sa.Uuid(), sa.ForeignKey("deliveries.id", ondelete="CASCADE"), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        _at("started_at"),
        sa.Column("duration_ms", sa.Float(), nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("status_code", sa.Integer()),
        sa.Column("error", sa.Text()),
    )
    op.create_index("ix_delivery_attempts_delivery_id", "delivery_attempts", ["delivery_id"])
    op.create_table(
        "reminders",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("followup_id", sa.Uuid(), nullable=False),
        sa.Column("engagement_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("assignee", sa.String(200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        _at("fire_at"),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("followup_version", sa.Integer(), nullable=False),
        _at("sent_at", nullable=True),
        sa.UniqueConstraint("followup_id", "kind", name="uq_reminders_followup_kind"),
    )
    op.create_index("ix_reminders_due", "reminders", ["status", "fire_at"])


def downgrade() -> None:
    op.drop_index("ix_reminders_due", table_name="reminders")
    op.drop_table("reminders")
    op.drop_index("ix_delivery_attempts_delivery_id", table_name="delivery_attempts")
    op.drop_table("delivery_attempts")
    op.drop_index("ix_deliveries_created", table_name="deliveries")
    op.drop_index("ix_deliveries_due", table_name="deliveries")
    op.drop_table("deliveries")
    op.drop_index("ix_notifications_user_created", table_name="notifications")
    op.drop_table("notifications")
    op.drop_index("ix_webhooks_owner", table_name="webhooks")
    op.drop_table("webhooks")
    op.drop_table("known_partners")
    op.drop_index("ix_subscriptions_kind_target", table_name="subscriptions")
    op.drop_index("ix_subscriptions_user", table_name="subscriptions")
    op.drop_table("subscriptions")
    op.drop_table("recipients")
