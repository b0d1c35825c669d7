"""Every service's migrations run up, down and up again on PostgreSQL (SQLite runs them in every unit test)."""

import pytest
from sqlalchemy import create_engine, inspect

from services.kit.migrations import downgrade, upgrade
from tests.support.databases import MIGRATIONS, SERVICE_TABLES

pytestmark = pytest.mark.postgres


@pytest.mark.parametrize("service", sorted(MIGRATIONS))
def test_migrations_go_up_down_and_up_again(pg_cluster, service):
    url = pg_cluster.create_database(f"migrate_{service}")
    upgrade(MIGRATIONS[service], url)
    engine = create_engine(url)
    try:
        assert set(inspect(engine).get_table_names()) == SERVICE_TABLES[service] | {"alembic_version"}
        downgrade(MIGRATIONS[service], url)
        assert set(inspect(engine).get_table_names()) == {"alembic_version"}
        upgrade(MIGRATIONS[service], url)
        assert set(inspect(engine).get_table_names()) == SERVICE_TABLES[service] | {"alembic_version"}
    finally:
        engine.dispose()


def test_replicas_starting_together_migrate_once(pg_cluster):
    """Four processes' worth of upgrades at once: one migrates, the others wait and find nothing to do."""
    from concurrent.futures import ThreadPoolExecutor

    url = pg_cluster.create_database("migrate_together")
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda _: upgrade(MIGRATIONS["notifications"], url), range(4)))
    engine = create_engine(url)
    try:
        assert set(inspect(engine).get_table_names()) == SERVICE_TABLES["notifications"] | {"alembic_version"}
        with engine.connect() as connection:
            assert connection.exec_driver_sql("SELECT count(*) FROM alembic_version").scalar() == 1
    finally:
        engine.dispose()
