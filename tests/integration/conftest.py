import pytest

from services.kit.db import make_engine, make_session_factory

pytestmark = [pytest.mark.kafka, pytest.mark.postgres]


@pytest.fixture
def partners_sessions(postgres_database):
    engine = make_engine(postgres_database("partners"))
    yield make_session_factory(engine)
    engine.dispose()


@pytest.fixture
def engagements_sessions(postgres_database):
    engine = make_engine(postgres_database("engagements"))
    yield make_session_factory(engine)
    engine.dispose()
