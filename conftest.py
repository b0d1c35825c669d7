"""Fixtures every test folder shares: the real Kafka broker and PostgreSQL cluster the test session
starts (only when a test asks for them), and fresh migrated databases on either backend."""

from __future__ import annotations

import uuid

import pytest

from services.kit.db import make_engine
from tests.support.databases import migrate


@pytest.fixture(scope="session")
def kafka_broker():
    from tests.support.kafka import KafkaBroker

    broker = KafkaBroker().start()
    yield broker
    broker.stop()


@pytest.fixture(scope="session")
def pg_cluster():
    from tests.support.postgres import PostgresCluster

    cluster = PostgresCluster().start()
    yield cluster
    cluster.stop()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_backend(request) -> str:
    return request.param


@pytest.fixture
def new_database(db_backend, tmp_path, request):
    """`new_database("partners")` -> URL of an empty database migrated to head (or to `revision`),
    on this test's backend."""

    def make(service: str, revision: str = "head") -> str:
        if db_backend == "sqlite":
            return migrate(service, f"sqlite:///{tmp_path}/{service}-{uuid.uuid4().hex[:8]}.db", revision)
        cluster = request.getfixturevalue("pg_cluster")
        return migrate(service, cluster.create_database(f"{service}_{uuid.uuid4().hex[:12]}"), revision)

    return make


@pytest.fixture
def new_engine(new_database):
    """`new_engine("partners")` -> an engine on a fresh migrated database (as new_database), disposed after."""
    engines = []

    def make(service: str, revision: str = "head"):
        engines.append(make_engine(new_database(service, revision)))
        return engines[-1]

    yield make
    for engine in engines:
        engine.dispose()


@pytest.fixture
def postgres_database(request):
    """Like new_database, always on PostgreSQL (for what only PostgreSQL can show, like SKIP LOCKED)."""
    cluster = request.getfixturevalue("pg_cluster")

    def make(service: str) -> str:
        return migrate(service, cluster.create_database(f"{service}_{uuid.uuid4().hex[:12]}"))

    return make
