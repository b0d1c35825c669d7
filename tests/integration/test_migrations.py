"""Every service's migrations run up, down and up again on PostgreSQL (SQLite runs them in every unit test)."""
import pytest
from sqlalchemy import create_engine, inspect

from services.kit.migrations import downgrade, upgrade
from tests.support.databases import MIGRATIONS

pytestmark = pytest.mark.postgres

EXPECTED_TABLES = {
    "partners": {"partners", "partner_names", "partner_thrusts", "relationships", "contacts", "mandates",
                 "audit_entries", "outbox"},
    "engagements": {"partner_copies", "outbox", "inbox", "partner_relationships", "engagements",
                    "engagement_partners", "engagement_thrusts", "engagement_officers", "follow_ups",
                    "idempotency_keys"},
    "notifications": {"outbox", "inbox", "recipients", "subscriptions", "known_partners", "webhooks",
                      "notifications", "deliveries", "delivery_attempts", "reminders"},
    "gateway": {"users", "refresh_tokens", "api_keys", "revoked_tokens"},
}


@pytest.mark.parametrize("service", sorted(MIGRATIONS))
def test_migrations_go_up_down_and_up_again(pg_cluster, service):
    url = pg_cluster.create_database(f"migrate_{service}")
    upgrade(MIGRATIONS[service], url)
    engine = create_engine(url)
    try:
        assert set(inspect(engine).get_table_names()) == EXPECTED_TABLES[service] | {"alembic_version"}
        downgrade(MIGRATIONS[service], url)
        assert set(inspect(engine).get_table_names()) == {"alembic_version"}
        upgrade(MIGRATIONS[service], url)
        assert set(inspect(engine).get_table_names()) == EXPECTED_TABLES[service] | {"alembic_version"}
    finally:
        engine.dispose()
