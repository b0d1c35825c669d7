"""Engagements, follow-ups, relationships read copy, idempotency keys, full-text search.

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

# French and English stemming over unaccented words: "négociations" and "negociation" meet.
PG_SEARCH_SETUP = [
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    "CREATE TEXT SEARCH CONFIGURATION liaison_fr (COPY = pg_catalog.french)",
    "ALTER TEXT SEARCH CONFIGURATION liaison_fr ALTER MAPPING FOR hword, hword_part, word WITH unaccent, french_stem",
    "CREATE TEXT SEARCH CONFIGURATION liaison_en (COPY = pg_catalog.english)",
    "ALTER TEXT SEARCH CONFIGURATION liaison_en ALTER MAPPING FOR hword, hword_part, word WITH unaccent, english_stem",
    # A stored vector: matching reads it instead of re-parsing every candidate's text.
    "ALTER TABLE engagements ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ("
    "to_tsvector('liaison_fr'::regconfig, search_document) || "
    "to_tsvector('liaison_en'::regconfig, search_document)) STORED",
    "CREATE INDEX ix_engagements_search ON engagements USING gin (search_vector)",
]
PG_SEARCH_TEARDOWN = [
    "DROP INDEX IF EXISTS ix_engagements_search",
    "ALTER TABLE engagements DROP COLUMN IF EXISTS search_vector",
    "DROP TEXT SEARCH CONFIGURATION IF EXISTS liaison_en",
    "DROP TEXT SEARCH CONFIGURATION IF EXISTS liaison_fr",
]
# SQLite: FTS5 over words already unaccented and stemmed by search.py (FTS5 has no French stemmer).
# rowid is derived from the engagement id (search.py: fts_rowid), so a row is found without a scan.
SQLITE_FTS = (
    "CREATE VIRTUAL TABLE engagement_fts USING fts5("
    "engagement_id UNINDEXED, terms, tokenize = 'unicode61 remove_diacritics 2')"
)


def upgrade() -> None:
    with op.batch_alter_table("partner_copies") as batch:
        batch.add_column(sa.Column("merged_into", sa.Uuid()))
    op.create_table(
        "partner_relationships",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("partner_id", sa.Uuid(), nullable=False),
        sa.Column("type", sa.String(16), nullable=False),
        sa.Column("target_id", sa.Uuid(), nullable=False),
        sa.Column("membership_status", sa.String(32)),
        sa.Column("since", sa.Date()),
        sa.Column("until", sa.Date()),
    )
    op.create_index("ix_partner_relationships_partner_id", "partner_relationships", ["partner_id"])
    op.create_index("ix_partner_relationships_target", "partner_relationships", ["target_id", "type"])
    op.create_table(
        "engagements",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("type", sa.String(16), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("local_year", sa.Integer(), nullable=False),
        sa.Column("local_quarter", sa.Integer(), nullable=False),
        sa.Column("location_city", sa.String(200)),
        sa.Column("location_country", sa.String(2)),
        sa.Column("partner_ids", sa.JSON(), nullable=False),
        sa.Column("contact_ids", sa.JSON(), nullable=False),
        sa.Column("officers", sa.JSON(), nullable=False),
        sa.Column("summary", sa.Text()),
        sa.Column("notes", sa.Text()),
        sa.Column("outcome", sa.Text()),
        sa.Column("discussion_points", sa.JSON(), nullable=False),
        sa.Column("thrusts", sa.JSON(), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("confidentiality", sa.String(16), nullable=False),
        sa.Column("mission_id", sa.Uuid(), sa.ForeignKey("engagements.id")),
        sa.Column("agreement_status", sa.String(16)),
        sa.Column("signatories", sa.JSON(), nullable=False),
        sa.Column("signed_on", sa.Date()),
        sa.Column("effective_on", sa.Date()),
        sa.Column("expires_on", sa.Date()),
        sa.Column("search_document", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_engagements_starts", "engagements", ["starts_at", "id"])
    op.create_index("ix_engagements_mission", "engagements", ["mission_id"])
    op.create_index("ix_engagements_created_by", "engagements", ["created_by"])
    for name, column, size in (("engagement_partners", "partner_id", None), ("engagement_officers", "officer", 200)):
        op.create_table(
            name,
            sa.Column(
                "engagement_id", sa.Uuid(), sa.ForeignKey("engagements.id", ondelete="CASCADE"), primary_key=True
            ),
            sa.Column(column, sa.Uuid() if size is None else sa.String(size), primary_key=True),
        )
        op.create_index(f"ix_{name}_{column.split('_')[0]}", name, [column, "engagement_id"])
    op.create_table(
        "engagement_thrusts",
        sa.Column("engagement_id", sa.Uuid(), sa.ForeignKey("engagements.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("code", sa.String(100), primary_key=True),
        sa.Column("top", sa.String(100), nullable=False),
    )
    op.create_index("ix_engagement_thrusts_code", "engagement_thrusts", ["code", "engagement_id"])
    op.create_index("ix_engagement_thrusts_top", "engagement_thrusts", ["top", "engagement_id"])
    op.create_table(
        "follow_ups",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("engagement_id", sa.Uuid(), sa.ForeignKey("engagements.id", ondelete="CASCADE"), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("assignee", sa.String(200), nullable=False),
        sa.Column("due_on", sa.Date()),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("owed_by", sa.String(16), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True)),
    )
    op.create_index("ix_follow_ups_engagement_id", "follow_ups", ["engagement_id"])
    op.create_index("ix_follow_ups_assignee", "follow_ups", ["assignee", "status", "due_on"])
    op.create_table(
        "idempotency_keys",
        sa.Column("caller", sa.String(200), primary_key=True),
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("request_hash", sa.String(64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column("response", sa.JSON(), nullable=False),
        sa.Column("headers", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    if op.get_bind().dialect.name == "postgresql":
        for statement in PG_SEARCH_SETUP:
            op.execute(statement)
    else:
        op.execute(SQLITE_FTS)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for statement in PG_SEARCH_TEARDOWN:
            op.execute(statement)
    else:
        op.execute("DROP TABLE IF EXISTS engagement_fts")
    op.drop_table("idempotency_keys")
    op.drop_table("follow_ups")
    op.drop_table("engagement_thrusts")
    op.drop_table("engagement_officers")
    op.drop_table("engagement_partners")
    op.drop_table("engagements")
    op.drop_table("partner_relationships")
    with op.batch_alter_table("partner_copies") as batch:
        batch.drop_column("merged_into")
