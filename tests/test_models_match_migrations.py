"""The tables the code declares are the tables the migrations build, on both databases.

Alembic compares the models' metadata with a database migrated to head; any difference (a column
added to a model without a migration, a type that differs) is listed.
"""
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine
from sqlmodel import SQLModel

import gateway.models  # noqa: F401  (registers the tables)
import services.engagements.models  # noqa: F401
import services.kit.inbox  # noqa: F401
import services.kit.outbox  # noqa: F401
import services.notifications.models  # noqa: F401
import services.partners.models  # noqa: F401

TABLES = {
    "partners": {"partners", "partner_names", "partner_thrusts", "relationships", "contacts", "mandates",
                 "audit_entries", "outbox"},
    "engagements": {"partner_copies", "outbox", "inbox", "partner_relationships", "engagements",
                    "engagement_partners", "engagement_thrusts", "engagement_officers", "follow_ups",
                    "idempotency_keys"},
    "notifications": {"outbox", "inbox", "recipients", "subscriptions", "known_partners", "webhooks",
                      "notifications", "deliveries", "delivery_attempts", "reminders"},
    "gateway": {"users", "refresh_tokens", "api_keys", "revoked_tokens"},
}
# Built by a migration for one database only, with no model to compare to (engagements' full-text
# vector and its index on PostgreSQL; SQLite's FTS5 table is not in TABLES).
DIALECT_ONLY = {"ix_engagements_search", "search_vector"}

# Built by the migrations for one database only (PostgreSQL's GIN search indexes; SQLite's are FTS5
# tables outside TABLES), with no model counterpart: the models describe what both databases share.
DATABASE_SPECIFIC_INDEXES = {"ix_partner_names_trgm", "ix_partner_names_fts"}


@pytest.mark.parametrize("service", sorted(TABLES))
def test_models_match_the_migrated_schema(new_database, service):
    engine = create_engine(new_database(service))

    def only_this_service(obj, name, type_, reflected, compare_to):
        if type_ == "index" and reflected and name in DATABASE_SPECIFIC_INDEXES:
            return False
        table = name if type_ == "table" else getattr(getattr(obj, "table", None), "name", None)
        return table in TABLES[service] and name not in DIALECT_ONLY

    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={
                "include_object": only_this_service, "compare_type": True})
            differences = compare_metadata(context, SQLModel.metadata)
    finally:
        engine.dispose()
    assert differences == []
