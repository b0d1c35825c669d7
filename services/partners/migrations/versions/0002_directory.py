"""The whole directory: partner fields, names for search, thrusts, relationships, contacts, mandates, audit.

Search indexes differ by database: on SQLite two FTS5 tables over partner_names (words with
diacritics removed; trigrams for typos), kept in step by triggers; on PostgreSQL pg_trgm and
full-text GIN indexes on the folded names (the extensions are created if missing).

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


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    with op.batch_alter_table("partners") as batch:
        batch.add_column(sa.Column("subdivision", sa.String(6)))
        batch.add_column(sa.Column("description_fr", sa.String(5000)))
        batch.add_column(sa.Column("description_en", sa.String(5000)))
        batch.add_column(sa.Column("owner", sa.String(200)))
        batch.add_column(sa.Column("thrusts", sa.JSON(), nullable=False, server_default="[]"))
        batch.add_column(sa.Column("merged_into", sa.Uuid()))
        batch.add_column(sa.Column("sort_key", sa.String(300), nullable=False, server_default=""))
        batch.add_column(sa.Column("created_by", sa.String(200)))
        batch.add_column(sa.Column("updated_by", sa.String(200)))
    op.create_index("ix_partners_merged_into", "partners", ["merged_into"])
    op.create_index("ix_partners_sort", "partners", ["sort_key", "id"])

    op.create_table(
        "partner_names",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("partner_id", sa.Uuid(), sa.ForeignKey("partners.id"), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("key", sa.String(300), nullable=False),
    )
    op.create_index("ix_partner_names_partner_id", "partner_names", ["partner_id"])
    op.create_table(
        "partner_thrusts",
        sa.Column("partner_id", sa.Uuid(), sa.ForeignKey("partners.id"), primary_key=True),
        sa.Column("code", sa.String(100), primary_key=True),
    )
    op.create_index("ix_partner_thrusts_code", "partner_thrusts", ["code"])
    op.create_table(
        "relationships",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("partner_id", sa.Uuid(), sa.ForeignKey("partners.id"), nullable=False),
        sa.Column("type", sa.String(16), nullable=False),
        sa.Column("target_id", sa.Uuid(), sa.ForeignKey("partners.id"), nullable=False),
        sa.Column("membership_status", sa.String(16)),
        sa.Column("since", sa.Date()),
        sa.Column("until", sa.Date()),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(200)),
    )
    op.create_index("ix_relationships_partner_id", "relationships", ["partner_id"])
    op.create_index("ix_relationships_target_id", "relationships", ["target_id"])
    op.create_table(
        "contacts",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("partner_id", sa.Uuid(), sa.ForeignKey("partners.id"), nullable=False),
        sa.Column("honorific", sa.String(50)),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("title", sa.String(300)),
        sa.Column("email", sa.String(320)),
        sa.Column("phone", sa.String(16)),
        sa.Column("preferred_language", sa.String(2)),
        sa.Column("notes", sa.Text()),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(200)),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(200)),
    )
    op.create_index("ix_contacts_partner_id", "contacts", ["partner_id"])
    op.create_table(
        "mandates",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("contact_id", sa.Uuid(), sa.ForeignKey("contacts.id", ondelete="CASCADE"), nullable=False),
        sa.Column("post", sa.String(300), nullable=False),
        sa.Column("partner_id", sa.Uuid(), sa.ForeignKey("partners.id"), nullable=False),
        sa.Column("since", sa.Date()),
        sa.Column("until", sa.Date()),
    )
    op.create_index("ix_mandates_contact_id", "mandates", ["contact_id"])
    op.create_index("ix_mandates_partner_id", "mandates", ["partner_id"])
    op.create_table(
        "audit_entries",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("partner_id", sa.Uuid(), nullable=False),
        sa.Column("entity_type", sa.String(16), nullable=False),
        sa.Column("entity_id", sa.String(64), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.Column("actor", sa.String(200)),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_audit_entries_partner_id", "audit_entries", ["partner_id"])
    op.create_index("ix_audit_entries_entity_id", "audit_entries", ["entity_id"])

    if dialect == "sqlite":
        _sqlite_search()
    elif dialect == "postgresql":
        _postgres_search()


def _sqlite_search() -> None:
    # Contentless-delete tables (SQLite 3.43+) would save space; external-content tables work on
    # the 3.40 Debian ships: the rows live in partner_names, the triggers keep the indexes in step.
    for table, tokenizer in (
        ("partner_names_fts", "unicode61 remove_diacritics 2"),
        ("partner_names_trigram", "trigram"),
    ):
        op.execute(
            f"CREATE VIRTUAL TABLE {table} USING fts5(key, content='partner_names', content_rowid='id', "
            f"tokenize='{tokenizer}')"
        )
        op.execute(
            f"CREATE TRIGGER {table}_ai AFTER INSERT ON partner_names BEGIN "
            f"INSERT INTO {table}(rowid, key) VALUES (new.id, new.key); END"
        )
        op.execute(
            f"CREATE TRIGGER {table}_ad AFTER DELETE ON partner_names BEGIN "
            f"INSERT INTO {table}({table}, rowid, key) VALUES ('delete', old.id, old.key); END"
        )


def _postgres_search() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    # Expression indexes: the queries in services/partners/search.py use these very expressions.
    op.execute("CREATE INDEX ix_partner_names_trgm ON partner_names USING gin ((lower(key)) gin_trgm_ops)")
    op.execute("CREATE INDEX ix_partner_names_fts ON partner_names USING gin (to_tsvector('simple', key))")


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for table in ("partner_names_fts", "partner_names_trigram"):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_ai")
            op.execute(f"DROP TRIGGER IF EXISTS {table}_ad")
            op.execute(f"DROP TABLE IF EXISTS {table}")
    for table in ("audit_entries", "mandates", "contacts", "relationships", "partner_thrusts", "partner_names"):
        op.drop_table(table)
    op.drop_index("ix_partners_sort", table_name="partners")
    op.drop_index("ix_partners_merged_into", table_name="partners")
    with op.batch_alter_table("partners") as batch:
        for column in (
            "updated_by",
            "created_by",
            "sort_key",
            "merged_into",
            "thrusts",
            "owner",
            "description_en",
            "description_fr",
            "subdivision",
        ):
            batch.drop_column(column)
