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
import services.engagements.models
import services.kit.inbox
import services.kit.outbox
import services.notifications.models
import services.partners.models  # noqa: F401
from tests.support.databases import SERVICE_TABLES

# Built by a migration for PostgreSQL only, with no model to compare to: the full-text columns and
# GIN indexes of engagements and partners (SQLite's FTS5 tables are not in SERVICE_TABLES).
DATABASE_SPECIFIC = {"search_vector", "ix_engagements_search", "ix_partner_names_trgm", "ix_partner_names_fts"}


@pytest.mark.parametrize("service", sorted(SERVICE_TABLES))
def test_models_match_the_migrated_schema(new_database, service):
    engine = create_engine(new_database(service))

    def only_this_service(obj, name, type_, reflected, compare_to):
        if reflected and name in DATABASE_SPECIFIC:
            return False
        table = name if type_ == "table" else getattr(getattr(obj, "table", None), "name", None)
        return table in SERVICE_TABLES[service]

    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"include_object": only_this_service, "compare_type": True}
            )
            differences = compare_metadata(context, SQLModel.metadata)
    finally:
        engine.dispose()
    assert differences == []
