"""One relay leader among a service's replicas, handed over as soon as the leader's process is gone."""

import pytest

from services.kit.db import make_engine
from services.kit.leader import FileLeader, PostgresLeader


@pytest.mark.postgres
def test_a_postgres_leader_is_alone_and_its_successor_takes_over_when_its_connection_dies(postgres_database):
    url = postgres_database("partners")
    first_engine, second_engine = make_engine(url), make_engine(url)
    first, second = PostgresLeader(first_engine, "partners"), PostgresLeader(second_engine, "partners")
    other_service = PostgresLeader(second_engine, "engagements")
    try:
        assert first.acquire() is True and first.is_leader()
        assert second.acquire() is False and not second.is_leader()
        assert other_service.acquire() is True, "each service has its own leader"
        first._connection.connection.dbapi_connection.close()  # the leader's process dies: its session ends
        first._checked = 0.0
        assert not first.is_leader(), "it notices it lost the lock"
        assert second.acquire() is True, "taken over at once, no lease to wait out"
    finally:
        for leader in (first, second, other_service):
            leader.release()
        first_engine.dispose()
        second_engine.dispose()


def test_on_sqlite_a_file_lock_beside_the_database_elects_one(tmp_path):
    path = tmp_path / "partners.db.partners-relay.lock"
    first, second = FileLeader(path), FileLeader(path)
    assert first.acquire() is True and second.acquire() is False
    first.release()
    assert second.acquire() is True and second.is_leader()
    second.release()
